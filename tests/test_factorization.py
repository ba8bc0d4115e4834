"""The linear algebra: Eckart-Young optimality, signs, truncation."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_svdmlp import DenseLayer
from sklearn_svdmlp._compression._build import truncated_network
from sklearn_svdmlp._compression._factorization import (
    factor_layer,
    low_rank_factors,
    matrix_to_factor,
    svd,
)

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@st.composite
def layers(draw):
    n_in = draw(st.integers(1, 12))
    n_out = draw(st.integers(1, 12))
    coef = draw(arrays(np.float64, (n_in, n_out), elements=finite))
    intercept = draw(arrays(np.float64, (n_out,), elements=finite))
    bias = draw(st.sampled_from(["separate", "augment"]))
    n_singular = min(n_in + (bias == "augment"), n_out)
    rank = draw(st.integers(1, n_singular))
    return coef, intercept, bias, rank


def rebuilt(left, left_intercept, right, intercept, bias):
    """The dense matrix the factors stand for (only tests rebuild it)."""
    if bias == "augment":
        return np.vstack([left, left_intercept]) @ right
    return left @ right


@settings(max_examples=200, deadline=None)
@given(layers())
def test_factor_error_is_norm_of_discarded_singular_values(layer):
    coef, intercept, bias, rank = layer
    left, left_intercept, right, kept_intercept, s = factor_layer(
        coef, intercept, rank, bias
    )
    matrix = matrix_to_factor(coef, intercept, bias)
    error = np.linalg.norm(
        matrix - rebuilt(left, left_intercept, right, kept_intercept, bias)
    )
    expected = np.sqrt(np.sum(s[rank:] ** 2))
    np.testing.assert_allclose(error, expected, atol=1e-8 * max(1.0, s[0]))
    assert left.shape == (coef.shape[0], rank)
    assert right.shape == (rank, coef.shape[1])
    if bias == "separate":
        np.testing.assert_array_equal(kept_intercept, intercept)
        assert left_intercept is None
    else:
        assert kept_intercept is None and left_intercept.shape == (rank,)


@settings(max_examples=100, deadline=None)
@given(layers())
def test_full_rank_reproduces_the_layer(layer):
    coef, intercept, bias, _ = layer
    full = min(coef.shape[0] + (bias == "augment"), coef.shape[1])
    factors = factor_layer(coef, intercept, full, bias)
    scale = max(1.0, np.abs(coef).max(), np.abs(intercept).max())
    X = np.linspace(-1, 1, 3 * coef.shape[0]).reshape(3, -1)
    left, left_intercept, right, kept_intercept, _ = factors
    inner = X @ left + (0 if left_intercept is None else left_intercept)
    output = inner @ right + (0 if kept_intercept is None else kept_intercept)
    np.testing.assert_allclose(output, X @ coef + intercept, atol=1e-9 * scale * 10)


def test_signs_are_deterministic(rng):
    matrix = rng.normal(size=(7, 5))
    u, s, vt = svd(matrix)
    # svd_flip: the largest-magnitude entry of each left vector is positive.
    largest = u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])]
    assert np.all(largest > 0)
    u2, _, vt2 = svd(-matrix)
    np.testing.assert_allclose(u2 @ np.diag(s) @ vt2, -matrix, atol=1e-12)
    np.testing.assert_allclose(np.abs(u2), np.abs(u), atol=1e-12)


def test_low_rank_factors_are_contiguous(rng):
    left, right = low_rank_factors(*svd(rng.normal(size=(9, 6))), rank=3)
    assert left.flags.c_contiguous and right.flags.c_contiguous


@settings(max_examples=100, deadline=None)
@given(layers())
def test_truncation_projects_preactivations_on_top_directions(layer):
    coef, intercept, bias, rank = layer
    original = [DenseLayer(coef, intercept, "identity")]
    network, kept, s = truncated_network(original, 0, rank, bias)
    (layer,) = network.layers
    new_coef, new_intercept = layer.coef, layer.intercept
    # The request is capped at the numerical rank (at least one unit).
    numerical_rank = np.count_nonzero(s > s[0] * len(s) * np.finfo(float).eps)
    assert kept == max(1, min(rank, numerical_rank))
    X = np.linspace(-1, 1, 4 * coef.shape[0]).reshape(4, -1)
    _, _, vt = svd(matrix_to_factor(coef, intercept, bias))
    projected = (X @ coef + intercept) @ vt[:kept].T
    scale = max(1.0, s[0])
    np.testing.assert_allclose(
        X @ new_coef + new_intercept, projected, atol=1e-9 * scale * 10
    )
    assert new_coef.shape == (coef.shape[0], kept)
