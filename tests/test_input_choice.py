"""Choosing the inputs a first layer reads, and refitting it on them."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_svdmlp._compression._input_choice import (
    INPUT_CHOICES,
    _forward_order,
    _pivoted_qr_order,
    choose_inputs,
    first_layer_on,
    input_order,
)


def residual(X, weights, kept):
    """Least-squares error of the centred pre-activations from ``X[:, kept]``."""
    centred = X - X.mean(axis=0)
    target = centred @ weights
    if len(kept) == 0:
        return np.sum(np.square(target))
    coef = np.linalg.lstsq(centred[:, kept], target, rcond=None)[0]
    return np.sum(np.square(target - centred[:, kept] @ coef))


def duplicated_input(seed=0):
    """Input 2 is a copy of input 1; both weigh more than input 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    X[:, 2] = X[:, 1]
    weights = rng.normal(size=(3, 4))
    weights[0] *= 0.2
    return X, weights


@pytest.mark.parametrize("method", ["pivoted-qr", "forward"])
def test_only_one_copy_of_a_duplicated_input_is_kept(method):
    X, weights = duplicated_input()
    kept = choose_inputs(X, weights, 2, method=method)
    assert 0 in kept and len(set(kept) & {1, 2}) == 1


def test_importance_keeps_both_copies():
    # The prototype's importance scores one input at a time.
    X, weights = duplicated_input()
    assert choose_inputs(X, weights, 2, method="importance").tolist() == [1, 2]


@pytest.mark.parametrize("method", INPUT_CHOICES)
def test_an_input_the_weights_ignore_is_dropped_first(method):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 6))
    weights = rng.normal(size=(6, 3))
    weights[4] = 0.0
    X[:, 4] *= 100.0
    assert 4 not in choose_inputs(X, weights, 5, method=method)


@pytest.mark.parametrize("method", INPUT_CHOICES)
def test_constant_inputs_are_never_kept(method):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 5))
    X[:, [0, 3]] = 7.0
    kept = choose_inputs(X, rng.normal(size=(5, 2)) * 10, 3, method=method)
    assert kept.tolist() == [1, 2, 4]
    assert kept.dtype == np.int64


@pytest.mark.parametrize("method", ["pivoted-qr", "forward"])
def test_low_rank_data_is_spanned_by_as_many_inputs_as_its_rank(method):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 2)) @ rng.normal(size=(2, 7))
    weights = rng.normal(size=(7, 5))
    kept = choose_inputs(X, weights, 2, method=method)
    assert residual(X, weights, kept) < 1e-18 * residual(X, weights, [])
    # And the refit first layer on them gives the original pre-activations.
    bias = rng.normal(size=5)
    W, b = first_layer_on(X, weights, bias, kept)
    # (up to the smallest ridge generalized cross-validation tries)
    np.testing.assert_allclose(X[:, kept] @ W + b, X @ weights + bias, atol=1e-4)


def test_forward_adds_the_input_that_lowers_the_residual_most():
    rng = np.random.default_rng(4)
    mixing = np.eye(8) + 0.6 * rng.normal(size=(8, 8))
    X = rng.normal(size=(200, 8)) @ mixing
    weights = rng.normal(size=(8, 3))
    chosen = _forward_order(X, weights, 5)
    for step in range(5):
        before = chosen[:step].tolist()
        errors = {
            j: residual(X, weights, [*before, j]) for j in range(8) if j not in before
        }
        assert errors[chosen[step]] == pytest.approx(min(errors.values()), rel=1e-9)


def test_forward_matches_the_best_pair_where_greedy_is_exact():
    # With orthogonal inputs the residual of a set is a sum over its inputs,
    # so the greedy choice is the best of every subset.
    rng = np.random.default_rng(5)
    X = np.linalg.qr(rng.normal(size=(40, 6)) - 0.0)[0] * np.arange(1, 7)
    X -= X.mean(axis=0)
    weights = rng.normal(size=(6, 2))
    best = min(
        itertools.combinations(range(6), 3), key=lambda s: residual(X, weights, s)
    )
    assert sorted(_forward_order(X, weights, 3).tolist()) == sorted(best)


def test_pivoted_qr_starts_with_the_most_important_input():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(50, 5)) * [1.0, 3.0, 1.0, 2.0, 1.0]
    weights = rng.normal(size=(5, 2))
    importance = X.std(axis=0) * np.linalg.norm(weights, axis=1)
    assert _pivoted_qr_order(X, weights, 1).tolist() == [np.argmax(importance)]


def test_least_squares_compensates_a_dropped_input_by_a_correlated_one():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(100, 3))
    X[:, 2] = 2.0 * X[:, 1] + 0.5
    weights, bias = rng.normal(size=(3, 4)), rng.normal(size=4)
    target = X @ weights + bias
    W, b = first_layer_on(X, weights, bias, [0, 1])
    np.testing.assert_allclose(X[:, [0, 1]] @ W + b, target, atol=1e-4)
    W, b = first_layer_on(X, weights, bias, [0, 1], refit="means")
    assert np.abs(X[:, [0, 1]] @ W + b - target).max() > 0.1


