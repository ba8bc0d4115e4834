"""Integer-only ``predict`` on the host against scikit-learn's MLPClassifier.

A 784-256-128-10 network (trained for a few epochs on random data: speed
does not depend on what it learned) is compressed to ranks 32 with int8
factors and ``integer_only=True``; ``predict`` of both on 20,000 rows, one
BLAS thread each, best of 7, in one run. The integer sums are computed by
float32 or float64 matrix products wherever every partial sum is an
integer the format holds exactly (``sum_dtype``); the ``int64`` column
times the same model with every sum forced through NumPy's int64 product,
as before.

Run: ``python benchmarks/integer_predict.py``
"""

import warnings
from unittest import mock

import numpy as np
from _common import best_time, machine
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._network import _integer


def main():
    rng = np.random.default_rng(0)
    X, y = rng.random((2000, 784)), rng.integers(0, 10, 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = MLPClassifier((256, 128), max_iter=3, random_state=0).fit(X, y)
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            rank=[32, 32, None],
            quantize="int8",
            integer_only=True,
            random_state=0,
        ).fit(X, y)
    rows = rng.random((20_000, 784))
    print(machine())
    print(f"ranks {model.ranks_}, {model.n_params_:,} parameters; 20,000 rows")
    with threadpool_limits(1):
        labels = model.predict(rows)
        t_network = best_time(lambda: network.predict(rows))
        t_model = best_time(lambda: model.predict(rows))
        with mock.patch.object(_integer, "sum_dtype", lambda _: np.dtype(np.int64)):
            assert np.array_equal(model.predict(rows), labels)
            t_int64 = best_time(lambda: model.predict(rows))
    print(
        f"MLPClassifier.predict {1000 * t_network:.1f} ms; integer-only predict "
        f"{1000 * t_model:.1f} ms ({t_model / t_network:.2f}x, target <= 1.5x); "
        f"int64 sums {1000 * t_int64:.1f} ms ({t_int64 / t_network:.2f}x)"
    )


if __name__ == "__main__":
    main()
