"""integer_only=True: int8 activations, int32 sums, fixed-point rescaling."""

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    UnsupportedHeadError,
)
from sklearn_svdmlp._compression._integer import int8_parameters
from sklearn_svdmlp._network import InputSelection, IntegerNetwork, fixed_point
from sklearn_svdmlp._network._integer import IntegerStep, requantize


@settings(max_examples=300, deadline=None)
@given(
    st.floats(1e-9, 1e3, allow_nan=False),
    st.integers(-(2**31) + 1, 2**31 - 1),
)
def test_fixed_point_rescaling_rounds_half_up_exactly(real, acc):
    multiplier, shift = fixed_point(np.array([real]))
    m, n = int(multiplier[0]), int(shift[0])
    # 31 significant bits, or 0 for a multiplier below 62 bits of shift.
    assert m == 0 or 2**30 <= m < 2**31
    if m:
        assert abs(Fraction(m, 2**n) - Fraction(real)) <= Fraction(real) / 2**31
    # The int64 result is the exact rational one: floor(acc * m / 2^n + 1/2).
    if abs(acc * m) < 2**62:
        exact = (Fraction(acc * m, 2**n) + Fraction(1, 2)).__floor__()
        assert int(requantize(np.array([acc]), multiplier, shift)[0]) == exact


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_step_computes_what_its_definition_says(data):
    """Against a plain loop over Python integers, runs, clamp and table included."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    n_features, n_out = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 6))
    read = rng.random(n_features) < 0.7
    inputs = InputSelection.of_mask(read) if data.draw(st.booleans()) else None
    n_in = int(read.sum()) if inputs is not None else n_features
    zero_point = int(rng.integers(-128, 128))
    low = int(rng.integers(-128, zero_point + 1))
    step = IntegerStep(
        weights=rng.integers(-127, 128, (n_out, n_in)).astype(np.int8),
        bias=rng.integers(-(10**6), 10**6, n_out).astype(np.int32),
        multiplier=rng.integers(2**30, 2**31, n_out).astype(np.int32),
        shift=rng.integers(1, 50, n_out).astype(np.int8),
        zero_point=zero_point,
        low=low,
        high=127,
        table=rng.integers(-128, 128, 256).astype(np.int8)
        if data.draw(st.booleans())
        else None,
        inputs=inputs,
    )
    Q = rng.integers(-128, 128, (5, n_features)).astype(np.int8)
    columns = np.flatnonzero(read) if inputs is not None else range(n_features)
    expected = []
    for row in Q:
        outputs = []
        for j in range(n_out):
            acc = int(step.bias[j]) + sum(
                int(row[c]) * int(w)
                for c, w in zip(columns, step.weights[j], strict=True)
            )
            m, n = int(step.multiplier[j]), int(step.shift[j])
            value = (acc * m + 2 ** (n - 1)) // 2**n + zero_point  # floor division
            value = min(max(value, low), 127)
            if step.table is not None:
                value = int(step.table[value + 128])
            outputs.append(value)
        expected.append(outputs)
    np.testing.assert_array_equal(step.forward(Q), expected)
    assert step.forward(Q).dtype == np.int8


def test_int8_parameters_hold_the_range_and_zero():
    for low, high in [(0.0, 1.0), (-3.0, 2.0), (2.0, 5.0), (-4.0, -1.0), (0.0, 0.0)]:
        scale, zero_point = int8_parameters(low, high)
        assert -128 <= zero_point <= 127
        # 0 is a value exactly; the ends are within half a step.
        assert min(low, 0) >= scale * (-128 - zero_point) - scale / 2
        assert max(high, 0) <= scale * (127 - zero_point) + scale / 2


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, random_state=0, stratify=y)


def fitted(estimator, X, y, **fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
@pytest.mark.parametrize(
    "params",
    [dict(rank=None), dict(rank=[8, 8, None]), dict(method="truncated", rank=12)],
    ids=["dense", "factored", "truncated"],
)
def test_integer_only_costs_little_and_decides_on_integers(digits, activation, params):
    X_train, X_test, y_train, y_test = digits
    network = fitted(
        MLPClassifier((32, 16), activation=activation, max_iter=300, random_state=0),
        X_train,
        y_train,
    )
    stored = SVDCompressedMLPClassifier(
        FrozenEstimator(network), quantize="int8", **params
    ).fit(X_train, y_train)
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), quantize="int8", integer_only=True, **params
    ).fit(X_train, y_train)
    assert isinstance(model.network_, IntegerNetwork) and model.head_ is None
    # Within a point of the int8 model that computes in float.
    assert model.score(X_test, y_test) >= stored.score(X_test, y_test) - 0.01
    # Labels come from the integer logits, exactly.
    logits = model.network_.integer_outputs(model.network_.quantize_input(X_test))
    np.testing.assert_array_equal(
        model.predict(X_test), model.classes_[np.argmax(logits, axis=1)]
    )
    proba = model.predict_proba(X_test)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    tables = [step.table is not None for layer in model.layers_ for step in layer.steps]
    assert any(tables) == (activation != "relu")


def test_constant_inputs_are_not_read(digits):
    """Digits has pixels that are 0 in every image: their weights are not stored."""
    X_train, X_test, y_train, y_test = digits
    constant = np.ptp(X_train, axis=0) == 0
    assert constant.sum() >= 2
    network = fitted(
        MLPClassifier((32,), max_iter=300, random_state=0), X_train, y_train
    )
    stored, model = (
        SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank=None, quantize="int8", **params
        ).fit(X_train, y_train)
        for params in [{}, {"integer_only": True}]
    )
    first = model.layers_[0].steps[0]
    assert first.weights.shape[1] == (~constant).sum()
    # The stored int8 model skips them too, the integer one as it does.
    for inputs in [first.inputs, stored.layers_[0].inputs]:
        np.testing.assert_array_equal(inputs.indices, np.flatnonzero(~constant))
    # What they contributed is in the bias: the labels of reading them.
    assert np.mean(model.predict(X_test) == stored.predict(X_test)) > 0.99
    n_params = sum(a.size for a in [*network.coefs_, *network.intercepts_])
    assert model.n_params_ == stored.n_params_ == n_params - 32 * constant.sum()


def test_the_summary_shows_the_scales(digits):
    X_train, _, y_train, _ = digits
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=200, random_state=0),
            rank=[4, None],
            quantize="int8",
            integer_only=True,
        ),
        X_train,
        y_train,
    )
    text = model.summary()
    assert "integer_only=True" in text and "factored int8-only" in text
    network = model.network_
    assert f"input: scale {network.input_scale:.6g}" in text
    for step in [step for layer in network.layers for step in layer.steps]:
        assert f"zero point {step.zero_point}" in text
    assert f"logits (int16): {network.output_scales[0]:.6g}" in text


def test_the_score_drop_search_scores_what_the_device_computes(digits):
    X_train, X_test, y_train, y_test = digits
    network = fitted(
        MLPClassifier((32,), max_iter=300, random_state=0), X_train, y_train
    )
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank="auto",
        max_score_drop=0.02,
        quantize="int8",
        integer_only=True,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_test, y_val=y_test)
    assert isinstance(model.network_, IntegerNetwork)
    assert model.validation_score_ == model.score(X_test, y_test)
    assert model.validation_score_ >= model.baseline_score_ - 0.02


@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor(n_targets):
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    Y = y if n_targets == 1 else np.column_stack([y, -2 * y])
    network = MLPRegressor(hidden_layer_sizes=(32,), max_iter=400, random_state=0)
    stored = fitted(SVDCompressedMLPRegressor(network, rank=4, quantize="int8"), X, Y)
    model = fitted(
        SVDCompressedMLPRegressor(network, rank=4, quantize="int8", integer_only=True),
        X,
        Y,
    )
    # Each target has its own scale; the predictions are the int16 values
    # times it, in float32.
    logits = model.network_.integer_outputs(model.network_.quantize_input(X))
    expected = logits.astype(np.float32) * model.network_.output_scales
    np.testing.assert_array_equal(
        model.predict(X), expected[:, 0] if n_targets == 1 else expected
    )
    assert abs(model.score(X, Y) - stored.score(X, Y)) < 0.01


def test_bad_combinations_are_refused(digits):
    X_train, _, y_train, _ = digits
    network = MLPClassifier((8,), max_iter=20, random_state=0)
    for quantize in [None, "float16", "float32"]:
        with pytest.raises(ValueError, match="integer_only=True.*quantize='int8'"):
            SVDCompressedMLPClassifier(
                network, quantize=quantize, integer_only=True
            ).fit(X_train, y_train)
    with pytest.raises(ValueError, match="'integer_only' parameter"):
        SVDCompressedMLPClassifier(network, integer_only="yes").fit(X_train, y_train)
    with pytest.raises(UnsupportedHeadError, match="RidgeClassifier"):
        fitted(
            SVDCompressedMLPClassifier(
                network,
                method="truncated",
                rank=4,
                head=RidgeClassifier(),
                quantize="int8",
                integer_only=True,
            ),
            X_train,
            y_train,
        )


def test_inputs_far_beyond_the_calibration_saturate(digits):
    X_train, X_test, y_train, _ = digits
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=200, random_state=0),
            rank=[4, None],
            quantize="int8",
            integer_only=True,
        ),
        X_train,
        y_train,
    )
    extreme = np.vstack([X_test[:3] * 1e30, -X_test[:3] * 1e30, X_test[:3] * 0])
    Q = model.network_.quantize_input(extreme)
    assert Q.min() >= -128 and Q.max() <= 127
    assert set(np.unique(Q[:3])) <= {model.network_.input_zero_point, 127}
    logits = model.network_.integer_outputs(Q)
    assert np.abs(logits.astype(int)).max() <= 32767
    assert np.isfinite(model.predict_proba(extreme)).all()


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
def test_activation_tables_are_within_half_an_output_step(digits, activation):
    """On the table's grid, the error is the output's rounding: half a step."""
    X_train, _, y_train, _ = digits
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), activation=activation, max_iter=200, random_state=0),
            rank=None,
            quantize="int8",
            integer_only=True,
        ),
        X_train,
        y_train,
    )
    function = np.tanh if activation == "tanh" else lambda z: 1 / (1 + np.exp(-z))
    (step,) = model.layers_[0].steps
    q = np.arange(-128, 128)
    real = function(step.table_scale * (q - step.zero_point))
    restored = step.output_scale * (step.table.astype(int) - step.output_zero_point)
    assert np.abs(restored - real).max() <= step.output_scale / 2 + 1e-12
    # And the next step reads it so.
    (after,) = model.layers_[1].steps
    assert (after.input_scale, after.input_zero_point) == (
        step.output_scale,
        step.output_zero_point,
    )


def test_a_dead_layer_keeps_the_biases_above_it_small(digits):
    """A layer that is 0 on all the data: its tensor's scale still serves."""
    X_train, X_test, y_train, _ = digits
    network = fitted(
        MLPClassifier((16, 8), max_iter=300, random_state=0), X_train, y_train
    )
    network.intercepts_[1][:] = -1e3  # the second hidden layer never fires
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no bias clamped
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank=None, quantize="int8", integer_only=True
        ).fit(X_train, y_train)
    # The output is then the last layer's bias: the same class everywhere.
    np.testing.assert_array_equal(model.predict(X_test), network.predict(X_test))


