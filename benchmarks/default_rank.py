"""The default ``rank``: what each energy fraction costs and saves.

A scalar ``rank`` factors the hidden layers and leaves the output layer
dense. Two tables, plain SVD on a frozen ``MLPClassifier(max_iter=500)``
(standardized data, stratified 25% test split):

- the candidates on the demo's network (digits, 100 units) and on a 64-32
  network on digits, over twenty seeds (split, network and compression):
  the mean compression ratio, the mean and the largest loss of test
  accuracy in points, and the number of seeds losing more than one point;
- the user guide's table, seed 0: test accuracy and compression ratio on
  five data sets at three energies.

Run: ``python benchmarks/default_rank.py``
"""

import warnings

import numpy as np
from sklearn import datasets
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier

CANDIDATES = (0.7, 0.75, 0.8, 0.82, 0.85, 0.9)
NETWORKS = (("digits", (100,)), ("digits", (64, 32)))
TABLE = (
    ("digits", (100,)),
    ("digits", (64, 32)),
    ("digits", (100, 50)),
    ("breast_cancer", (100,)),
    ("wine", (100,)),
    ("iris", (100, 50)),
)
TABLE_ENERGIES = (0.9, 0.8, 0.7)


def fitted(dataset, hidden, seed):
    """A frozen network, and its standardized training and test data."""
    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    network = MLPClassifier(hidden, max_iter=500, random_state=seed)
    network.fit(X_train, y_train)
    return FrozenEstimator(network), X_train, X_test, y_train, y_test


def compressed(frozen, rank, seed, X_train, X_test, y_train, y_test):
    """Test accuracy and compression ratio at ``rank``."""
    model = SVDCompressedMLPClassifier(frozen, rank=rank, random_state=seed)
    model.fit(X_train, y_train)
    return model.score(X_test, y_test), model.compression_ratio_


def candidates(seeds=range(20)):
    for dataset, hidden in NETWORKS:
        losses = {rank: [] for rank in CANDIDATES}
        ratios = {rank: [] for rank in CANDIDATES}
        for seed in seeds:
            frozen, *data = fitted(dataset, hidden, seed)
            accuracy = frozen.score(*data[1::2])
            for rank in CANDIDATES:
                score, ratio = compressed(frozen, rank, seed, *data)
                losses[rank].append(100 * (accuracy - score))
                ratios[rank].append(ratio)
        print(f"{dataset}, {hidden}, seeds {seeds.start} to {seeds.stop - 1}:")
        for rank in CANDIDATES:
            lost = np.array(losses[rank])
            print(
                f"  rank={rank}: ratio x{np.mean(ratios[rank]):.2f}, loss mean "
                f"{lost.mean():.2f}, worst {lost.max():.2f} points, "
                f"{(lost > 1).sum()} of {len(lost)} seeds lose more than 1"
            )


def table():
    print("data, hidden sizes: network; per energy: accuracy, ratio (seed 0)")
    for dataset, hidden in TABLE:
        frozen, *data = fitted(dataset, hidden, 0)
        cells = [f"{frozen.score(*data[1::2]):.3f}"]
        for rank in TABLE_ENERGIES:
            score, ratio = compressed(frozen, rank, 0, *data)
            cells.append(f"{score:.3f}, x{ratio:.1f}")
        print(f"  {dataset}, {hidden}: " + "   ".join(cells))


def main():
    warnings.simplefilter("ignore")  # the networks' convergence
    candidates()
    table()


if __name__ == "__main__":
    main()
