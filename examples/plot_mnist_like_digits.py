"""
The MNIST experiment on digits: uniform against automatic ranks
===============================================================

The Keras MNIST experiment trains a 784-100-50-10 network on MNIST, factors
every layer at 2x, 4x and 8x fewer parameters by giving each layer the same
share of its width (ranks 50/25/5, 25/12/2 and 12/6/1: 48,410, 24,180 and
11,728 parameters of 84,060, so 1.74x, 3.48x and 7.17x, not quite the
experiment's "2X", "4X" and "8X"), retrains each
compressed model for 10 epochs, and compares confusion matrices. MNIST is not
shipped with scikit-learn, so this example builds an MNIST-like set from its
8x8 digits: upsampled to 28x28 and each image shifted by up to 2 pixels (the
shift matters: plain upsampled images all lie in a 64-dimensional subspace of
the 784 pixels, which would make the first layer unusually easy to compress).

The experiment's uniform ranks are set against ``rank="auto"`` at the same
budgets, which spends the parameters where the singular values say they are
needed, both with the experiment's 10 epochs of retraining
(``fine_tune_epochs=10``). ``benchmarks/frontier.py`` runs the same
comparison over five splits, with more methods.
"""

# %%
# An MNIST-like set
# -----------------
import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import PredefinedSplit, train_test_split
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
print(f"{len(X_train)} training and {len(X_test)} test images of {X.shape[1]} pixels")

# %%
# The experiment's network
# ------------------------
network = MLPClassifier((100, 50), max_iter=300, random_state=0).fit(X_train, y_train)
n_params = sum(c.size for c in network.coefs_) + sum(
    b.size for b in network.intercepts_
)
baseline = network.score(X_test, y_test)
print(f"network: {n_params:,} parameters, test accuracy {baseline:.4f}")

# %%
# Accuracy against compression ratio
# ----------------------------------
# :meth:`~sklearn_svdmlp.CompressionCurveDisplay.from_estimator` fits one
# model per value of a parameter and scores it. ``PredefinedSplit`` makes
# that one split, the network's own: each model is fitted (and fine-tuned) on
# the training images and scored on the test images.
X_all = np.vstack([X_train, X_test])
y_all = np.concatenate([y_train, y_test])
held_out = PredefinedSplit(np.r_[np.full(len(X_train), -1), np.zeros(len(X_test))])

budgets = [48_410, 24_180, 11_728]  # the experiment's "2X", "4X" and "8X"
uniform_ranks = [[50, 25, 5], [25, 12, 2], [12, 6, 1]]
fig, ax = plt.subplots(figsize=(7, 4.5))
for fine_tune_epochs, linestyle in [(10, "-"), (0, "--")]:
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), fine_tune_epochs=fine_tune_epochs, random_state=0
    )
    uniform = CompressionCurveDisplay.from_estimator(
        model,
        X_all,
        y_all,
        param_name="rank",
        param_range=uniform_ranks,
        cv=held_out,
        label=f"uniform ranks (document), {fine_tune_epochs} epochs",
        linestyle=linestyle,
        color="tab:red",
        ax=ax,
    )
    automatic = CompressionCurveDisplay.from_estimator(
        model.set_params(rank="auto"),
        X_all,
        y_all,
        param_name="target_ratio",
        param_range=[n_params / budget for budget in budgets],
        cv=held_out,
        label=f'rank="auto", {fine_tune_epochs} epochs',
        linestyle=linestyle,
        color="tab:blue",
        ax=ax,
    )
    for name, display in [("uniform", uniform), ("auto", automatic)]:
        pairs = zip(display.compression_ratios[0], display.scores[0], strict=True)
        print(
            f"{name:7s} {fine_tune_epochs:2d} epochs:",
            ", ".join(f"x{ratio:.2f} {score:.4f}" for ratio, score in pairs),
        )
ax.axhline(baseline, color="black", linewidth=0.8, label="network")
ax.set_ylabel("test accuracy")
ax.legend(fontsize="small")
plt.show()

# %%
# With the same number of parameters, the automatic allocation keeps far more
# accuracy than equal shares. Uniform ranks starve the output layer (ranks 5,
# 2 and 1 for 10 classes: at rank 1 every prediction is one number scaled per
# class), which 10 epochs cannot fully repair on 1,347 images. ``"auto"``
# maximises the product over layers of the fraction of energy kept, where one
# starved layer drags the whole product down: here it keeps the small output
# layer whole and takes the parameters from the large first layer (see the
# ranks printed below).
#
# Confusion matrices before and after
# -----------------------------------
# The network, and both models at the 8x budget after their 10 epochs.
eight_times = {
    "uniform 12/6/1": SVDCompressedMLPClassifier(
        FrozenEstimator(network), rank=[12, 6, 1], fine_tune_epochs=10, random_state=0
    ),
    'rank="auto"': SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank="auto",
        target_ratio=n_params / budgets[-1],
        fine_tune_epochs=10,
        random_state=0,
    ),
}
fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
ConfusionMatrixDisplay.from_estimator(
    network, X_test, y_test, ax=axes[0], colorbar=False
)
axes[0].set_title(f"network: {n_params:,} parameters, {baseline:.3f}")
for ax, (name, model) in zip(axes[1:], eight_times.items(), strict=True):
    model.fit(X_train, y_train)
    ConfusionMatrixDisplay.from_estimator(model, X_test, y_test, ax=ax, colorbar=False)
    ax.set_title(f"{name}: {model.n_params_:,}, {model.score(X_test, y_test):.3f}")
    print(
        f"{name}: ranks {model.ranks_}, compression ratio "
        f"{model.compression_ratio_:.2f}"
    )
fig.tight_layout()
plt.show()
