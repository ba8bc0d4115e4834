"""
From a 670 KB network to a 25 KB C file
=======================================

A microcontroller counts bytes, not parameters. The Keras MNIST
experiment's 784-100-50-10 network stores 84,060 numbers: 672,480 bytes as
scikit-learn keeps them, in float64. Cutting the ranks and storing the
factors in 8 bits multiply: this example compresses the network 3.5x in
parameters with ``rank="auto"``, stores every weight matrix as int8 with one
float32 scale per column (``quantize="int8"``), and writes the result as one
C99 file with :func:`~sklearn_svdmlp.export_c`, with nothing retrained; it
computes with the C runtime the package ships.
Where a C compiler is found, the file is compiled and run, and its
predictions are compared with the model's. ``benchmarks/size.py`` measures
the same over five splits, and against emlearn's C code.

The data is the MNIST-like set of the MNIST example: scikit-learn's 8x8
digits upsampled to 28x28 and shifted by up to 2 pixels.
"""

# %%
# The network
# -----------
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
n_bytes = sum(a.nbytes for a in [*network.coefs_, *network.intercepts_])
print(f"network: {n_bytes:,} bytes, test accuracy {network.score(X_test, y_test):.4f}")

# %%
# Fewer ranks, then fewer bits
# ----------------------------
# The same ranks (the experiment's 24,180-parameter budget), stored four ways.
models = {
    quantize: SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank="auto",
        target_ratio=84_060 / 24_180,
        svd_on="activations",
        quantize=quantize,
        random_state=0,
    ).fit(X_train, y_train)
    for quantize in [None, "float32", "float16", "int8"]
}
for quantize, model in models.items():
    print(
        f"quantize={quantize!s:8s} ranks {model.ranks_}: {model.n_bytes_:7,d} bytes, "
        f"compression ratio {model.compression_ratio_:.2f} in parameters, "
        f"{model.n_bytes_original_ / model.n_bytes_:.2f} in bytes, "
        f"test accuracy {model.score(X_test, y_test):.4f}"
    )
print(models["int8"].summary())

fig, ax = plt.subplots(figsize=(6, 3))
labels = ["network", *(f"{q}" for q in models)]
sizes = [n_bytes, *(model.n_bytes_ for model in models.values())]
ax.barh(labels, np.array(sizes) / 1000, color="tab:blue")
ax.set_xscale("log")
ax.set_xlabel("kilobytes stored")
ax.set_title("The same ranks, stored in fewer bits")
fig.tight_layout()

# %%
# The C file
# ----------
# ``export_c`` writes the int8 model: ``static const signed char`` weights,
# ``float`` scales and biases, and a table of its layers (a factored layer
# is two steps) that the C runtime shipped with the package walks:
# ``svdmlp.h`` and ``svdmlp.c`` in ``c_runtime_dir()``, ``float``
# arithmetic, no allocation, only ``math.h``.
source = export_c(models["int8"], name="digits")
print(f"C file: {len(source.splitlines()):,} lines; its functions:")
print(
    "\n".join(
        line
        for line in source.splitlines()
        if line.startswith(("int ", "void ")) and line.endswith(";")
    )
)
print(next(line for line in source.splitlines() if "RAM:" in line))

# %%
# Where a C compiler is found, the file and the runtime are compiled as
# strictly as C99 allows and run on the test images through ``ctypes``.
compiler = shutil.which("cc")
if compiler is not None:
    runtime = c_runtime_dir()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "digits.c"
        path.write_text(source)
        library = Path(directory) / "libdigits.so"
        flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]
        subprocess.run(
            [
                compiler,
                *flags,
                f"-I{runtime}",
                "-shared",
                "-fPIC",
                str(path),
                str(runtime / "svdmlp.c"),
                "-o",
                str(library),
                "-lm",
            ],
            check=True,
        )
        digits = ctypes.CDLL(str(library))
        proba = (ctypes.c_float * 10)()
        rows = np.ascontiguousarray(X_test, dtype=np.float32)
        c_proba = []
        for row in rows:
            digits.digits_predict_proba(
                row.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), proba
            )
            c_proba.append(list(proba))
    c_proba = np.array(c_proba)
    difference = np.abs(c_proba - models["int8"].predict_proba(X_test)).max()
    same = np.mean(c_proba.argmax(axis=1) == models["int8"].predict(X_test))
    print(
        f"C and Python: probabilities within {difference:.1e}, labels {same:.0%} equal"
    )