def test_weights_tiny_beside_their_bias_keep_the_bias(digits):
    """A unit whose weights are 1e-12 of the others': its bias still counts."""
    X_train, X_test, y_train, _ = digits
    network = fitted(
        MLPClassifier((16, 8), max_iter=300, random_state=0), X_train, y_train
    )
    network.coefs_[1][:, :4] *= 1e-12  # four units that only have their bias
    network.coefs_[1][:, 4] = 0.0  # and one whose weights are all 0
    stored, model = (
        SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank=None, quantize="int8", **params
        ).fit(X_train, y_train)
        for params in [{}, {"integer_only": True}]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no bias clamped
        model = clone(model).fit(X_train, y_train)
    (step,) = model.layers_[1].steps
    assert np.abs(step.bias).max() < 2**30
    assert np.mean(model.predict(X_test) == stored.predict(X_test)) > 0.98


def test_runs_count_beyond_int16(rng):
    """40,000 inputs, one constant: the run of the others is 39,999 long.

    (16 units: skipping the constant input saves 16 bytes, its run costs 8.)
    """
    X = rng.random((20, 40_000))
    X[:, 0] = 1.0
    y = np.arange(20) % 2
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=2, random_state=0),
            rank=None,
            quantize="int8",
            integer_only=True,
        ),
        X,
        y,
    )
    first = model.layers_[0].steps[0]
    assert first.inputs.runs.tolist() == [[1, 39_999]]
    assert model.predict(X).shape == (20,)


def test_multilabel_logits_have_a_scale_each():
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=300, random_state=0),
            rank=None,
            quantize="int8",
            integer_only=True,
        ),
        X,
        Y,
    )
    assert len(set(model.network_.output_scales.tolist())) == 4


def test_nan_inputs_are_quantized_to_the_zero_point(digits):
    X_train, X_test, y_train, _ = digits
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=50, random_state=0),
            rank=None,
            quantize="int8",
            integer_only=True,
        ),
        X_train,
        y_train,
    )
    X = X_test[:2].copy()
    X[0, 5] = np.nan
    Q = model.network_.quantize_input(X)
    assert Q[0, 5] == model.network_.input_zero_point
