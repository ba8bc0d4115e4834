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
point, so no floating point is linked.

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


def main():
    fitted, X = models()
    print(
        f"{'model':13s} {'core':13s} {'flag':4s} {'data':>6s} {'code':>6s} "
        f"{'runtime':>7s} {'library':>7s} {'beyond data':>11s}"
    )
    for label, model in fitted.items():
        for core in CORES:
            for optimize in ["-O2", "-Os"]:
                report = emulate(model, X, core, optimize=optimize, n_counted=0)
                assert report.agree
                parts = report.flash_parts
                print(
                    f"{label:13s} {core:13s} {optimize:4s} "
                    f"{parts['model data']:6,d} {parts['model code']:6,d} "
                    f"{parts['runtime']:7,d} {parts['library']:7,d} "
                    f"{report.flash_bytes - parts['model data']:11,d}"
                )


if __name__ == "__main__":
    main()
