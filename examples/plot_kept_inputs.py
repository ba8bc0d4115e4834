"""
Reading fewer inputs: the pixels a digits model keeps
=====================================================

On images the first weight matrix holds most of a network's parameters: one
row per pixel. Many pixels carry little (the border of a digit is nearly
always blank), yet every one is stored, multiplied and, on a device, read.
``keep_inputs`` keeps only the inputs the first layer needs most: the
network is reduced to them before it is compressed, its first layer
refitted on them by least squares (so that the kept inputs stand for the
dropped ones they correlate with), and the compressed model reads only
them, in ``predict``, ONNX and C alike.

The network is the Keras MNIST experiment's 784-100-50-10 on the MNIST-like
digits of the other examples (``load_digits`` upsampled to 28x28, each
image moved by up to two pixels), compressed to one byte budget with
``rank="auto", quantize="auto"`` while reading every pixel, then fewer.
"""

# %%
# The network and the budget
# --------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier

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
n_varying = int(np.count_nonzero(X_train.std(axis=0)))
float64_bytes = sum(a.nbytes for a in network.coefs_ + network.intercepts_)
print(
    f"network: test accuracy {network.score(X_test, y_test):.4f}, "
    f"{float64_bytes:,} bytes at float64; {n_varying} of 784 pixels vary"
)

# %%
# One budget, fewer inputs
# ------------------------
# 80 times fewer bytes than the float64 network, with nothing retrained.
# Each model reads every varying pixel (``keep_inputs=None``) or a count of
# them; the bytes the first layer saves go to the ranks of the others.
budget = float64_bytes // 80
models = {}
for keep_inputs in [None, 300, 100, 50]:
    models[keep_inputs] = SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank="auto",
        target_bytes=budget,
        quantize="auto",
        svd_on="activations",
        keep_inputs=keep_inputs,
        random_state=0,
    )
    with warnings.catch_warnings():
        # The formats are scored on a tenth of the training data, which the
        # frozen network has seen: fine to choose between them.
        warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
        models[keep_inputs].fit(X_train, y_train)
for keep_inputs, model in models.items():
    first = model.network_.layers[0]
    print(
        f"keep_inputs={keep_inputs!s:4s}: reads {len(model.inputs_kept_)} pixels, "
        f"ranks {model.ranks_}, compression ratio {model.compression_ratio_:.1f}, "
        f"{model.n_bytes_:,} bytes "
        f"({float64_bytes / model.n_bytes_:.0f}x fewer), "
        f"first layer {first.n_multiply_adds:,} multiply-adds, "
        f"test accuracy {model.score(X_test, y_test):.4f}"
    )

# %%
# The pixels kept
# ---------------
# Red: the pixels each model reads, over the mean training image. With
# every input, even the border (blank in most images, but the random shifts
# make every pixel vary) is read. With fewer, the pixels kept spread evenly
# over the image, about one for each pixel of the 8x8 originals the images
# were upsampled from: neighbouring pixels carry nearly the same value, and
# the first layer is refitted on the pixels kept so that each stands for its
# neighbours (greedy forward selection on the first layer's pre-activations;
# see the user guide).
mean_image = X_train.mean(axis=0).reshape(28, 28)
fig, axes = plt.subplots(1, len(models), figsize=(3 * len(models), 3.2))
for ax, model in zip(axes, models.values(), strict=True):
    rows, columns = np.divmod(model.inputs_kept_, 28)
    ax.imshow(mean_image, cmap="gray_r")
    ax.scatter(columns, rows, s=6, c="tab:red", marker="s")
    ax.set_title(f"{len(model.inputs_kept_)} pixels read")
    ax.set_axis_off()
fig.tight_layout()
plt.show()
