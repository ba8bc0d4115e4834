"""target_bytes and quantize="auto": ranks and formats chosen in bytes."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


@pytest.fixture(scope="module")
def network(digits_split):
    X_train, _, y_train, _ = digits_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MLPClassifier((64, 32), max_iter=300, random_state=0).fit(
            X_train, y_train
        )


def fitted(network, digits_split, **params):
    X_train, _, y_train, _ = digits_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank="auto", random_state=0, **params
        ).fit(X_train, y_train)


@pytest.mark.parametrize("quantize", [None, "float16", "int8", "int4"])
@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_the_stored_model_fits_the_bytes(network, digits_split, quantize, method):
    target = 3_000 if quantize in ("int8", "int4") else 8_000
    model = fitted(
        network, digits_split, target_bytes=target, quantize=quantize, method=method
    )
    assert model.n_bytes_ <= target
    # And spends them: a larger budget buys a larger model.
    larger = fitted(
        network, digits_split, target_bytes=2 * target, quantize=quantize, method=method
    )
    assert model.n_bytes_ < larger.n_bytes_ <= 2 * target
    if method == "svd":  # ranks are allocated in bytes: little is left over
        assert model.n_bytes_ > 0.8 * target
    formats = {layer.format for layer in model.layers_ if hasattr(layer, "format")}
    assert formats == ({quantize} if quantize else set())


def test_auto_chooses_each_layers_format_by_its_score(network, digits_split):
    model = fitted(network, digits_split, target_bytes=2_500, quantize="auto")
    assert model.n_bytes_ <= 2_500
    assert {layer.format for layer in model.layers_} <= {"int8", "int4"}
    # Every assignment of int8 or int4 to the three layers that fits was
    # tried and scored on the held-out data; the best was kept.
    tried = {candidate["formats"] for candidate in model.candidates_}
    assert len(tried) == len(model.candidates_) >= 4
    assert all(candidate["n_bytes"] <= 2_500 for candidate in model.candidates_)
    best = max(candidate["score"] for candidate in model.candidates_)
    (chosen,) = [
        c
        for c in model.candidates_
        if c["formats"] == tuple(layer.format for layer in model.layers_)
    ]
    assert chosen["score"] == best == model.validation_score_
    assert [layer.rank for layer in model.layers_] == chosen["ranks"]
    # At least as good as each one format for all, on the held-out data.
    for format in ["int8", "int4"]:
        (uniform,) = [c for c in model.candidates_ if c["formats"] == (format,) * 3]
        assert model.validation_score_ >= uniform["score"]
    # The same data and seed, the same model.
    X_train, X_test, y_train, _ = digits_split
    again = clone(model).fit(X_train, y_train)
    np.testing.assert_array_equal(
        again.predict_proba(X_test), model.predict_proba(X_test)
    )


def test_auto_within_a_score_drop_takes_the_fewest_bytes(network, digits_split):
    model = fitted(network, digits_split, max_score_drop=0.01, quantize="auto")
    holding = [c for c in model.candidates_ if c["holds"]]
    assert holding and model.n_bytes_ == min(c["n_bytes"] for c in holding)
    assert model.baseline_score_ - model.validation_score_ <= 0.01
    assert all(model.baseline_score_ - c["score"] <= 0.01 for c in holding) and all(
        model.baseline_score_ - c["score"] > 0.01
        for c in model.candidates_
        if not c["holds"]
    )
    # Smaller than int8 everywhere with the same bound.
    int8 = fitted(network, digits_split, max_score_drop=0.01, quantize="int8")
    assert model.n_bytes_ < int8.n_bytes_


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(target_bytes=100), "target_bytes=100 is smaller than any model"),
        (dict(target_bytes=100, quantize="auto"), "target_bytes=100 is smaller"),
        (dict(quantize="auto", target_ratio=4.0), "quantize='auto' chooses"),
        (dict(rank=8, quantize="auto"), "quantize='auto' chooses"),
        (dict(target_bytes=5_000, target_ratio=4.0), "exactly one of"),
        (dict(target_bytes=0), "'target_bytes' parameter"),
        (dict(target_bytes=5_000, quantize="int3"), "'quantize' parameter"),
    ],
)
def test_bad_values_are_refused(network, digits_split, params, message):
    params = {"rank": "auto", **params}
    with pytest.raises(ValueError, match=message):
        SVDCompressedMLPClassifier(FrozenEstimator(network), **params).fit(
            *digits_split[::2]
        )


def test_integer_only_with_auto(network, digits_split):
    _, X_test, _, _ = digits_split
    model = fitted(
        network, digits_split, target_bytes=2_500, quantize="auto", integer_only=True
    )
    assert model.predict(X_test).shape == (len(X_test),)
    assert model.score(*digits_split[1::2]) > 0.8


@pytest.mark.parametrize(
    "params",
    [
        dict(quantize=None),
        dict(quantize="int4", integer_only=True, bias="augment"),
        dict(quantize="int8", integer_only=True),
    ],
    ids=["float64", "int4-integer-only-augment", "int8-integer-only"],
)
def test_every_budget_above_the_smallest_model_is_met(params):
    """What the formulas do not count (rescaling, skipped inputs) is made up."""
    X, y = load_digits(return_X_y=True)
    X = X[:500] / 16
    y = y[:500]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = MLPClassifier((40, 20), max_iter=100, random_state=0).fit(X, y)
    full, smallest = (
        SVDCompressedMLPClassifier(FrozenEstimator(network), rank=rank, **params)
        .fit(X, y)
        .n_bytes_
        # Rank 1 everywhere, the output layer too (a scalar rank leaves it dense).
        for rank in [None, [1, 1, 1]]
    )
    for budget in np.linspace(smallest, full, 9)[1:-1]:
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank="auto", target_bytes=int(budget), **params
        ).fit(X, y)
        assert 0.7 * budget < model.n_bytes_ <= budget
    # Below the smallest model, the error says how small that is.
    with pytest.raises(ValueError, match=f"model stores {smallest:,} bytes"):
        SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank="auto", target_bytes=smallest - 1, **params
        ).fit(X, y)


def test_auto_truncation_fine_tuned_below_the_deepest_layer(digits_split):
    X_train, X_test, y_train, _ = digits_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network = MLPClassifier((32, 16), max_iter=200, random_state=0)
        network.fit(X_train, y_train)
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            method="truncated",
            rank="auto",
            target_bytes=900,
            quantize="auto",
            fine_tune_epochs=2,
            random_state=0,
        ).fit(X_train, y_train)
    assert model.n_bytes_ <= 900
    assert model.predict(X_test).shape == (len(X_test),)


def test_bool_and_unused_values_are_refused_or_warned(network, digits_split):
    with pytest.raises(ValueError, match="target_bytes must be an int >= 1"):
        SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank="auto", target_bytes=True
        ).fit(*digits_split[::2])
    with pytest.warns(UserWarning, match="rounding='nearest' is only used with an"):
        SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank=8, rounding="nearest", quantize="float16"
        ).fit(*digits_split[::2])


def test_ties_go_to_the_model_closest_to_the_network(network, digits_split):
    """Two held-out rows: every candidate scores alike; closeness decides."""
    X_train, X_test, y_train, y_test = digits_split
    held_out = dict(X_val=X_test[:2], y_val=y_test[:2])
    params = dict(rank="auto", target_bytes=2_500, random_state=0)
    auto = SVDCompressedMLPClassifier(
        FrozenEstimator(network), quantize="auto", **params
    ).fit(X_train, y_train, **held_out)
    P = network.predict_proba(X_train)

    def closeness(model):
        return np.mean(np.sum(P * np.log(model.predict_proba(X_train)), axis=1))

    for format in ["int8", "int4"]:
        uniform = SVDCompressedMLPClassifier(
            FrozenEstimator(network), quantize=format, **params
        ).fit(X_train, y_train)
        (candidate,) = [c for c in auto.candidates_ if c["formats"] == (format,) * 3]
        if candidate["score"] == auto.validation_score_:  # tied with the chosen
            assert closeness(auto) >= closeness(uniform) - 1e-9


@pytest.mark.parametrize("kind", ["regression", "multilabel"])
def test_auto_for_regressors_and_multilabel(kind):
    from sklearn.datasets import make_multilabel_classification, make_regression
    from sklearn.neural_network import MLPRegressor

    from sklearn_svdmlp import SVDCompressedMLPRegressor

    if kind == "regression":
        X, y = make_regression(n_samples=300, n_features=20, random_state=0)
        y = y / y.std()
        network, estimator = (
            MLPRegressor(hidden_layer_sizes=(32,), random_state=0),
            SVDCompressedMLPRegressor,
        )
    else:
        X, y = make_multilabel_classification(
            n_samples=300, n_classes=4, random_state=0
        )
        network, estimator = (
            MLPClassifier((32,), random_state=0),
            SVDCompressedMLPClassifier,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network.fit(X, y)
        model = estimator(
            FrozenEstimator(network), rank="auto", target_bytes=900, quantize="auto"
        ).fit(X[:250], y[:250], X_val=X[250:], y_val=y[250:])
    assert model.n_bytes_ <= 900 and len(model.candidates_) >= 2
