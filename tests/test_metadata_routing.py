"""Metadata routing: sample_weight reaches the network only if it asks for it."""

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_iris
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from sklearn_svdmlp import SVDCompressedMLPClassifier

X, y = load_iris(return_X_y=True)
WEIGHTS = np.random.default_rng(0).uniform(0.1, 3, len(y))


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def network():
    return MLPClassifier((8,), max_iter=100, random_state=0)


def fitted_network(estimator, **fit_params):
    return SVDCompressedMLPClassifier(estimator, rank=2, keep_original=True).fit(
        X, y, **fit_params
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_network_request_decides(routing):
    unweighted = fitted_network(network()).estimator_
    declined = fitted_network(
        network().set_fit_request(sample_weight=False), sample_weight=WEIGHTS
    )
    requested = fitted_network(
        network().set_fit_request(sample_weight=True), sample_weight=WEIGHTS
    )
    np.testing.assert_array_equal(declined.estimator_.coefs_[0], unweighted.coefs_[0])
    assert not np.allclose(requested.estimator_.coefs_[0], unweighted.coefs_[0])
    with pytest.raises(UnsetMetadataPassedError, match="MLPClassifier.fit"):
        fitted_network(network(), sample_weight=WEIGHTS)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_default_frozen_and_pipeline(routing):
    default = SVDCompressedMLPClassifier(rank=2, random_state=0)
    assert default.fit(X, y, sample_weight=WEIGHTS).score(X, y) > 0.8
    frozen = FrozenEstimator(network().fit(X, y))
    fitted_network(frozen, sample_weight=WEIGHTS)  # never fitted: nothing to route
    pipeline = make_pipeline(
        SVDCompressedMLPClassifier(
            network().set_fit_request(sample_weight=True), rank=2, keep_original=True
        ).set_fit_request(sample_weight=True)
    ).fit(X, y, sample_weight=WEIGHTS)
    weighted = fitted_network(network(), sample_weight=None)
    assert not np.allclose(
        pipeline[-1].estimator_.coefs_[0], weighted.estimator_.coefs_[0]
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_without_routing_the_network_is_weighted():
    weighted = fitted_network(network(), sample_weight=WEIGHTS).estimator_
    direct = network().fit(X, y, sample_weight=WEIGHTS)
    np.testing.assert_array_equal(weighted.coefs_[0], direct.coefs_[0])
