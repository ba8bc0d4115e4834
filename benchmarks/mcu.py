"""On the device: flash, stack and instructions per prediction on emulated Cortex-M.

The Keras MNIST experiment's 784-100-50-10 network on the MNIST-like digits
of ``frontier.py``, compressed to its 24,180-parameter budget
(``rank="auto"``, ``svd_on="activations"``, no retraining), exported with
``export_c`` twice: int8 weights computed in float (``quantize="int8"``),
and integer-only (``integer_only=True``). Beside them, emlearn's C code (the
reference library for networks on microcontrollers, ``pip install
emlearn``) for the uncompressed network and for a dense network of the same
parameter count trained from scratch.

Each is linked into a bare-metal firmware (``tests/firmware``) for the
Cortex-M0+ (ARMv6-M, no FPU), M3 (no FPU) and M4F (FPU, DSP) and run on
QEMU's MPS2 boards:

- flash: bytes of the firmware's code and constants beyond those of the
  same firmware with an empty model (so: the model, the runtime, and the
  floating-point library routines it pulls in); static RAM likewise;
- stack: the bytes below the caller's frame one prediction wrote (stack
  painting);
- instructions: executed in one call of the prediction function (the
  integer entry point on already-quantized input for integer-only, the
  float one otherwise), counted by single-stepping QEMU, mean of 3 rows,
  built with ``-O2`` and with ``-Os``, and per multiply-add of the model;
- accuracy: on the 450 test images, in Python (the labels the firmware
  printed for the first rows are checked to be the same).

With ``--cmsis-nn PATH`` (a checkout of ``github.com/ARM-software/CMSIS-NN``,
with CMSIS-Core's headers beside it or at ``--cmsis-core``), ARM's own int8
fully-connected kernels run on the integer-only int8 model's step shapes
(``_cmsis_nn.py``), counted the same way.

Run: ``python benchmarks/mcu.py [--cmsis-nn PATH]`` (needs
``gcc-arm-none-eabi``, ``libnewlib-arm-none-eabi`` and ``qemu-system-arm``).
"""

import argparse
import os
import sys
import tempfile
import warnings
from pathlib import Path

import _cmsis_nn
import numpy as np
from _common import machine
from frontier import mnist_like, small_mlp_width
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier, export_c

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
import firmware  # noqa: E402  (the bare-metal harness the tests use)

BUDGET = 24_180
CHECKED_ROWS = 20


def _emlearn_source(network, directory):
    import emlearn

    here = os.getcwd()
    os.chdir(directory)  # emlearn writes a build folder where it runs
    try:
        return emlearn.convert(network).save(name="model"), emlearn.includedir
    finally:
        os.chdir(here)


def _stub(entry, n_features):
    """A model file whose prediction does nothing: the baseline firmware."""
    if entry == "emlearn":
        return (
            "#include <stdint.h>\n"
            "int32_t model_predict(const float *x, int32_t n);\n"
            "int32_t model_predict(const float *x, int32_t n)\n"
            "{ (void)x; (void)n; return 0; }\n"
        )
    c_type = "int8_t" if entry == "int8" else "float"
    suffix = "_int8" if entry == "int8" else ""
    return (
        "#include <stdint.h>\n"
        f"int model_predict{suffix}(const {c_type} *x);\n"
        f"int model_predict{suffix}(const {c_type} *x)\n{{ (void)x; return 0; }}\n"
    )


