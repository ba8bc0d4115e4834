"""
Compress a regression network, plain SVD against truncation
===========================================================

``SVDCompressedMLPRegressor`` does for ``MLPRegressor`` what the classifier
does for ``MLPClassifier``. A network trained on scikit-learn's diabetes data
is compressed at a few ranks with both methods; the table and the plot show
the held-out R^2 against the parameters kept (the plot, against the
compression ratio).

The diabetes target is noisy (the network's R^2 is 0.38) and the network is
heavily regularised (``alpha=30``), so its weights are close to low-rank:
plain SVD keeps its R^2 down to rank 1, about 9x fewer parameters.
Truncation retrains a ``Ridge`` head on the cut layer and scores a little
lower at every width.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import CompressionCurveDisplay, SVDCompressedMLPRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
# The target is scaled with the training part's statistics: R^2 is unchanged
# by it, and the network trains far better.
y_mean, y_std = y_train.mean(), y_train.std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    network = MLPRegressor(
        hidden_layer_sizes=(64, 32),
        solver="lbfgs",
        alpha=30.0,
        max_iter=500,
        random_state=0,
    ).fit(X_train, y_train)

n_params = sum(c.size for c in network.coefs_) + sum(
    b.size for b in network.intercepts_
)
print(f"network: {n_params} parameters, test R^2 {network.score(X_test, y_test):.3f}")
ratios, scores = {"svd": [], "truncated": []}, {"svd": [], "truncated": []}
for method in ["svd", "truncated"]:
    for rank in [16, 8, 4, 2, 1]:
        model = SVDCompressedMLPRegressor(
            FrozenEstimator(network),
            method=method,
            rank=rank,
            svd_on="activations",
            random_state=0,
        ).fit(X_train, y_train)
        print(
            f"{method:9s} rank {rank}: ranks_ {model.ranks_}, {model.n_params_:5d} "
            f"parameters (compression ratio {model.compression_ratio_:.2f}), "
            f"test R^2 {model.score(X_test, y_test):.3f}"
        )
        ratios[method].append(model.compression_ratio_)
        scores[method].append(model.score(X_test, y_test))

display = CompressionCurveDisplay(
    compression_ratios=list(ratios.values()),
    scores=list(scores.values()),
    labels=list(ratios),
    score_name="test R^2",
).plot()
display.ax_.axhline(
    network.score(X_test, y_test), color="black", linewidth=0.8, label="network"
)
display.ax_.legend()
plt.show()
