"""On the device: flash, stack and instructions per prediction on emulated Cortex-M.

The Keras MNIST experiment's 784-100-50-10 network on the MNIST-like digits
of ``frontier.py``, compressed to its 24,180-parameter budget
(``rank="auto"``, ``svd_on="activations"``, no retraining), exported with
``export_c`` twice: int8 weights computed in float (``quantize="int8"``),
and integer-only (``integer_only=True``; int8, int4, and int8 reading only
300 or 100 of the 784 inputs, ``keep_inputs``). Beside them, emlearn's C code (the
reference library for networks on microcontrollers, ``pip install
emlearn``) for the uncompressed network and for a dense network of the same
parameter count trained from scratch.

Each is linked into the bare-metal firmware of
:func:`sklearn_svdmlp.device.emulate` for the Cortex-M0+ (ARMv6-M, no FPU:
QEMU's micro:bit), M3 (no FPU) and M4F (FPU, DSP; QEMU's MPS2 boards) and
run on QEMU:

- flash: bytes of the model's and the runtime's code and constants as
  linked, and of the library routines they pull in (floating point in
  software, ``expf``), read from the linker's map; static RAM likewise;
- stack: the bytes below the caller's frame one prediction wrote (stack
  painting);
- instructions: executed in one call of the prediction function (the
  integer entry point on already-quantized input for integer-only, the
  float one otherwise), counted by single-stepping QEMU, mean of 3 rows,
  built ``-O2`` and (integer-only) ``-Os``, and per multiply-add of the
  model;
- accuracy: on the 450 test images, in Python (the labels the firmware
  printed for the first rows are checked to be the same).

With ``--cmsis-nn PATH`` (a checkout of ``github.com/ARM-software/CMSIS-NN``,
with CMSIS-Core's headers beside it or at ``--cmsis-core``), ARM's own int8
fully-connected kernels run on the integer-only int8 model's step shapes
(``_cmsis_nn.py``), in the same firmware, counted the same way.

Run: ``python benchmarks/mcu.py [--cmsis-nn PATH]`` (needs
``gcc-arm-none-eabi``, ``libnewlib-arm-none-eabi`` and ``qemu-system-arm``).
"""

import argparse
import functools
import os
import tempfile
import warnings

import _cmsis_nn
import numpy as np
from _common import machine
from frontier import mnist_like, small_mlp_width
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp.device import emulate, missing_tools
from sklearn_svdmlp.device._cores import CORES
from sklearn_svdmlp.device._firmware import Entry, run_firmware
from sklearn_svdmlp.device._toolchain import PACKAGES

MAIN_CORES = ["cortex-m0plus", "cortex-m3", "cortex-m4f"]
# The inputs read by the models that read fewer (keep_inputs), of 784.
KEPT_INPUTS = [300, 100]

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


def measure_emlearn(source, include, rows, expected, core, directory):
    """Flash, RAM, stack and instructions of emlearn's C, in emulate's firmware."""
    path = os.path.join(directory, "model.c")
    with open(path, "w") as file:
        file.write(source)
    entry = Entry(
        "int32_t model_predict(const float *x, int32_t n_features);",
        "y[0] = (int)model_predict(x, N_FEATURES)",
    )
    run = run_firmware(
        [path],
        rows[:CHECKED_ROWS].astype(np.float32),
        entry,
        CORES[core],
        "-O2",
        directory,
        include=include,
        strict=False,
    )
    assert np.array_equal(run.outputs[:, 0], expected[:CHECKED_ROWS]), core
    instructions = float(np.mean(run.instructions))
    return run.flash, run.ram, run.stack, instructions, float("nan")


