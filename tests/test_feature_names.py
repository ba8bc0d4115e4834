"""Feature names: checked against the frozen network at fit, the model's at predict."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def named_network(wine):
    X, y = wine
    return MLPClassifier((16,), max_iter=2000, random_state=0).fit(X, y)


def compressed(network, **params):
    return SVDCompressedMLPClassifier(FrozenEstimator(network), **{"rank": 2, **params})


def test_reordered_columns_raise_instead_of_a_silent_wrong_score(wine, named_network):
    """Issue 29's example: the reversed columns scored 0.41, silently."""
    X, y = wine
    reversed_columns = X[X.columns[::-1]]
    # The network itself refuses them.
    with pytest.raises(ValueError, match="same order"):
        named_network.predict(reversed_columns)
    with pytest.raises(
        ValueError, match="(?s)frozen network in estimator.*must be in the same order"
    ):
        compressed(named_network).fit(reversed_columns, y)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda X: X.drop(columns="proline"), "seen at fit time, yet now missing"),
        (lambda X: X.assign(extra=1.0), "unseen at fit time"),
        (lambda X: X.rename(columns={"proline": "prolin"}), "unseen at fit time"),
    ],
)
def test_missing_extra_or_renamed_columns_raise(wine, named_network, change, match):
    X, y = wine
    with pytest.raises(ValueError, match=f"(?s)frozen network in estimator.*{match}"):
        compressed(named_network).fit(change(X), y)


def test_the_same_columns_fit_without_a_warning(wine, named_network):
    X, y = wine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = compressed(named_network, rank=None).fit(X, y)
    np.testing.assert_array_equal(model.feature_names_in_, X.columns)
    np.testing.assert_array_equal(model.predict(X), named_network.predict(X))


def test_an_array_for_a_named_network_warns_at_the_callers_line(wine, named_network):
    X, y = wine
    with pytest.warns(
        UserWarning,
        match="X does not have valid feature names, but MLPClassifier was fitted "
        "with feature names",
    ) as record:
        compressed(named_network).fit(X.to_numpy(), y)
    assert {warning.filename for warning in record} == {__file__}


def test_names_for_a_network_fitted_without_warn(wine):
    X, y = wine
    network = MLPClassifier((16,), max_iter=2000, random_state=0).fit(X.to_numpy(), y)
    with pytest.warns(
        UserWarning, match="X has feature names, but MLPClassifier was fitted without"
    ):
        compressed(network).fit(X, y)


def test_predict_checks_the_models_own_names(wine, named_network):
    X, y = wine
    model = compressed(named_network).fit(X, y)
    with pytest.raises(ValueError, match="same order"):
        model.predict(X[X.columns[::-1]])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X.to_numpy())
    # Validation data is checked against the same names.
    with pytest.raises(ValueError, match="same order"):
        compressed(named_network, fine_tune_epochs=1).fit(
            X, y, X_val=X[X.columns[::-1]], y_val=y
        )


def test_a_network_fitted_inside_fit_takes_any_column_order(wine):
    """Only a frozen network has names to match: a fitted clone learns these."""
    X, y = wine
    reversed_columns = X[X.columns[::-1]]
    model = SVDCompressedMLPClassifier(
        MLPClassifier((16,), max_iter=2000, random_state=0), rank=2
    ).fit(reversed_columns, y)
    np.testing.assert_array_equal(model.feature_names_in_, reversed_columns.columns)
