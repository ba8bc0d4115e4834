"""Does the energy model still rank allocations well with compensating factors?

``rank="auto"`` with ``target_ratio`` allocates ranks by the energy the
original network's spectra keep (``allocate_ranks``). With
``svd_on="outputs"`` each layer also undoes part of the error below, so the
spectra it is factored from change. On the MNIST-like digits of
``frontier.py``, at each of the three budgets, this compares the test accuracy
without retraining of:

- ``energy``: the allocation ``rank="auto"`` picks;
- ``refined``: ranks allocated again on the spectra of the compensated
  layers (those of the ``energy`` model), a cheap measured alternative;
- ``split k2``: every split of the budget between the first two layers, with
  the second at rank ``k2`` (``dense``: not factored), the first at the
  largest rank that fits, the output layer dense.

The drop is the mean over ``--runs`` runs, as in ``frontier.py``.

Run: ``python benchmarks/allocation.py``
"""

import argparse
import time
import warnings

import numpy as np
from frontier import BUDGETS, mnist_like
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._rank_selection import allocate_ranks
from sklearn_svdmlp._network import dense_n_params, factored_n_params

SHAPES = [(784, 100), (100, 50), (50, 10)]
SECOND_LAYER_RANKS = (None, 45, 40, 33, 25, 20, 15, 10, 6, 3)


def n_params(ranks):
    return sum(
        dense_n_params(*shape)
        if rank is None
        else factored_n_params(*shape, rank, "separate")
        for shape, rank in zip(SHAPES, ranks, strict=True)
    )


def widest_first_rank(budget, second):
    """The largest first-layer rank that fits with ``second``, or ``None``."""
    first = 0
    while n_params([first + 1, second, None]) <= budget:
        first += 1
    return first or None


def run(random_state):
    X_train, X_test, y_train, y_test = mnist_like(random_state)
    network = MLPClassifier((100, 50), max_iter=300, random_state=random_state)
    network.fit(X_train, y_train)
    baseline = network.score(X_test, y_test)
    n_original = n_params([None, None, None])

    def drop(**params):
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            svd_on="outputs",
            random_state=random_state,
            **params,
        ).fit(X_train, y_train)
        return model, baseline - model.score(X_test, y_test)

    rows = []
    for budget in BUDGETS:
        energy, lost = drop(rank="auto", target_ratio=n_original / budget)
        rows.append((budget, "energy", energy.ranks_, lost))
        refined = allocate_ranks(energy.singular_values_, SHAPES, "separate", budget)
        # A rank as large as the layer's width is capped, as dense would be.
        _, lost = drop(rank=[r or 10**6 for r in refined])
        rows.append((budget, "refined", refined, lost))
        for second in SECOND_LAYER_RANKS:
            first = widest_first_rank(budget, second)
            if first is None:
                continue
            _, lost = drop(rank=[first, second or 10**6, 10**6])
            rows.append(
                (budget, f"split k2={second or 'dense'}", [first, second, None], lost)
            )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    table = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in range(args.runs):
            for budget, name, ranks, lost in run(seed):
                entry = table.setdefault((budget, name), {"ranks": [], "drop": []})
                entry["ranks"].append(ranks)
                entry["drop"].append(lost)
    print(
        f"svd_on='outputs', no retraining, mean drop over {args.runs} runs "
        "(accuracy points); ranks of the first run"
    )
    print(f"{'budget':>7s} {'allocation':14s} {'ranks':18s} {'drop':>6s} {'+-':>5s}")
    for (budget, name), entry in table.items():
        print(
            f"{budget:7d} {name:14s} {entry['ranks'][0]!s:18s} "
            f"{100 * np.mean(entry['drop']):6.2f} {100 * np.std(entry['drop']):5.2f}"
        )
    for budget in BUDGETS:
        drops = {
            name: np.mean(entry["drop"])
            for (at, name), entry in table.items()
            if at == budget
        }
        best = min(drops, key=drops.get)
        print(
            f"budget {budget:,}: energy {100 * drops['energy']:.2f}, refined "
            f"{100 * drops['refined']:.2f}, best of all {best} "
            f"{100 * drops[best]:.2f} pts"
        )
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
