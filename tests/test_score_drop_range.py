"""Issue 29, item 9: bounds beyond a score's range; errors state their numbers."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor

X, y = load_iris(return_X_y=True)
CLASSIFIER = FrozenEstimator(
    MLPClassifier((8,), solver="lbfgs", max_iter=300, random_state=0).fit(X, y)
)
X_reg, y_reg = load_diabetes(return_X_y=True)
REGRESSOR = FrozenEstimator(
    MLPRegressor(
        hidden_layer_sizes=(8,), solver="lbfgs", max_iter=300, random_state=0
    ).fit(X_reg, y_reg)
)


@pytest.mark.parametrize(
    "scoring, drop, match",
    [
        # The case: 5 (points) was accepted and gave ranks [1, 1].
        (
            None,
            5,
            r"max_score_drop=5 is more than the whole range of accuracy, \[0, 1\]",
        ),
        ("accuracy", 1.5, r"max_score_drop=1.5 .* accuracy, \[0, 1\]"),
        ("balanced_accuracy", 2.0, r"balanced_accuracy, \[0, 1\]"),
    ],
)
def test_a_classifier_drop_beyond_the_range_is_refused(scoring, drop, match):
    model = SVDCompressedMLPClassifier(
        CLASSIFIER, rank="auto", max_score_drop=drop, scoring=scoring
    )
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)


@pytest.mark.parametrize("scoring", [None, "r2"])
def test_a_regressor_drop_beyond_one_is_refused(scoring):
    model = SVDCompressedMLPRegressor(
        REGRESSOR, rank="auto", max_score_drop=1.5, scoring=scoring
    )
    with pytest.raises(
        ValueError, match="max_score_drop=1.5 is more than 1, the most r2"
    ):
        model.fit(X_reg, y_reg)


@pytest.mark.parametrize(
    "estimator, data, scoring, drop",
    [
        (SVDCompressedMLPClassifier(CLASSIFIER), (X, y), None, 1.0),
        (SVDCompressedMLPClassifier(CLASSIFIER), (X, y), "neg_log_loss", 5.0),
        (SVDCompressedMLPRegressor(REGRESSOR), (X_reg, y_reg), None, 1.0),
        (
            SVDCompressedMLPRegressor(REGRESSOR),
            (X_reg, y_reg),
            "neg_mean_squared_error",
            50.0,
        ),
    ],
)
def test_drops_within_the_range_or_of_unknown_range_are_accepted(
    estimator, data, scoring, drop
):
    model = estimator.set_params(rank="auto", max_score_drop=drop, scoring=scoring)
    X_val, y_val = data
    model.fit(*data, X_val=X_val, y_val=y_val)
    assert model.ranks_ is not None


def test_an_unreachable_ratio_states_the_numbers_it_compared():
    # Was: "more than the 0 the target allows".
    n_params = 4 * 8 + 8 + 8 * 3 + 3
    model = SVDCompressedMLPClassifier(CLASSIFIER, rank="auto", target_ratio=1000)
    with pytest.raises(ValueError) as error:
        model.fit(X, y)
    message = str(error.value)
    assert f"the network stores {n_params} numbers" in message
    assert f"{n_params} / 1000" in message
    cheapest = int(message.split("stores ")[-1].split(" numbers")[0])
    assert cheapest > n_params / 1000
    assert f"the {np.round(n_params / 1000, 2)} the target allows" in message
