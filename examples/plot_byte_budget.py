"""
Choosing a byte budget: int8, int4 and the search over both
===========================================================

A device has so many bytes for the model. With ``rank="auto"`` and
``target_bytes``, the compressed model is the one that keeps the most of
the network within that many stored bytes (``n_bytes_``: every weight,
scale, bias and head counted); ``quantize`` says how the weights are kept,
and ``quantize="auto"`` chooses int8 or int4 for each layer together with
its rank, keeping the assignment that scores best on a held-out tenth of the
training data. ``rounding="data-aware"`` (the default) chooses the integers
that keep each layer's outputs on the training data closest, rather than
rounding each weight to nearest.

This example draws the accuracy-bytes frontier of the Keras MNIST
experiment's 784-100-50-10 network (672,480 bytes in float64) on the
MNIST-like digits of the MNIST example, with nothing retrained.
``benchmarks/size.py`` measures the same over five splits, with and
without fine-tuning.
"""

# %%
# The network
# -----------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import CompressionCurveDisplay, SVDCompressedMLPClassifier

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
baseline = network.score(X_test, y_test)
print(f"network: {n_bytes:,} bytes, test accuracy {baseline:.4f}")

# %%
# One budget
# ----------
# Fifty times fewer bytes than float64: each layer's rank and format chosen.
model = SVDCompressedMLPClassifier(
    FrozenEstimator(network),
    rank="auto",
    target_bytes=n_bytes // 50,
    quantize="auto",
    svd_on="activations",
    random_state=0,
)
with warnings.catch_warnings():
    # The formats are scored on a tenth of the training data, which the
    # frozen network has seen: fine to choose between them.
    warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
    model.fit(X_train, y_train)
print(model.summary())
print(f"test accuracy {model.score(X_test, y_test):.4f}")
for candidate in model.candidates_:
    print(
        f"  {'-'.join(candidate['formats'])}: ranks {candidate['ranks']}, "
        f"{candidate['n_bytes']:,} bytes, validation score {candidate['score']:.4f}"
    )

# %%
# The frontier
# ------------
# Each budget, four ways: int8 and int4 rounded to nearest, int4 rounded on
# the data, and the search over formats.
ratios = [20, 30, 40, 50, 65, 80, 100]
variants = {
    "int8, nearest": dict(quantize="int8", rounding="nearest"),
    "int4, nearest": dict(quantize="int4", rounding="nearest"),
    "int4, data-aware": dict(quantize="int4"),
    'quantize="auto"': dict(quantize="auto"),
}
curves = {}
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
    for label, params in variants.items():
        fitted = [
            SVDCompressedMLPClassifier(
                FrozenEstimator(network),
                rank="auto",
                target_bytes=n_bytes // ratio,
                svd_on="activations",
                random_state=0,
                **params,
            ).fit(X_train, y_train)
            for ratio in ratios
        ]
        curves[label] = (
            [n_bytes / m.n_bytes_ for m in fitted],
            [m.score(X_test, y_test) for m in fitted],
        )
for label, (_, scores) in curves.items():
    drops = ", ".join(f"{100 * (baseline - s):.1f}" for s in scores)
    print(f"{label:18s} points lost at 1/{ratios} of the bytes: {drops}")

display = CompressionCurveDisplay(
    compression_ratios=[ratios for ratios, _ in curves.values()],
    scores=[scores for _, scores in curves.values()],
    labels=list(curves),
    score_name="test accuracy",
    size="bytes",
).plot(marker="o")
display.ax_.axhline(baseline, color="gray", linestyle=":", label="network")
display.ax_.legend()
display.ax_.set_title("784-100-50-10 on MNIST-like digits, no retraining")
plt.tight_layout()
plt.show()

# %%
# Rounding each weight to nearest, int4 loses points from the start: its
# steps are a sixteenth as fine as int8's. Rounding on the data keeps most
# of them, and at budgets where int8 must cut the ranks hard, int4 with
# twice the rank keeps more. ``quantize="auto"`` mixes the two where that
# scores better.
