"""Integer-only sums through BLAS: exact, and the input's quantization unchanged."""

import numpy as np
import pytest

from sklearn_svdmlp._network._int_arithmetic import exact_sums, sum_dtype
from sklearn_svdmlp._network._integer import IntegerNetwork


def int64_sums(Q, weights):
    return Q.astype(np.int64) @ weights.T.astype(np.int64)


@pytest.mark.parametrize(
    "largest_sum, dtype",
    [(2**24 - 1, np.float32), (2**24, np.float64), (2**53 - 1, np.float64)]
    + [(2**53, np.int64)],
)
def test_sum_dtype_bounds(largest_sum, dtype):
    assert sum_dtype(largest_sum) == np.dtype(dtype)


@pytest.mark.parametrize("n_in", [1, 7, 784, 1100, 5000])
def test_exact_sums_at_the_extremes(n_in):
    # Every term at its largest magnitude, of one sign and of alternating
    # signs: partial sums up to 128 * 128 * n_in (past 2**24 from 1,025
    # inputs, where float32 would round).
    rng = np.random.default_rng(n_in)
    Q = np.stack(
        [np.full(n_in, -128), np.full(n_in, 127), rng.integers(-128, 128, n_in)]
    ).astype(np.int8)
    weights = np.stack(
        [np.full(n_in, -128), (-1) ** np.arange(n_in) * 127]
        + [rng.integers(-128, 128, n_in)]
    ).astype(np.int8)
    expected = int64_sums(Q, weights)
    sums = exact_sums(Q, weights)
    assert sums.dtype == np.int64
    np.testing.assert_array_equal(sums, expected)


def test_float32_would_round_where_float64_is_chosen():
    # 1,099 terms of 127 * 127 and one of 127 * 2: the sum is past 2**24 and
    # odd, which float32 cannot hold; the bound sends it to float64.
    Q = np.full((1, 1100), 127, dtype=np.int8)
    weights = np.full((1, 1100), 127, dtype=np.int8)
    weights[0, -1] = 2
    exact = int64_sums(Q, weights)
    assert exact[0, 0] > 2**24 and exact[0, 0] % 2 == 1
    rounded = (Q.astype(np.float32) @ weights.T.astype(np.float32)).astype(np.int64)
    assert rounded[0, 0] != exact[0, 0]
    np.testing.assert_array_equal(exact_sums(Q, weights), exact)


def test_exact_sums_fall_back_to_int64_past_float64():
    # Inputs wider than int8 (int64) whose sums float64 cannot hold.
    Q = np.array([[2**52 + 1, 3]], dtype=np.int64)
    weights = np.array([[3, 1]], dtype=np.int8)
    np.testing.assert_array_equal(exact_sums(Q, weights), [[3 * (2**52 + 1) + 3]])


def reference_quantization(X, inverse, zero_point):
    """The input's quantization as the C runtime writes it, step by step."""
    X = np.asarray(X, np.float32)
    v = np.nan_to_num(X * inverse, nan=0.0, posinf=256, neginf=-256)
    v = np.clip(v, np.float32(-256), np.float32(256))
    rounded = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
    return np.clip(rounded.astype(np.int64) + zero_point, -128, 127).astype(np.int8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale, zero_point", [(1.0, 0), (0.013, 100), (3.3, -128)])
def test_quantize_input_matches_the_reference(dtype, scale, zero_point):
    rng = np.random.default_rng(0)
    edges = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.49999997, -0.49999997, 0.5]
    edges += [-0.5, 1.5, -1.5, 2.5, 256.5, -256.5, 1e30, -1e30]
    values = np.concatenate(
        [rng.normal(0, 100, 20_000), edges, np.array(edges) * scale]
    )
    X = values.astype(dtype).reshape(-1, 4)
    network = IntegerNetwork(
        [], scale, zero_point, np.ones(1, np.float32), "identity", 4
    )
    expected = reference_quantization(X, network.input_inverse_scale, zero_point)
    np.testing.assert_array_equal(network.quantize_input(X), expected)
