"""An integer-only regressor does not clip silently at its largest training prediction.

The issue's case: on diabetes, the network predicted beyond the largest
training prediction and the integer-only model clipped there. Its int16
outputs now hold ``OUTPUT_HEADROOM`` times that, and a prediction clipped
at the end of the range warns.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPRegressor
from sklearn_svdmlp._network._integer import LOGIT_MAX, OUTPUT_HEADROOM


@pytest.fixture(scope="module")
def fitted():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    network = MLPRegressor(hidden_layer_sizes=(32,), max_iter=2000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        network.fit(X, y)
        model = SVDCompressedMLPRegressor(
            network, rank=[8, None], quantize="int8", integer_only=True
        ).fit(X, y)
    return model, network, X


def test_the_output_range_has_headroom(fitted):
    model, network, X = fitted
    assert OUTPUT_HEADROOM >= 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing clipped on the training data
        largest = np.abs(model.predict(X)).max()
    limit = LOGIT_MAX * model.network_.output_scales[0]
    # The stored network's largest calibration output, times the headroom.
    assert limit >= 0.98 * OUTPUT_HEADROOM * largest


def test_predictions_beyond_the_training_range_are_not_clipped(fitted):
    model, network, X = fitted
    largest = model.predict(X).max()
    # Rows moved away from the mean until the network says 10-30% more
    # than the largest training prediction (369.7 over 320.8 in the issue).
    top = X[np.argmax(network.predict(X))]
    factors = np.linspace(1, 3, 81)
    rows = factors[:, None] * top
    said = network.predict(rows)
    beyond = rows[(said > 1.1 * largest) & (said < 1.3 * largest)]
    assert len(beyond)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predicted = model.predict(beyond)
    assert predicted.max() > 1.05 * largest
    np.testing.assert_allclose(predicted, network.predict(beyond), rtol=0.2)


def test_a_clipped_prediction_warns():
    """Two inputs that move together in training, apart at prediction.

    The target is their difference: small in training, large on the row
    (2, -2), while every hidden value stays in its calibrated range.
    """
    rng = np.random.default_rng(0)
    together = rng.normal(size=400)
    X = together[:, np.newaxis] + 0.1 * rng.normal(size=(400, 2))
    y = X[:, 0] - X[:, 1]
    network = MLPRegressor(
        hidden_layer_sizes=(8,), activation="identity", max_iter=2000, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPRegressor(
            network,
            rank=[None, None],
            quantize="int8",
            integer_only=True,
            keep_original=True,
        ).fit(X, y)
    far = np.array([[2.0, -2.0]])
    limit = LOGIT_MAX * model.network_.output_scales[0]
    assert model.estimator_.predict(far)[0] > 2 * limit
    with pytest.warns(UserWarning, match="1 of 1 predicted values are clipped"):
        predicted = model.predict(far)
    np.testing.assert_allclose(predicted, [limit], rtol=1e-6)


def test_hidden_activations_far_beyond_calibration_warn(fitted):
    # On the training data no activation leaves its calibrated range; rows
    # three times as far from the mean take the hidden layer's largest
    # activations 1.1 times its range beyond it (half its range at 1.5).
    model, network, X = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X)
    with pytest.warns(UserWarning, match="hidden activations of 442 rows"):
        model.predict(3 * X)
