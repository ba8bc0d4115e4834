"""GridSearchCV over rank with ``memory``, against cross-validating the network.

``GridSearchCV(refit=False)`` over 6 ranks with 3 folds, with a ``memory``
cache, fits the network once per fold and only compresses and scores for
each rank. It is timed against ``cross_validate`` of the network alone with
the same 3 folds (with ``refit=True`` both sides would add one more fit of
the network on all the data). The network is 784-256-10 on 28x28 upsampled
digits, ``max_iter=100``. The cache starts empty.

Run: ``python benchmarks/grid_search.py``
"""

import tempfile
import time
import warnings

from _common import machine
from frontier import mnist_like
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


def main():
    X_train, _, y_train, _ = mnist_like(0)
    network = MLPClassifier((256,), max_iter=100, random_state=0)
    folds = KFold(3, shuffle=True, random_state=0)
    print(machine())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        cross_validate(network, X_train, y_train, cv=folds)
        t_network = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as cache:
            search = GridSearchCV(
                SVDCompressedMLPClassifier(network, memory=cache, random_state=0),
                {"rank": [2, 4, 8, 16, 32, 64]},
                cv=folds,
                refit=False,
            )
            start = time.perf_counter()
            search.fit(X_train, y_train)
            t_search = time.perf_counter() - start
    print(f"3-fold cross-validation of the network: {t_network:.2f} s")
    print(
        f"GridSearchCV, 6 ranks x 3 folds, memory: {t_search:.2f} s = "
        f"{t_search / t_network:.2f} x (target <= 1.50)"
    )
    for rank, score in zip(
        search.cv_results_["param_rank"],
        search.cv_results_["mean_test_score"],
        strict=True,
    ):
        print(f"  rank {rank:3d}: accuracy {score:.4f}")


if __name__ == "__main__":
    main()
