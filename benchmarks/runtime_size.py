"""The runtime's cost in flash per core: what a model adds beyond its arrays.

A digits classifier (``MLPClassifier((64, 32))``, ranks 8, 8 and dense,
int8 weights), exported in float arithmetic and integer-only, linked with
:func:`sklearn_svdmlp.device.emulate` for the Cortex-M0+, M3 and M4F at
``-O2`` and ``-Os``. From the linker's map, each firmware's flash is split
into the model file's data (its arrays and step table: what ``n_bytes_``
and the header count), its code (the public functions), the runtime
(``svdmlp.c``'s kernels as linked: only those the model calls) and the C
library's routines they need (software floating point where there is no
FPU, ``expf``). The integer-only model is called through its int8 entry
point, so no floating point is linked. Each part is the sum of the input
sections the linker placed from that object or library member (each byte
once, alignment padding and literal pools included); the library's is what
the firmware links beyond the same firmware without a prediction.

It prints the table of ``docs/deploying.rst`` ("The runtime's cost per
core"), which ``tests/test_device.py`` checks against :func:`measure`.

Run: ``python benchmarks/runtime_size.py`` (needs ``gcc-arm-none-eabi``,
``libnewlib-arm-none-eabi`` and ``qemu-system-arm``).
"""

import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp.device import emulate

CORES = ["cortex-m0plus", "cortex-m3", "cortex-m4f"]


def models():
    """The digits classifier in float arithmetic and integer-only, and rows."""
    X, y = load_digits(return_X_y=True)
    X = X / 16
    fitted = {}
    for label, integer_only in [("float", False), ("integer-only", True)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted[label] = SVDCompressedMLPClassifier(
                MLPClassifier((64, 32), max_iter=200, random_state=0),
                rank=[8, 8, None],
                quantize="int8",
                integer_only=integer_only,
                random_state=0,
            ).fit(X, y)
    return fitted, X[:5]


CORE_NAMES = {"cortex-m0plus": "Cortex-M0+", "cortex-m3": "Cortex-M3"}
CORE_NAMES["cortex-m4f"] = "Cortex-M4F"
COLUMNS = ("model code", "runtime", "library", "beyond data")


def measure():
    """Each model's report on each core at -O2 and -Os, by (model, core, flag)."""
    fitted, X = models()
    return {
        (label, core, optimize): emulate(model, X, core, optimize=optimize, n_counted=0)
        for label, model in fitted.items()
        for core in CORES
        for optimize in ["-O2", "-Os"]
    }


def table(reports):
    """The rows of docs/deploying.rst's table: (model, core, flag) to its figures."""
    rows = {}
    for (label, core, optimize), report in reports.items():
        parts = report.flash_parts
        rows[label, CORE_NAMES[core], optimize] = (
            parts["model code"],
            parts["runtime"],
            parts["library"],
            report.flash_bytes - parts["model data"],
        )
    return rows


def main():
    reports = measure()
    rule = "  ".join(
        ["=" * 12, "=" * 15, "=" * 4, "=" * 10, "=" * 7, "=" * 7, "=" * 11]
    )
    print(rule)
    print(
        f"{'model':12s}  {'core':15s}  flag  model code  runtime  library  beyond data"
    )
    print(rule)
    for (label, core, optimize), figures in table(reports).items():
        cells = "  ".join(
            f"{figure:>{len(column)},d}"
            for figure, column in zip(figures, COLUMNS, strict=True)
        )
        print(f"{label:12s}  {core:15s}  {optimize}  {cells}")
    print(rule)
    data = {label: reports[label, CORES[0], "-O2"] for label, _, _ in reports}
    for label, report in data.items():
        print(f"{label}: {report.flash_parts['model data']:,} bytes of model data")


if __name__ == "__main__":
    main()
