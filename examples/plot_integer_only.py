"""
Running on a microcontroller: integer-only inference
====================================================

A Cortex-M0+ or M3 has no floating-point unit: each float multiply-add of a
network is a call into a software routine, thousands of instructions per
layer. With ``quantize="int8", integer_only=True`` the compressed model
computes with integers only: int8 activations with a scale and a zero point,
int8 weights, int32 sums, fixed-point rescaling. ``predict`` computes
exactly what the C file computes, so the accuracy printed here is the
device's.

The network is the Keras MNIST experiment's 784-100-50-10, on the
MNIST-like digits of the other examples, compressed to the experiment's
24,180-parameter budget with nothing retrained.
"""

# %%
# The network, compressed twice
# -----------------------------
import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier, c_runtime_dir, export_c

X, y = load_digits(return_X_y=True)
images = zoom(X.reshape(-1, 8, 8) / 16.0, (1, 3.5, 3.5), order=1).clip(0, 1)
rng = np.random.default_rng(0)
for image, (dy, dx) in zip(images, rng.integers(-2, 3, (len(X), 2)), strict=True):
    image[:] = np.roll(image, (dy, dx), axis=(0, 1))
X = images.reshape(len(X), -1)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
network = MLPClassifier((100, 50), max_iter=300, random_state=0).fit(X_train, y_train)
print(f"network: test accuracy {network.score(X_test, y_test):.4f}")

models = {
    integer_only: SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank="auto",
        target_ratio=84_060 / 24_180,
        svd_on="activations",
        quantize="int8",
        integer_only=integer_only,
        random_state=0,
    ).fit(X_train, y_train)
    for integer_only in [False, True]
}
for integer_only, model in models.items():
    print(
        f"integer_only={integer_only!s:5s}: ranks {model.ranks_}, "
        f"compression ratio {model.compression_ratio_:.2f}, "
        f"{model.n_bytes_:,} bytes, test accuracy {model.score(X_test, y_test):.4f}"
    )

# %%
# Every step's scales
# -------------------
# The summary ends with what one step of each int8 tensor is worth.
model = models[True]
print(model.summary().split("\n\n")[-1])

# %%
# The C file
# ----------
# Beside the float functions, the integer entry point takes an input that
# ``<name>_quantize_input`` (or the sensor) already made int8; nothing
# reachable from it uses floating point.
source = export_c(model, name="digits")
print("\n".join(source.splitlines()[:6]))
print(
    "\n".join(
        line
        for line in source.splitlines()
        if line.startswith("#define")
        or line.startswith(("int ", "void "))
        and line.endswith(";")
    )
)

# %%
# Where a C compiler is found, the file and the runtime are compiled for this
# machine, and ``digits_predict_int8`` is run on the quantized test images:
# the labels are ``predict``'s, to the last one.
compiler = shutil.which("cc")
if compiler is not None:
    runtime = c_runtime_dir()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "digits.c"
        path.write_text(source)
        library = Path(directory) / "libdigits.so"
        subprocess.run(
            [compiler, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]
            + [f"-I{runtime}", "-shared", "-fPIC", str(path)]
            + [str(runtime / "svdmlp.c"), "-o", str(library), "-lm"],
            check=True,
        )
        digits = ctypes.CDLL(str(library))
        digits.digits_predict_int8.restype = ctypes.c_int
        quantized = model.network_.quantize_input(X_test)
        labels = [
            digits.digits_predict_int8(
                np.ascontiguousarray(row).ctypes.data_as(ctypes.POINTER(ctypes.c_int8))
            )
            for row in quantized
        ]
    same = np.mean(model.classes_[labels] == model.predict(X_test))
    print(f"C and Python: labels {same:.0%} equal")

# %%
# On the device
# -------------
# ``python benchmarks/mcu.py`` links the C file into a bare-metal firmware,
# runs it on QEMU's emulated Cortex-M boards and counts the instructions of
# one prediction (its figures for this network; ``tests/test_mcu.py`` checks
# the labels on every core in CI). Integer-only inference takes 28 times fewer
# instructions than the same model in float on a Cortex-M0+, 19 on an M3,
# and 90 times fewer than emlearn's C code for the uncompressed network.
cores = ["Cortex-M0+", "Cortex-M3", "Cortex-M4F"]
measured = {
    "emlearn, uncompressed": [14_756_043, 6_862_529, 595_459],
    "int8 weights, float arithmetic": [4_668_158, 2_290_194, 195_497],
    "integer-only": [163_814, 119_487, 89_694],
}
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.27
for offset, (label, counts) in enumerate(measured.items()):
    ax.bar(np.arange(3) + (offset - 1) * width, counts, width, label=label)
ax.set_xticks(np.arange(3), cores)
ax.set_yscale("log")
ax.set_ylabel("instructions per prediction")
ax.set_title("784-100-50-10 at 24,180 parameters, on emulated cores")
ax.legend(fontsize=8)
fig.tight_layout()
for label, counts in measured.items():
    print(f"{label:32s}", "  ".join(f"{count:>10,d}" for count in counts))

# %%
# Checked on emulated cores
# -------------------------
# :func:`sklearn_svdmlp.device.emulate` does what the benchmark does for one
# model: it builds the C file into a bare-metal firmware for a core, runs it
# on QEMU with the first test images (quantized in Python, through the
# integer entry point) and compares the device's labels with ``predict``,
# measuring flash, stack and instructions on the way. It needs the ARM
# cross-compiler and QEMU; without them, it says what to install.
from sklearn_svdmlp.device import MissingToolsError, emulate

for core in ["cortex-m0plus", "cortex-m4f"]:
    try:
        print(emulate(model, X_test[:50], core=core))
    except MissingToolsError as error:  # it names the packages to install
        print(f"not emulated: {error}")
        break
