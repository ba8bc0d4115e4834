"""A stored model does not keep the weights of inputs constant in training.

One implementation for every ``quantize`` format (and integer-only): the
constant features' contribution moves into a bias, the first matrix keeps
the rows of the features read, and ``n_bytes_`` counts the runs of them.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import DenseLayer, FactoredLayer, SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._quantization import quantize_layer
from sklearn_svdmlp._formats import get_format
from sklearn_svdmlp._network import InputSelection, constant_features


def training_data(rng, n_features=12):
    """Columns 0, 5 and 6 constant and nonzero; the others random."""
    X = rng.normal(size=(50, n_features))
    X[:, 0], X[:, 5], X[:, 6] = 1.5, -2.0, 0.25
    return X


def layers(rng, n_features=12):
    dense = DenseLayer(rng.normal(size=(n_features, 16)), rng.normal(size=16), "relu")
    factored = FactoredLayer(
        rng.normal(size=(n_features, 12)),
        None,  # no bias after the first factor: the fold goes through the second
        rng.normal(size=(12, 16)),
        rng.normal(size=16),
        "relu",
    )
    return [dense, factored]


@pytest.mark.parametrize("kind", ["dense", "factored"])
@pytest.mark.parametrize("format", ["float32", "int8", "int4"])
def test_the_contribution_moves_into_a_bias(rng, kind, format):
    X = training_data(rng)
    layer = layers(rng)[kind == "factored"]
    kept, skipping = (
        quantize_layer(layer, format),
        quantize_layer(layer, format, X, skip_constant=True),
    )
    assert kept.inputs is None
    # Features 1-4 and 7-11 are read.
    np.testing.assert_array_equal(skipping.inputs.runs, [[1, 4], [7, 5]])
    assert skipping.shape == kept.shape == (12, 16)
    # On data where the constant features keep their value: the rows read,
    # stored, and the rest's contribution in float, through the second
    # factor as stored where the first has no bias.
    X_new = training_data(rng)
    storage, read = get_format(format), np.ptp(X, axis=0) > 0
    constant = X[0, ~read] @ layer.affine_steps()[0].values[~read]
    H = X_new[:, read]
    for k, step in enumerate(layer.affine_steps()):
        values = step.values[read] if k == 0 else step.values
        q, scales = storage.store(values)
        matrix = storage.as_float(q, scales).astype(np.float64)
        matrix = matrix if scales is None else matrix * scales
        H = H @ matrix + (0 if step.bias is None else step.bias)
        if k == 0 and step.bias is not None:
            H += constant
        elif k == 1:
            H += constant @ matrix
    np.testing.assert_allclose(skipping.forward(X_new), np.maximum(H, 0), atol=1e-4)
    if format == "float32":  # exact: the same outputs as reading them
        np.testing.assert_allclose(
            skipping.forward(X_new), kept.forward(X_new), atol=1e-4
        )
    # Fewer bytes, the runs counted: 3 rows of weights less, 2 runs more.
    row_bytes = {"float32": 4, "int8": 1, "int4": 0.5}[format]
    width = 12 if kind == "factored" else 16
    assert kept.n_bytes - skipping.n_bytes == 3 * np.ceil(width * row_bytes) - 16


def test_a_feature_constant_in_training_is_not_read(rng):
    X = training_data(rng)
    layer = quantize_layer(layers(rng)[0], "float16", X, skip_constant=True)
    X_new = training_data(rng)
    changed = X_new.copy()
    changed[:, 5] = 100.0  # documented: only the features read count
    np.testing.assert_array_equal(layer.forward(changed), layer.forward(X_new))


def test_kept_where_skipping_costs_more(rng):
    """Two outputs in int8: a constant row is 2 bytes, its run would be 8."""
    X = training_data(rng)
    layer = DenseLayer(rng.normal(size=(12, 2)), rng.normal(size=2), "relu")
    assert quantize_layer(layer, "int8", X, skip_constant=True).inputs is None
    assert quantize_layer(layer, "float32", X, skip_constant=True).inputs is not None


def test_sparse_training_data(rng):
    X = training_data(rng)
    X[:, 3] = 0.0  # a constant zero column, as sparse data has them
    assert constant_features(sp.csr_matrix(X)).tolist() == (
        constant_features(X).tolist()
    )
    layer = layers(rng)[1]
    dense, sparse = (
        quantize_layer(layer, "int8", data, skip_constant=True)
        for data in (X, sp.csr_matrix(X))
    )
    np.testing.assert_array_equal(dense.inputs.runs, sparse.inputs.runs)
    np.testing.assert_allclose(
        sparse.forward(sp.csr_matrix(X)), dense.forward(X), atol=1e-5
    )


def test_the_estimator_skips_them_and_counts_the_runs(rng):
    X = training_data(rng, 20)
    y = (X[:, 1] + X[:, 2] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = MLPClassifier((16,), max_iter=300, random_state=0).fit(X, y)
        model = SVDCompressedMLPClassifier(network, rank=None, quantize="int8")
        model.fit(X, y)
    first = model.layers_[0]
    assert isinstance(first.inputs, InputSelection)
    np.testing.assert_array_equal(first.inputs.indices, np.flatnonzero(np.ptp(X, 0)))
    # 17 rows of 16 int8 weights, 16 float32 scales and biases; 2 runs; the
    # output layer as stored.
    second = model.layers_[1]
    expected = 17 * 16 + 16 * 4 * 2 + 2 * 8 + second.n_bytes
    assert model.n_bytes_ == expected
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert model.score(X, y) == pytest.approx(network.score(X, y), abs=0.02)
