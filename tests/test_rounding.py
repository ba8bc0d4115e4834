"""rounding="data-aware": integers chosen for the outputs on the training data."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

import sklearn_svdmlp._compression._quantization as quantization
from sklearn_svdmlp import DenseLayer, SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._quantization import quantize_layer
from sklearn_svdmlp._compression._rounding import data_aware_integers, input_metric
from sklearn_svdmlp._formats import get_format


def correlated_inputs(rng, mixing=None, n_samples=400):
    """Inputs that move together, as pixels and hidden units do.

    Six sources mixed into 24 inputs by ``mixing`` (drawn if ``None``).
    """
    if mixing is None:
        mixing = rng.normal(size=(6, 24))
    noise = 0.1 * rng.normal(size=(n_samples, mixing.shape[1]))
    return rng.normal(size=(n_samples, len(mixing))) @ mixing + noise


@pytest.mark.parametrize("format", ["int8", "int4"])
def test_the_outputs_on_the_data_are_closer_than_rounding_to_nearest(rng, format):
    mixing = rng.normal(size=(6, 24))
    X, W = correlated_inputs(rng, mixing), rng.normal(size=(24, 9))
    storage = get_format(format)
    q, scales = data_aware_integers(W, input_metric(X), storage)
    nearest, nearest_scales = storage.store(W)
    np.testing.assert_array_equal(scales, nearest_scales)  # the same scales
    nearest = storage.integers(nearest, scales)
    assert q.dtype == np.int8 and np.abs(q).max() <= storage.largest
    error = np.linalg.norm(X @ (W - q * scales.astype(np.float64)))
    nearest_error = np.linalg.norm(X @ (W - nearest * scales.astype(np.float64)))
    assert error < 0.8 * nearest_error
    # And on new data from the same source, not only on the data it saw.
    X_new = correlated_inputs(rng, mixing)
    assert np.linalg.norm(X_new @ (W - q * scales)) < 0.8 * np.linalg.norm(
        X_new @ (W - nearest * scales)
    )


def test_sample_weight_counts_rows(rng):
    X, W = correlated_inputs(rng), rng.normal(size=(24, 5))
    int4 = get_format("int4")
    weight = np.where(np.arange(len(X)) % 3 == 0, 0.0, 2.0)
    weighted = data_aware_integers(W, input_metric(X, weight), int4)[0]
    kept = data_aware_integers(W, input_metric(X[weight > 0]), int4)[0]
    np.testing.assert_array_equal(weighted, kept)


def test_inputs_always_zero_are_rounded_to_nearest(rng):
    X, W = correlated_inputs(rng), rng.normal(size=(24, 5))
    X[:, [3, 7]] = 0.0
    int4 = get_format("int4")
    q, scales = data_aware_integers(W, input_metric(X), int4)
    np.testing.assert_array_equal(q[[3, 7]], int4.rounded(W, scales)[[3, 7]])


@pytest.mark.parametrize("format", ["int8", "int4"])
def test_a_layer_is_rounded_on_its_inputs(rng, format):
    X = correlated_inputs(rng)
    layer = DenseLayer(rng.normal(size=(24, 9)), rng.normal(size=9), "identity")
    nearest = quantize_layer(layer, format, X)
    aware = quantize_layer(layer, format, X, rounding="data-aware")
    exact = X @ layer.coef + layer.intercept
    assert np.linalg.norm(aware.forward(X) - exact) < np.linalg.norm(
        nearest.forward(X) - exact
    )
    # Float formats have nothing to choose.
    for float_format in ["float32", "float16"]:
        np.testing.assert_array_equal(
            quantize_layer(layer, float_format, X, rounding="data-aware").weights[0],
            quantize_layer(layer, float_format, X).weights[0],
        )


def test_wide_inputs_are_rounded_to_nearest(rng, monkeypatch):
    monkeypatch.setattr(quantization, "MAX_INPUTS", 10)
    X = correlated_inputs(rng)
    layer = DenseLayer(rng.normal(size=(24, 9)), rng.normal(size=9), "identity")
    np.testing.assert_array_equal(
        quantize_layer(layer, "int4", X, rounding="data-aware").weights[0],
        quantize_layer(layer, "int4", X).weights[0],
    )


def test_the_estimator_rounds_on_the_training_data(digits_split):
    """Each layer on its inputs as stored: the outputs on the training data."""
    X_train, _, y_train, _ = digits_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = MLPClassifier((32,), max_iter=300, random_state=0)
        network.fit(X_train, y_train)
    params = dict(rank=6, quantize="int4", random_state=0)
    models = {
        rounding: SVDCompressedMLPClassifier(
            FrozenEstimator(network), rounding=rounding, **params
        ).fit(X_train, y_train)
        for rounding in ["nearest", "data-aware"]
    }
    unrounded = SVDCompressedMLPClassifier(FrozenEstimator(network), rank=6)
    proba = unrounded.fit(X_train, y_train).predict_proba(X_train)
    errors = {
        rounding: np.linalg.norm(model.predict_proba(X_train) - proba)
        for rounding, model in models.items()
    }
    assert errors["data-aware"] < 0.8 * errors["nearest"]
    assert models["nearest"].n_bytes_ == models["data-aware"].n_bytes_
    # The same data, the same integers.
    again = clone(models["data-aware"]).fit(X_train, y_train)
    for layer, other in zip(models["data-aware"].layers_, again.layers_, strict=True):
        for weights, other_weights in zip(layer.weights, other.weights, strict=True):
            np.testing.assert_array_equal(weights, other_weights)


def test_bad_rounding_is_refused(digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(MLPClassifier((8,)), rounding="stochastic")
    with pytest.raises(ValueError, match="'rounding' parameter.*'nearest'"):
        model.fit(X_train, y_train)
