"""Rank selection and parameter counting."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_svdmlp._compression._factorization import factor_layer
from sklearn_svdmlp._compression._rank_selection import (
    energy_rank,
    layer_rank,
    requested_rank,
)
from sklearn_svdmlp._network import (
    DenseLayer,
    FactoredLayer,
    dense_n_params,
    factored_n_params,
)

spectra = arrays(
    np.float64, st.integers(1, 30), elements=st.floats(0.0, 100.0, allow_nan=False)
).map(lambda s: np.sort(s)[::-1])
fractions = st.floats(0.001, 0.999)


@settings(max_examples=300, deadline=None)
@given(spectra, fractions)
def test_energy_rank_is_the_smallest_that_reaches_the_fraction(s, fraction):
    rank = energy_rank(s, fraction)
    assert 1 <= rank <= len(s)
    energy = np.cumsum(s**2)
    if energy[-1] > 0:
        assert energy[rank - 1] >= fraction * energy[-1]
        if rank > 1:
            assert energy[rank - 2] < fraction * energy[-1]


def test_energy_rank_on_known_spectrum():
    s = np.array([3.0, 2.0, 1.0])  # energies 9, 4, 1 of 14
    assert energy_rank(s, 9 / 14 - 1e-9) == 1
    assert energy_rank(s, 0.9) == 2
    assert energy_rank(s, 0.99) == 3


def test_integer_rank_is_capped_at_the_spectrum_length():
    assert requested_rank(1000, np.ones(7)) == 7
    assert requested_rank(3, np.ones(7)) == 3


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.sampled_from(["separate", "augment"]),
    st.data(),
)
def test_parameter_counts_match_the_formulas(n_in, n_out, bias, data):
    rank = data.draw(st.integers(1, min(n_in, n_out)))
    rng = np.random.default_rng(0)
    coef, intercept = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    left, left_b, right, b, _ = factor_layer(coef, intercept, rank, bias)
    layer = FactoredLayer(left, left_b, right, b, "relu")
    expected = rank * (n_in + n_out) + (n_out if bias == "separate" else rank)
    assert layer.n_params == factored_n_params(n_in, n_out, rank, bias) == expected
    assert layer.n_multiply_adds == rank * (n_in + n_out)
    dense = DenseLayer(coef, intercept, "relu")
    assert dense.n_params == dense_n_params(n_in, n_out) == n_in * n_out + n_out


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 60),
    st.integers(1, 60),
    st.integers(1, 60),
    st.sampled_from(["separate", "augment"]),
)
def test_a_layer_is_factored_only_where_it_saves(n_in, n_out, rank, bias):
    spectrum = np.ones(min(n_in + (bias == "augment"), n_out))
    chosen = layer_rank(rank, spectrum, (n_in, n_out), bias)
    capped = min(rank, len(spectrum))
    saves = factored_n_params(n_in, n_out, capped, bias) < dense_n_params(n_in, n_out)
    assert chosen == (capped if saves else None)


@pytest.mark.parametrize("bias", ["separate", "augment"])
def test_full_rank_never_saves(bias):
    # r * (n_in + n_out) >= n_in * n_out whenever r = min(n_in, n_out).
    for n_in, n_out in [(13, 10), (64, 64), (784, 100), (3, 50)]:
        full = min(n_in + (bias == "augment"), n_out)
        assert layer_rank(full, np.ones(full), (n_in, n_out), bias) is None