def measure(model, X, core, directory):
    """Flash, RAM, stack and instructions (-O2, and -Os for integer-only)."""
    del directory  # emulate keeps its own
    report = emulate(model, X[:CHECKED_ROWS], core)
    assert report.agree, core
    small = float("nan")  # a float model's time is its library's
    if report.entry == "int8":
        small = emulate(model, X[:3], core, optimize="-Os").instructions
    return (
        report.flash_bytes,
        report.ram_bytes,
        report.stack_bytes,
        report.instructions,
        small,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmsis-nn", metavar="PATH", help="a CMSIS-NN checkout")
    parser.add_argument("--cmsis-core", metavar="PATH", help="CMSIS/Core/Include")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    missing = missing_tools()
    if missing:
        raise SystemExit(f"needs {missing}: apt-get install {PACKAGES}")
    print(machine())
    X_train, X_test, y_train, y_test = mnist_like(0)
    network = MLPClassifier((100, 50), max_iter=300, random_state=0)
    network.fit(X_train, y_train)
    n_params = sum(a.size for a in [*network.coefs_, *network.intercepts_])
    baseline = network.score(X_test, y_test)
    # Each export's parameters: int8 weights computed in float, integer-only
    # int8 and int4, and integer-only reading fewer inputs (keep_inputs).
    exports = {
        "int8, float": {"quantize": "int8"},
        "integer-only": {"quantize": "int8", "integer_only": True},
        "integer-only int4": {"quantize": "int4", "integer_only": True},
        **{
            f"integer-only, {n} inputs": {
                "quantize": "int8",
                "integer_only": True,
                "keep_inputs": n,
            }
            for n in KEPT_INPUTS
        },
    }
    models = {
        export: SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            rank="auto",
            target_ratio=n_params / BUDGET,
            svd_on="activations",
            random_state=0,
            **params,
        ).fit(X_train, y_train)
        for export, params in exports.items()
    }
    width = small_mlp_width(BUDGET)
    dense = MLPClassifier((width,), max_iter=300, random_state=0).fit(X_train, y_train)
    print(
        f"network 784-100-50-10: {n_params:,} parameters, test accuracy "
        f"{baseline:.4f}; compressed to ranks {models['integer-only'].ranks_}"
    )
    # Each case: its label, how to measure it on a core, its score, its size.
    cases = [
        (
            f"svdmlp {label}",
            functools.partial(measure, model, X_test),
            model.score(X_test, y_test),
            model.n_params_,
            model.network_.n_multiply_adds,
        )
        for label, model in models.items()
    ]
    with tempfile.TemporaryDirectory() as directory:
        try:
            for label, emlearned in [
                ("emlearn, uncompressed", network),
                (f"emlearn, dense 784-{width}-10", dense),
            ]:
                source, include = _emlearn_source(emlearned, directory)
                n = sum(a.size for a in [*emlearned.coefs_, *emlearned.intercepts_])
                expected = emlearned.predict(X_test)
                measured = functools.partial(
                    measure_emlearn, source, (include,), X_test, expected
                )
                macs = sum(a.size for a in emlearned.coefs_)
                cases.append(
                    (label, measured, emlearned.score(X_test, y_test), n, macs)
                )
        except ImportError:
            print("emlearn: not installed (pip install emlearn)")
        header = (
            f"{'model':28s} {'core':13s} {'params':>7s} {'flash':>8s} {'RAM':>6s} "
            f"{'stack':>6s} {'instr. -O2':>11s} {'/MAC':>6s} {'instr. -Os':>11s} "
            f"{'/MAC':>5s} {'drop':>6s}"
        )
        print(header)
        for label, measured, score, n, macs in cases:
            for core in MAIN_CORES:
                try:
                    flash, ram, stack, large, small = measured(core, directory)
                except ValueError as error:  # the micro:bit's 256 KB of flash
                    print(f"{label:28s} {core:13s} {n:7,d} {error}")
                    continue
                print(
                    f"{label:28s} {core:13s} {n:7,d} {flash:8,d} {ram:6,d} "
                    f"{stack:6,d} {large:11,.0f} {large / macs:6.2f} "
                    f"{small:11,.0f} {small / macs:5.2f} "
                    f"{100 * (baseline - score):6.2f}"
                )
        if args.cmsis_nn:
            network = models["integer-only"].network_
            macs = network.n_multiply_adds
            rows = network.quantize_input(X_test[:3])
            for core in MAIN_CORES:
                counts = [
                    _cmsis_nn.instructions(
                        network,
                        rows,
                        core,
                        directory,
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
                        f"{large / macs:6.2f} {small:11,.0f} {small / macs:5.2f}"
                    )


if __name__ == "__main__":
    main()
