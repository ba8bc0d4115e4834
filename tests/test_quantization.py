"""quantize: weight matrices stored in float32, float16, int8 or int4, used as stored.

And a stored first layer skips the features constant on the training data.
"""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import scale

from sklearn_svdmlp import (
    QuantizedLayer,
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
)
from sklearn_svdmlp._compat import ACTIVATIONS
from sklearn_svdmlp._formats import get_format

FORMATS = ["float32", "float16", "int8", "int4"]


def unpacked_int4(values, n_columns):
    """Int4 bytes as integers, by hand: column 2k low nibble, 2k + 1 high."""
    low, high = values & 0xF, values >> 4
    nibbles = np.stack([low, high], axis=2).reshape(len(values), -1).astype(int)
    return np.where(nibbles > 7, nibbles - 16, nibbles)[:, :n_columns]


def test_int4_is_symmetric_per_column_packed_two_a_byte(rng):
    matrix = rng.normal(size=(30, 7))
    matrix[:, 3] = 0
    values, scales = get_format("int4").store(matrix)
    assert values.dtype == np.uint8 and values.shape == (30, 4)
    q = unpacked_int4(values, 7)
    assert np.abs(q).max() == 7 and q[:, 3].tolist() == [0] * 30
    assert np.all(np.abs(q * scales.astype(np.float64) - matrix) <= scales / 2 + 1e-7)
    np.testing.assert_allclose(scales * 7, np.abs(matrix).max(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(get_format("int4").integers(values, scales), q)
    assert get_format("int4").n_bytes(values, scales) == 30 * 4 + 7 * 4


def test_int8_is_symmetric_per_column_within_half_a_step(rng):
    matrix = rng.normal(size=(30, 7))
    matrix[:, 3] = 0
    stored, scales = get_format("int8").store(matrix)
    assert stored.dtype == np.int8 and scales.dtype == np.float32
    assert np.abs(stored).max() == 127 and stored[:, 3].tolist() == [0] * 30
    error = np.abs(stored * scales.astype(np.float64) - matrix)
    assert np.all(error <= scales / 2 + 1e-7)
    # Each column's largest weight is its scale times 127, to float32.
    np.testing.assert_allclose(scales * 127, np.abs(matrix).max(axis=0), rtol=1e-6)
    for format in ["float32", "float16"]:
        stored, scales = get_format(format).store(matrix)
        assert stored.dtype == format and scales is None


@pytest.fixture(scope="module")
def digits_network(digits_split):
    X_train, _, y_train, _ = digits_split
    return MLPClassifier((64, 32), max_iter=300, random_state=0).fit(X_train, y_train)


def stored_forward(model, X):
    """The stored values, dequantized in float64, applied by hand."""
    H = np.asarray(X, dtype=np.float64)
    first = model.layers_[0].inputs
    if first is not None:
        H = H[:, first.indices]
    for layer in model.layers_:
        for weights, scales, bias in zip(
            layer.weights, layer.scales, layer.biases, strict=True
        ):
            if layer.format == "int4":
                weights = unpacked_int4(weights, len(scales))
            W = weights.astype(np.float64)
            H = H @ (W if scales is None else W * scales)
            H = H if bias is None else H + bias
        ACTIVATIONS[layer.activation](H)
    return H


@pytest.mark.parametrize("method", ["svd", "truncated"])
@pytest.mark.parametrize("format", FORMATS)
def test_predictions_use_the_stored_values(
    digits_network, digits_split, method, format
):
    X_train, X_test, y_train, y_test = digits_split
    params = dict(method=method, rank=8)
    plain = SVDCompressedMLPClassifier(FrozenEstimator(digits_network), **params)
    plain.fit(X_train, y_train)
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(digits_network), quantize=format, **params
    ).fit(X_train, y_train)
    assert all(isinstance(layer, QuantizedLayer) for layer in model.layers_)
    assert all(layer.format == format for layer in model.layers_)
    assert model.head_ is None  # a truncation's head is stored as layers
    proba = model.predict_proba(X_test)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba, stored_forward(model, X_test), atol=1e-5)
    np.testing.assert_array_equal(
        model.predict(X_test), model.classes_[proba.argmax(axis=1)]
    )
    # Every stored array is counted (the runs of the inputs read included),
    # and int8 stores 8 bytes in 1 (scales aside).
    first = model.layers_[0].inputs
    stored = ([] if first is None else [first.runs]) + [
        array
        for layer in model.layers_
        for array in [*layer.weights, *layer.scales, *layer.biases]
        if array is not None
    ]
    assert model.n_bytes_ == sum(array.nbytes for array in stored)
    assert model.n_bytes_original_ == sum(
        a.nbytes for a in [*digits_network.coefs_, *digits_network.intercepts_]
    )
    shrink = {"float32": 1.9, "float16": 3.5, "int8": 4.5, "int4": 6}[format]
    assert plain.n_bytes_ / model.n_bytes_ > shrink
    # Rounding costs little: at most 2 test images in 450 here. int4 costs
    # more (up to 22 images with the truncation's 8 units), but a wrong
    # nibble order or sign would cost hundreds.
    allowed = (45 if format == "int4" else 2) / 450
    assert model.score(X_test, y_test) >= plain.score(X_test, y_test) - allowed


