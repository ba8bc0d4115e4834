"""Prediction speed of a compressed network against scikit-learn's MLPClassifier.

A 784-1024-1024-10 network (trained for a few epochs on random data: speed
does not depend on what it learned) is compressed about 4x in parameters
with ``rank="auto"``. Measured in one run:

- batch inference, ``predict_proba`` on 8,192 rows, best of 10: the speedup
  against ``MLPClassifier.predict_proba``, and that speedup as a fraction of
  the multiply-add ratio (the most a factored network can gain);
- one-row latency, median of 2,000 interleaved calls of ``predict_proba``,
  on that network and on a 64-64-10 network trained on ``load_digits``
  (compressed 2x with ``rank="auto"``), where validation and Python
  overheads, not arithmetic, set the time.

Run: ``python benchmarks/inference.py``
"""

import warnings

import numpy as np
from _common import best_time, machine, median_times
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


def main():
    rng = np.random.default_rng(0)
    X, y = rng.random((2048, 784)), rng.integers(0, 10, 2048)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        network = MLPClassifier((1024, 1024), max_iter=3, random_state=0).fit(X, y)
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), rank="auto", target_ratio=4, random_state=0
    ).fit(X, y)
    madd_original = sum(coef.size for coef in network.coefs_)
    madd_ratio = madd_original / model.network_.n_multiply_adds
    print(machine())
    print(
        f"network 784-1024-1024-10, {model.n_params_original_:,} parameters; "
        f"compressed: ranks {model.ranks_}, {model.n_params_:,} parameters "
        f"(ratio {model.compression_ratio_:.2f}), multiply-add ratio "
        f"{madd_ratio:.2f}"
    )

    batch = rng.random((8192, 784))
    np.testing.assert_allclose(
        model.predict_proba(batch[:100]).sum(axis=1), 1, rtol=1e-10
    )
    t_network = best_time(lambda: network.predict_proba(batch), repeat=10)
    t_model = best_time(lambda: model.predict_proba(batch), repeat=10)
    speedup = t_network / t_model
    print(
        f"batch of 8,192 rows: MLPClassifier {1000 * t_network:.1f} ms, "
        f"compressed {1000 * t_model:.1f} ms: speedup {speedup:.2f} = "
        f"{speedup / madd_ratio:.2f} of the multiply-add ratio (target >= 0.70)"
    )

    quantized_batches(network, X, y, batch, model)
    one_row_latency("784-1024-1024-10", network, model, batch[:1])
    X, y = load_digits(return_X_y=True)
    X = X / 16
    small = MLPClassifier((64, 64), max_iter=300, random_state=0).fit(X, y)
    small_model = SVDCompressedMLPClassifier(
        FrozenEstimator(small), rank="auto", target_ratio=2, random_state=0
    ).fit(X, y)
    one_row_latency(f"64-64-10, ranks {small_model.ranks_}", small, small_model, X[:1])


def quantized_batches(network, X, y, batch, model):
    """The batch of 8,192 rows with the same ranks stored in fewer bits."""
    times = {None: best_time(lambda: model.predict_proba(batch), repeat=10)}
    for quantize in ["float32", "float16", "int8"]:
        stored = SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            rank=model.ranks_,
            quantize=quantize,
            random_state=0,
        ).fit(X, y)
        times[quantize] = best_time(lambda m=stored: m.predict_proba(batch), repeat=10)
    print(
        "batch of 8,192 rows, the same ranks stored as "
        + ", ".join(
            f"{q}: {1000 * t:.1f} ms ({t / times[None]:.2f} x float64)"
            for q, t in times.items()
            if q is not None
        )
        + " (targets: float32 about 0.5, the others at most 1.10)"
    )


def one_row_latency(name, network, model, row):
    """Median ``predict_proba`` time of one row, interleaved, as a ratio."""
    t_network, t_model = median_times(
        [lambda: network.predict_proba(row), lambda: model.predict_proba(row)]
    )
    print(
        f"one row, {name}: MLPClassifier {1e6 * t_network:.0f} us, compressed "
        f"{1e6 * t_model:.0f} us: {t_model / t_network:.2f} of MLPClassifier's "
        "time (target <= 0.90)"
    )


if __name__ == "__main__":
    main()
