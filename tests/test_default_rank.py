"""Issue 29, item 2: a scalar rank compresses the hidden layers, not the output layer.

The default ``rank=0.8`` factored the output layer too: on a 64-32 network
on digits, ``ranks_`` 23-15-7 and 5.8 points lost where leaving it dense
lost none at the same compression (``benchmarks/default_rank.py``).
"""

import numpy as np
import pytest
from sklearn.datasets import load_linnerud
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPRegressor

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor


@pytest.mark.parametrize("rank", [0.8, 0.5, 8, 2, np.int64(3), np.float32(0.6)])
def test_a_scalar_rank_leaves_the_output_layer_dense(fitted_mlp, digits_split, rank):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=rank)
    model.fit(X_train, y_train)
    assert model.ranks_[-1] is None
    assert all(r is not None for r in model.ranks_[:-1])
    # The output layer is stored as the network's.
    np.testing.assert_array_equal(model.layers_[-1].coef, fitted_mlp.coefs_[-1])


def test_a_list_and_auto_can_still_factor_it(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    frozen = FrozenEstimator(fitted_mlp)
    listed = SVDCompressedMLPClassifier(frozen, rank=[8, 8, 4]).fit(X_train, y_train)
    assert listed.ranks_ == [8, 8, 4]
    auto = SVDCompressedMLPClassifier(frozen, rank="auto", target_ratio=8)
    assert auto.fit(X_train, y_train).ranks_[-1] is not None


def test_the_default_loses_at_most_a_point(fitted_mlp, digits_split):
    # The network: 0.907 at 1.37x with the output layer factored.
    X_train, X_test, y_train, y_test = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp))
    model.fit(X_train, y_train)
    assert model.get_params()["rank"] == 0.8
    assert model.compression_ratio_ > 1.2
    network = fitted_mlp.score(X_test, y_test)
    assert model.score(X_test, y_test) >= network - 0.01
    factored = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=[0.8, 0.8, 0.8]
    ).fit(X_train, y_train)
    assert factored.ranks_[:2] == model.ranks_[:2]
    assert factored.ranks_[-1] is not None


def test_a_multi_output_regressor_keeps_its_output_layer():
    X, y = load_linnerud(return_X_y=True)
    network = MLPRegressor(
        hidden_layer_sizes=(16, 16), solver="lbfgs", max_iter=200, random_state=0
    ).fit(X, y)
    model = SVDCompressedMLPRegressor(FrozenEstimator(network), rank=1).fit(X, y)
    assert model.ranks_ == [1, 1, None]
    listed = SVDCompressedMLPRegressor(FrozenEstimator(network), rank=[None, 1, 1])
    assert listed.fit(X, y).ranks_ == [None, 1, 1]


def test_truncation_with_a_scalar_rank_still_cuts_the_last_hidden_layer(
    fitted_mlp, digits_split
):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=8
    ).fit(X_train, y_train)
    assert model.ranks_ == [None, 8, None]
