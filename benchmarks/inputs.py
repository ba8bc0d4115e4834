"""Inputs chosen before compressing: how they are chosen, at tight byte budgets.

The network and data of ``size.py``'s byte budgets: the 784-100-50-10
network trained on 90% of the training part of ``frontier.py``'s MNIST-like
digits (784 pixels, none constant), the other 10% held out (``X_val``, on
which ``quantize="auto"`` scores its candidates). For each count of inputs
kept and each way of choosing them (``choose_inputs``'s ``method``, then
``first_layer_on``'s ``refit`` of the first layer on those inputs), the
network is reduced to read only the kept inputs (its first weight matrix
shrunk to their rows), frozen, and compressed with ``rank="auto",
quantize="auto", rounding="data-aware", svd_on="activations"`` and
``target_bytes`` at each budget, without retraining or with fine-tuning,
then scored on the test part's kept columns: from outside the estimator,
what its ``keep_inputs`` parameter (issue 30) does inside. ``all`` is the
network as it is.

The budgets (``--budgets``, ratio against the float64 network's 672,480
bytes : fine-tuning epochs) are the issue's: 80x without retraining, 120x
with 10 epochs of fine-tuning, and 24,180 parameters' worth of float64 bytes
(193,440, ratio 84,060 / 24,180) without retraining, where the first
layer's multiply-adds are compared at no accuracy lost.

The table: for each budget, count and method, the accuracy points lost against
each run's uncompressed network (mean over ``--runs`` seeds and its
standard error), the ratio of the full network's float64 bytes to the bytes
stored, the first layer's multiply-adds as stored, and the points the
network reading only the kept inputs loses before it is compressed.

Run: ``python benchmarks/inputs.py --runs 3`` (under 3 minutes on 2 cores).
"""

import argparse
import copy
import time
import warnings

import numpy as np
from _common import machine
from size import held_out_network
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._input_choice import choose_inputs, first_layer_on

# (choose_inputs's method, first_layer_on's refit): the prototype
# first.
METHODS = [
    ("importance", "means"),
    ("importance", "least-squares"),
    ("pivoted-qr", "least-squares"),
    ("forward", "means"),
    ("forward", "least-squares"),
]


def reduced(network, X, kept, refit):
    """A copy of ``network`` whose first layer reads only the inputs ``kept``."""
    network = copy.deepcopy(network)
    weights, bias = first_layer_on(
        X, network.coefs_[0], network.intercepts_[0], kept, refit=refit
    )
    network.coefs_[0], network.intercepts_[0] = weights, bias
    network.n_features_in_ = len(kept)
    return network


def run(seed, counts, methods, budgets):
    """Rows ``(ratio, epochs, count, method, refit, drop, n_bytes, macs, reduced)``.

    ``reduced`` is the points the network reading only the kept inputs
    loses before it is compressed.
    """
    network, (X_train, y_train), (X_val, y_val), (X_test, y_test) = held_out_network(
        seed
    )
    original = sum(a.nbytes for a in [*network.coefs_, *network.intercepts_])
    baseline = network.score(X_test, y_test)
    varying = np.ptp(X_train, axis=0) > 0
    print(
        f"seed {seed}: {varying.sum()} of {varying.size} inputs not constant on "
        f"the {len(X_train)} training images; accuracy {100 * baseline:.2f}%"
    )
    rows = []
    for count in counts:
        for method, refit in methods if count != "all" else [("all", "-")]:
            if count == "all":
                kept, frozen = np.arange(X_train.shape[1]), network
            else:
                kept = choose_inputs(
                    X_train, network.coefs_[0], int(count), method=method
                )
                frozen = reduced(network, X_train, kept, refit)
            alone = 100 * (baseline - frozen.score(X_test[:, kept], y_test))
            for ratio, epochs in budgets:
                model = SVDCompressedMLPClassifier(
                    FrozenEstimator(frozen),
                    rank="auto",
                    quantize="auto",
                    rounding="data-aware",
                    svd_on="activations",
                    target_bytes=int(original / ratio),
                    fine_tune_epochs=epochs,
                    random_state=seed,
                ).fit(X_train[:, kept], y_train, X_val=X_val[:, kept], y_val=y_val)
                drop = 100 * (baseline - model.score(X_test[:, kept], y_test))
                macs = model.network_.layers[0].n_multiply_adds
                rows.append(
                    (
                        ratio,
                        epochs,
                        count,
                        method,
                        refit,
                        drop,
                        model.n_bytes_,
                        macs,
                        alone,
                    )
                )
    return rows, original


def report(runs, original):
    print(
        f"{'x f64':>6s} {'ft':>3s} {'kept':>5s} {'method':>11s} {'refit':>13s} "
        f"{'lost':>6s} {'+-':>5s} {'stored':>7s} {'x f64':>6s} {'1st MACs':>8s} "
        f"{'reduced':>7s}"
    )
    for k, (ratio, epochs, count, method, refit, *_) in enumerate(runs[0]):
        drops = np.array([rows[k][5] for rows in runs])
        n_bytes = np.array([rows[k][6] for rows in runs])
        macs = np.array([rows[k][7] for rows in runs])
        alone = np.array([rows[k][8] for rows in runs])
        error = drops.std(ddof=1) / np.sqrt(len(drops)) if len(drops) > 1 else np.nan
        print(
            f"{ratio:6.1f} {epochs:3d} {count:>5s} {method:>11s} {refit:>13s} "
            f"{drops.mean():6.2f} {error:5.2f} {n_bytes.mean():7,.0f} "
            f"{(original / n_bytes).mean():6.1f} {macs.mean():8,.0f} "
            f"{alone.mean():7.2f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="seeds 0 .. runs-1")
    parser.add_argument(
        "--counts", default="all,300,200,100,50", help="inputs kept, comma-separated"
    )
    parser.add_argument(
        "--methods",
        default=",".join(f"{m}/{r}" for m, r in METHODS),
        help="method/refit pairs, comma-separated",
    )
    parser.add_argument(
        "--budgets",
        default=f"80:0,120:10,{84_060 / 24_180!r}:0",
        help="ratio against float64:fine-tuning epochs, comma-separated",
    )
    args = parser.parse_args()
    counts = args.counts.split(",")
    methods = [tuple(pair.split("/")) for pair in args.methods.split(",")]
    budgets = [
        (float(ratio), int(epochs))
        for ratio, epochs in (pair.split(":") for pair in args.budgets.split(","))
    ]
    print(machine())
    start = time.perf_counter()
    runs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in range(args.runs):
            rows, original = run(seed, counts, methods, budgets)
            runs.append(rows)
    report(runs, original)
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
