"""The compressed network's forward pass: blocked, threaded, dtypes."""

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from sklearn_svdmlp import CompressedNetwork, DenseLayer, FactoredLayer


def make_network(rng, dtype=np.float64, n_layers=3):
    widths = [30, 48, 40, 5][: n_layers + 1]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        activation = "softmax" if i == n_layers - 1 else "relu"
        if i % 2 == 0:
            layers.append(
                FactoredLayer(
                    rng.normal(size=(n_in, 4)).astype(dtype),
                    rng.normal(size=4).astype(dtype) if i else None,
                    rng.normal(size=(4, n_out)).astype(dtype),
                    rng.normal(size=n_out).astype(dtype),
                    activation,
                )
            )
        else:
            layers.append(
                DenseLayer(
                    rng.normal(size=(n_in, n_out)).astype(dtype),
                    rng.normal(size=n_out).astype(dtype),
                    activation,
                )
            )
    return CompressedNetwork(layers)


def plain_forward(network, X):
    output = X
    for layer in network.layers:
        output = layer.forward(output)
    return output


@pytest.mark.parametrize("n_layers", [1, 2, 3])
@pytest.mark.parametrize("blas_threads", [1, 2])
@pytest.mark.parametrize("sparse", [False, True])
def test_blocked_and_threaded_forward_match_the_plain_one(
    rng, n_layers, blas_threads, sparse
):
    network = make_network(rng, n_layers=n_layers)
    X = rng.normal(size=(1000, 30))
    X[X < 0.5] = 0
    expected = plain_forward(network, X)
    if sparse:
        X = sp.csc_matrix(X)
    with threadpool_limits(blas_threads, user_api="blas"):
        # 64-row blocks: 16 blocks, so with 2 BLAS threads two threads run.
        output = network.forward(X, block_bytes=64 * 48 * 8)
    np.testing.assert_allclose(output, expected, rtol=1e-12, atol=1e-14)
    assert output.shape == (1000, network.layers[-1].shape[1])


def test_forward_does_not_write_to_its_input(rng):
    network = make_network(rng)
    X = rng.normal(size=(500, 30))
    X.setflags(write=False)
    network.forward(X, block_bytes=64 * 48 * 8)
    network.forward(X[:10])


@pytest.mark.parametrize("block_bytes", [64 * 48 * 4, 4 * 2**20])
def test_float32_stays_float32(rng, block_bytes):
    network = make_network(rng, dtype=np.float32)
    X = rng.normal(size=(700, 30)).astype(np.float32)
    output = network.forward(X, block_bytes=block_bytes)
    assert output.dtype == np.float32
    expected = plain_forward(
        make_network(np.random.default_rng(0)), X.astype(np.float64)
    )
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-5)
    # float64 weights with float32 input compute in float64.
    assert make_network(np.random.default_rng(0)).forward(X).dtype == np.float64


def test_restores_blas_threads(rng):
    network = make_network(rng)
    X = rng.normal(size=(2000, 30))
    with threadpool_limits(2, user_api="blas") as limits:
        network.forward(X, block_bytes=64 * 48 * 8)
        after = threadpool_limits(None, user_api="blas")
        assert after.get_original_num_threads()["blas"] == 2
        limits.restore_original_limits()


def test_empty_network_passes_its_input_through(rng):
    X = rng.normal(size=(5000, 3))
    assert CompressedNetwork([]).forward(X) is X