def measure(
    source, rows, entry, core, directory, include=(), expected=None, optimize="-O2"
):
    """Flash, RAM, stack and instructions of one model on one core."""
    kind = "emlearn" if entry == "emlearn" else "label"
    main = firmware.harness("model", rows[:CHECKED_ROWS], kind, paint=True)
    elf = firmware.build(directory, source, main, core, optimize, include)
    output = firmware.run(elf, core)
    labels = firmware.printed_rows(output)[:, 0]
    if expected is not None:
        assert np.array_equal(labels, expected[:CHECKED_ROWS]), core
    (stack,) = [int(line.split()[1]) for line in output.splitlines() if "stack" in line]
    flash, ram = firmware.memory(elf)
    base = firmware.build(
        directory, _stub(entry, rows.shape[1]), main, core, optimize, include
    )
    base_flash, base_ram = firmware.memory(base)
    counted = firmware.build(
        directory,
        source,
        firmware.harness("model", rows[:3], kind),
        core,
        optimize,
        include,
    )
    instructions = firmware.instructions_between_marks(counted, core, directory)
    return flash - base_flash, ram - base_ram, stack, float(np.mean(instructions))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmsis-nn", metavar="PATH", help="a CMSIS-NN checkout")
    parser.add_argument("--cmsis-core", metavar="PATH", help="CMSIS/Core/Include")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    missing = firmware.missing_tools()
    if missing:
        raise SystemExit(f"needs {missing}: apt-get install {firmware.PACKAGES}")
    print(machine())
    X_train, X_test, y_train, y_test = mnist_like(0)
    network = MLPClassifier((100, 50), max_iter=300, random_state=0)
    network.fit(X_train, y_train)
    n_params = sum(a.size for a in [*network.coefs_, *network.intercepts_])
    baseline = network.score(X_test, y_test)
    models = {
        export: SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            rank="auto",
            target_ratio=n_params / BUDGET,
            svd_on="activations",
            quantize="int4" if export.endswith("int4") else "int8",
            integer_only=export.startswith("integer-only"),
            random_state=0,
        ).fit(X_train, y_train)
        for export in ["int8, float", "integer-only", "integer-only int4"]
    }
    width = small_mlp_width(BUDGET)
    dense = MLPClassifier((width,), max_iter=300, random_state=0).fit(X_train, y_train)
    print(
        f"network 784-100-50-10: {n_params:,} parameters, test accuracy "
        f"{baseline:.4f}; compressed to ranks {models['integer-only'].ranks_}"
    )
    rows = {
        "float": X_test.astype(np.float32),
        "int8": models["integer-only"].network_.quantize_input(X_test),
        "int4": models["integer-only int4"].network_.quantize_input(X_test),
    }
    cases = []
    for label, model in models.items():
        integer = label.startswith("integer-only")
        cases.append(
            (
                f"svdmlp {label}",
                export_c(model, name="model"),
                ("int4" if label.endswith("int4") else "int8") if integer else "float",
                (),
                np.searchsorted(model.classes_, model.predict(X_test)),
                model.score(X_test, y_test),
                model.n_params_,
                model.network_.n_multiply_adds,
            )
        )
    with tempfile.TemporaryDirectory() as directory:
        try:
            for label, emlearned in [
                ("emlearn, uncompressed", network),
                (f"emlearn, dense 784-{width}-10", dense),
            ]:
                source, include = _emlearn_source(emlearned, directory)
                n = sum(a.size for a in [*emlearned.coefs_, *emlearned.intercepts_])
                cases.append(
                    (
                        label,
                        source,
                        "emlearn",
                        (include,),
                        emlearned.predict(X_test),
                        emlearned.score(X_test, y_test),
                        n,
                        sum(a.size for a in emlearned.coefs_),
                    )
                )
        except ImportError:
            print("emlearn: not installed (pip install emlearn)")
        header = (
            f"{'model':28s} {'core':13s} {'params':>7s} {'flash':>8s} {'RAM':>6s} "
            f"{'stack':>6s} {'instr. -O2':>11s} {'/MAC':>5s} {'instr. -Os':>11s} "
            f"{'/MAC':>5s} {'drop':>6s}"
        )
        print(header)
        for label, source, entry, include, expected, score, n, macs in cases:
            kind = "float" if entry in ("float", "emlearn") else entry
            entry = "int8" if entry == "int4" else entry
            for core in firmware.CORES:
                flash, ram, stack, instructions = measure(
                    source, rows[kind], entry, core, Path(directory), include, expected
                )
                # -Os for integer-only (a float model's time is its library's).
                small = float("nan")
                if entry == "int8":
                    small = measure(
                        source,
                        rows[kind],
                        entry,
                        core,
                        Path(directory),
                        include,
                        None,
                        "-Os",
                    )[3]
                print(
                    f"{label:28s} {core:13s} {n:7,d} {flash:8,d} {ram:6,d} "
                    f"{stack:6,d} {instructions:11,.0f} {instructions / macs:5.2f} "
                    f"{small:11,.0f} {small / macs:5.2f} "
                    f"{100 * (baseline - score):6.2f}"
                )
        if args.cmsis_nn:
            network = models["integer-only"].network_
            macs = network.n_multiply_adds
            for core in firmware.CORES:
                counts = [
                    _cmsis_nn.instructions(
                        firmware,
                        network,
                        rows["int8"][:3],
                        core,
                        Path(directory),
                        args.cmsis_nn,
                        args.cmsis_core,
                        optimize,
                    )
                    for optimize in ["-O2", "-Os"]
                ]
                for kind in _cmsis_nn.KINDS:
                    large, small = (count[kind] for count in counts)
                    print(
                        f"{'CMSIS-NN int8 ' + kind:28s} {core:13s} {'':>7s} "
                        f"{'':>8s} {'':>6s} {'':>6s} {large:11,.0f} "
                        f"{large / macs:5.2f} {small:11,.0f} {small / macs:5.2f}"
                    )


if __name__ == "__main__":
    main()
