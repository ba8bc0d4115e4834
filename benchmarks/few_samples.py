"""``svd_on="outputs"`` with few training samples for the network's width.

The error-compensating factors refit each layer above the first compressed
one to the original network's pre-activations. With fewer training samples
than a layer has inputs, a least-squares refit can reproduce the training
data exactly and generalize worse than the original layer; the ridge,
shrunk toward the original layer and chosen by generalized
cross-validation, is there to prevent that. On small training sets (wine,
60 samples; digits, 150 and 1,200) and a wide 200-100 network, this compares
the held-out accuracy lost without retraining by ``"activations"`` and
``"outputs"``, mean and standard deviation over ``--runs`` splits.

Run: ``python benchmarks/few_samples.py``
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier

CASES = [
    ("wine", load_wine, 60, [2, None, None]),
    ("wine", load_wine, 60, [4, 4, None]),
    ("digits", load_digits, 150, [5, 5, None]),
    ("digits", load_digits, 150, [10, 10, None]),
    ("digits", load_digits, 1200, [5, 5, None]),
    ("digits", load_digits, 1200, [10, 10, None]),
]
SVD_ON = ("activations", "outputs")


def drops(loader, n_train, rank, seed):
    """Test accuracy lost by each ``svd_on`` on one split, in points."""
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=n_train, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    network = MLPClassifier((200, 100), max_iter=500, random_state=seed).fit(
        X_train, y_train
    )
    baseline = network.score(X_test, y_test)
    return [
        100
        * (
            baseline
            - SVDCompressedMLPClassifier(
                FrozenEstimator(network), rank=rank, svd_on=svd_on
            )
            .fit(X_train, y_train)
            .score(X_test, y_test)
        )
        for svd_on in SVD_ON
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    print(
        f"200-100 network, no retraining, test drop in points, "
        f"mean +- std over {args.runs} splits"
    )
    print(
        f"{'data':>7} {'n_train':>7} {'ranks':>16} "
        + " ".join(f"{svd_on:>15}" for svd_on in SVD_ON)
    )
    for name, loader, n_train, rank in CASES:
        table = np.array(
            [drops(loader, n_train, rank, seed) for seed in range(args.runs)]
        )
        cells = " ".join(
            f"{mean:8.2f} +-{std:5.2f}"
            for mean, std in zip(table.mean(0), table.std(0), strict=True)
        )
        print(f"{name:>7} {n_train:>7} {str(rank):>16} {cells}", flush=True)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