def test_least_squares_falls_back_to_the_means_on_independent_noise():
    # A dropped input no kept one predicts: the refit stays at the means.
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, 3))
    weights, bias = rng.normal(size=(3, 2)), rng.normal(size=2)
    means = first_layer_on(X, weights, bias, [0, 1], refit="means")
    refit = first_layer_on(X, weights, bias, [0, 1])
    for a, b in zip(means, refit, strict=True):
        np.testing.assert_allclose(a, b, atol=0.2)
    centred = X - X.mean(axis=0)
    error = np.sum(np.square(centred[:, [0, 1]] @ (refit[0] - weights[[0, 1]])))
    assert error < 0.5 * np.sum(np.square(centred[:, 2:] @ weights[2:]))


@pytest.mark.parametrize("method", INPUT_CHOICES)
def test_every_count_is_a_prefix_of_one_order(method):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(40, 9)) @ (np.eye(9) + 0.5 * rng.normal(size=(9, 9)))
    X[:, 5] = 1.0
    weights = rng.normal(size=(9, 4))
    order = input_order(X, weights, method=method)
    assert sorted(order.tolist()) == [0, 1, 2, 3, 4, 6, 7, 8]
    for n_kept in range(9):
        np.testing.assert_array_equal(
            input_order(X, weights, n_kept, method=method), order[:n_kept]
        )
        np.testing.assert_array_equal(
            choose_inputs(X, weights, n_kept, method=method),
            np.sort(order[:n_kept]),
        )


@pytest.mark.parametrize("method", INPUT_CHOICES)
def test_sample_weights_count_as_repeated_rows(method):
    rng = np.random.default_rng(10)
    X = rng.normal(size=(30, 6)) @ (np.eye(6) + 0.5 * rng.normal(size=(6, 6)))
    weights, bias = rng.normal(size=(6, 3)), rng.normal(size=3)
    # The rows weighted out are the ones where the first three inputs vary most.
    X[:15, :3] *= 10.0
    counts = np.r_[np.zeros(15, dtype=int), rng.integers(1, 4, size=15)]
    repeated = np.repeat(X, counts, axis=0)
    order = input_order(X, weights, method=method, sample_weight=counts)
    np.testing.assert_array_equal(order, input_order(repeated, weights, method=method))
    assert not np.array_equal(order, input_order(X, weights, method=method))
    kept = np.sort(order[:3])
    for refit in ("means", "least-squares"):
        weighted = first_layer_on(
            X, weights, bias, kept, refit=refit, sample_weight=counts
        )
        for a, b in zip(
            weighted,
            first_layer_on(repeated, weights, bias, kept, refit=refit),
            strict=True,
        ):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_nothing_passed_is_modified():
    X, weights = duplicated_input()
    bias = np.ones(4)
    for array in (X, weights, bias):
        array.setflags(write=False)
    for method in INPUT_CHOICES:
        kept = choose_inputs(X, weights, 2, method=method)
        first_layer_on(X, weights, bias, kept)
        first_layer_on(X, weights, bias, kept, refit="means")


@pytest.mark.parametrize("method", INPUT_CHOICES)
def test_sparse_data_gives_what_dense_data_gives(method):
    X, weights = duplicated_input()
    X[X < 0] = 0.0
    kept = choose_inputs(sp.csr_array(X), weights, 2, method=method)
    np.testing.assert_array_equal(kept, choose_inputs(X, weights, 2, method=method))
    for a, b in zip(
        first_layer_on(sp.csr_array(X), weights, np.ones(4), kept),
        first_layer_on(X, weights, np.ones(4), kept),
        strict=True,
    ):
        np.testing.assert_allclose(a, b)


def test_the_refit_layer_keeps_the_network_precision():
    X, weights = duplicated_input()
    weights, bias = weights.astype(np.float32), np.ones(4, dtype=np.float32)
    for refit in ("means", "least-squares"):
        W, b = first_layer_on(X, weights, bias, [0, 1], refit=refit)
        assert (W.dtype, b.dtype) == (np.float32, np.float32)


def test_keeping_every_input_keeps_the_layer():
    X, weights = duplicated_input()
    W, b = first_layer_on(X, weights, np.ones(4), np.arange(3))
    np.testing.assert_array_equal(W, weights)
    np.testing.assert_array_equal(b, np.ones(4))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda X, W: choose_inputs(X, W, 1, method="lasso"), "method must be one"),
        (lambda X, W: choose_inputs(X, W, 4), "n_kept must be between 0 and the 3"),
        (lambda X, W: choose_inputs(X, W, -1), "n_kept must be between"),
        (
            lambda X, W: first_layer_on(X, W, np.zeros(4), [0], refit="mean"),
            "refit must be one",
        ),
    ],
)
def test_bad_arguments_name_the_parameter(call, match):
    X, weights = duplicated_input()
    with pytest.raises(ValueError, match=match):
        call(X, weights)