def test_saved_models_keep_the_small_form(digits_network, digits_split):
    X_train, _, y_train, _ = digits_split
    sizes = {
        format: len(
            pickle.dumps(
                SVDCompressedMLPClassifier(
                    FrozenEstimator(digits_network), rank=8, quantize=format
                )
                .fit(X_train, y_train)
                .network_
            )
        )
        for format in [None, "int8"]
    }
    assert sizes["int8"] < 0.3 * sizes[None]


def test_score_drop_search_scores_the_stored_model(digits_network, digits_split):
    X_train, X_test, y_train, y_test = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(digits_network),
        rank="auto",
        max_score_drop=0.02,
        quantize="int8",
        random_state=0,
    ).fit(X_train, y_train, X_val=X_test, y_val=y_test)
    assert model.validation_score_ == model.score(X_test, y_test)
    assert model.validation_score_ >= model.baseline_score_ - 0.02


def test_heads_that_are_not_layers_and_bad_values_are_refused(digits_split):
    X_train, _, y_train, _ = digits_split
    network = MLPClassifier((16,), max_iter=50, random_state=0)
    with pytest.raises(ValueError, match="head that its layers compute.*Ridge"):
        SVDCompressedMLPClassifier(
            network, method="truncated", rank=4, head=RidgeClassifier(), quantize="int8"
        ).fit(X_train, y_train)
    with pytest.raises(ValueError, match="'quantize' parameter.*Got 'int3'") as info:
        SVDCompressedMLPClassifier(network, quantize="int3").fit(X_train, y_train)
    assert "'int4'" in str(info.value) and "'int8'" in str(info.value)


@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_regressor(method):
    X, y = load_diabetes(return_X_y=True)
    X, y = scale(X), scale(y)
    network = MLPRegressor(hidden_layer_sizes=(32,), max_iter=300, random_state=0)
    plain = SVDCompressedMLPRegressor(network, method=method, rank=4).fit(X, y)
    model = SVDCompressedMLPRegressor(
        network, method=method, rank=4, quantize="int8"
    ).fit(X, y)
    np.testing.assert_allclose(
        model.predict(X), stored_forward(model, X)[:, 0], atol=1e-5
    )
    assert abs(model.score(X, y) - plain.score(X, y)) < 0.02
    # Small layers: float32 biases and scales weigh (1,864 to 480 bytes here).
    assert model.n_bytes_ < plain.n_bytes_ / 3


def test_the_size_warning_names_the_head(digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.warns(UserWarning, match="its head, MLPClassifier, outweighs"):
        SVDCompressedMLPClassifier(
            MLPClassifier((8,), max_iter=50, random_state=0),
            method="truncated",
            rank=8,
            head=MLPClassifier((300,), max_iter=20, random_state=0),
            quantize="int8",
        ).fit(X_train, y_train)
