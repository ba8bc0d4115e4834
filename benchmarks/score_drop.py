"""Does ``max_score_drop`` hold on new data? Accuracy lost on a test set.

``load_digits`` (scaled to [0, 1]), 5 stratified 75/25 splits; a 64-32
``MLPClassifier``; ``rank="auto"``, ``svd_on="activations"``, at two
requested drops. The drop is judged three ways:

- ``split``: the network fitted here, the bound judged on a held-out 10% of
  the training data (135 rows: one row is 0.74 points);
- ``frozen``: a ``FrozenEstimator`` of the network fitted on all the training
  data, so the held-out 10% is data it has seen;
- ``X_val``: the same frozen network, the bound judged on half of the test
  set (225 rows) passed as ``X_val``; the loss is measured on the other half.

Run: ``python benchmarks/score_drop.py``
"""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


def lost(network, model, X, y):
    return 100 * (network.score(X, y) - model.score(X, y))


def run(seed, drop):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, test_size=0.25, random_state=seed, stratify=y
    )
    params = dict(
        rank="auto", max_score_drop=drop, svd_on="activations", random_state=seed
    )
    mlp = MLPClassifier((64, 32), max_iter=400, random_state=seed)
    split = SVDCompressedMLPClassifier(mlp, keep_original=True, **params)
    split.fit(X_train, y_train)
    network = MLPClassifier((64, 32), max_iter=400, random_state=seed)
    network.fit(X_train, y_train)
    frozen = SVDCompressedMLPClassifier(FrozenEstimator(network), **params)
    frozen.fit(X_train, y_train)
    X_val, X_new, y_val, y_new = train_test_split(
        X_test, y_test, test_size=0.5, random_state=seed, stratify=y_test
    )
    given = SVDCompressedMLPClassifier(FrozenEstimator(network), **params)
    given.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    return (
        lost(split.estimator_, split, X_test, y_test),
        lost(network, frozen, X_test, y_test),
        lost(network, given, X_new, y_new),
    )


def main():
    warnings.simplefilter("ignore")  # convergence, and the warnings under test
    print("points of accuracy lost on new data, mean (max) over 5 splits")
    print(f"{'max_score_drop':>14s} {'split':>12s} {'frozen':>12s} {'X_val':>12s}")
    for drop in (0.01, 0.02):
        losses = np.array([run(seed, drop) for seed in range(5)])
        means, worst = losses.mean(axis=0), losses.max(axis=0)
        cells = [f"{m:5.2f} ({x:4.2f})" for m, x in zip(means, worst, strict=True)]
        print(f"{drop:14.2f} " + " ".join(f"{cell:>12s}" for cell in cells))


if __name__ == "__main__":
    warnings.simplefilter("ignore", ConvergenceWarning)
    main()
