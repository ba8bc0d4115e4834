"""Fitted networks and pipelines: compressed as they are, or refitted with a warning."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    compress_pipeline,
)


@pytest.fixture(scope="module")
def wine():
    return load_wine(return_X_y=True)


@pytest.fixture(scope="module")
def fitted_pipeline(wine):
    X, y = wine
    return make_pipeline(
        StandardScaler(), MLPClassifier((32,), max_iter=1000, random_state=0)
    ).fit(X, y)


def test_compress_pipeline_never_refits_the_users_steps(wine, fitted_pipeline):
    X, y = wine
    scaler, network = fitted_pipeline[0], fitted_pipeline[-1]
    before = pickle.dumps(scaler), pickle.dumps(network)
    # Other data than the steps were fitted on: a refit scaler would change.
    half = slice(None, None, 2)
    compressed = compress_pipeline(fitted_pipeline, rank=[2, None])
    compressed.fit(X[half] * 3 + 1, y[half])
    assert (pickle.dumps(scaler), pickle.dumps(network)) == before
    assert compressed[0].estimator is scaler
    assert compressed[-1].ranks_ == [2, None]
    # The same as compressing the network on the data as the scaler makes it.
    alone = SVDCompressedMLPClassifier(FrozenEstimator(network), rank=[2, None])
    alone.fit(scaler.transform(X[half] * 3 + 1), y[half])
    np.testing.assert_array_equal(
        compressed.predict_proba(X), alone.predict_proba(scaler.transform(X))
    )


def test_compress_pipeline_keeps_names_and_options(wine):
    X, y = wine
    with config_context(enable_metadata_routing=True):
        compressed = _compressed_with_options(X, y)
    assert [name for name, _ in compressed.steps] == [
        "scale",
        "skip",
        "reduce",
        "svdcompressedmlpclassifier",
    ]
    assert compressed["skip"] == "passthrough"
    assert compressed.transform_input == ["X_val"]
    assert compressed[-1].get_params()["quantize"] == "int8"
    assert compressed.score(X, y) > 0.8


def _compressed_with_options(X, y):
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("skip", "passthrough"),
            ("reduce", FrozenEstimator(PCA(8).fit(StandardScaler().fit_transform(X)))),
            ("net", MLPClassifier((16,), max_iter=1000, random_state=0)),
        ],
        transform_input=["X_val"],
    )
    pipe.fit(X, y)
    compressed = compress_pipeline(pipe, rank=2, quantize="int8")
    # A step already frozen is not frozen twice.
    assert compressed["reduce"] is pipe["reduce"]
    assert compressed[-1].estimator.estimator is pipe[-1]
    return compressed.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_compress_pipeline_of_a_regressor():
    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(32,), max_iter=2000, random_state=0),
    ).fit(X, y)
    compressed = compress_pipeline(pipe, rank=[4, None]).fit(X, y)
    assert isinstance(compressed[-1], SVDCompressedMLPRegressor)
    assert compressed[-1].ranks_ == [4, None]


@pytest.mark.parametrize(
    "pipeline, error, match",
    [
        (StandardScaler(), TypeError, "pipeline must be a fitted Pipeline"),
        (
            make_pipeline(StandardScaler(), LogisticRegression()),
            TypeError,
            "last step must be an MLPClassifier or an MLPRegressor.*LogisticRegression",
        ),
        (
            make_pipeline(StandardScaler(), MLPClassifier()),
            NotFittedError,
            "not fitted",
        ),
    ],
)
def test_compress_pipeline_bad_input(pipeline, error, match):
    with pytest.raises(error, match=match):
        compress_pipeline(pipeline)


@pytest.mark.parametrize("frozen", [True, False])
def test_a_pipeline_as_estimator_names_compress_pipeline(wine, fitted_pipeline, frozen):
    X, y = wine
    estimator = FrozenEstimator(fitted_pipeline) if frozen else fitted_pipeline
    with pytest.raises(
        TypeError,
        match=r"got (a FrozenEstimator wrapping )?Pipeline: .*compress_pipeline\(",
    ):
        SVDCompressedMLPClassifier(estimator).fit(X, y)


def test_a_fitted_unfrozen_network_warns_that_it_is_refitted(wine, fitted_pipeline):
    X, y = wine
    X = fitted_pipeline[0].transform(X)
    network = fitted_pipeline[-1]
    with pytest.warns(UserWarning, match="fitted MLPClassifier.*FrozenEstimator") as w:
        model = SVDCompressedMLPClassifier(network, rank=2, keep_original=True)
        model.fit(X[::2], y[::2])
    assert [warning.filename for warning in w] == [__file__]
    # A clone was trained anew (here on other rows): not the user's weights.
    assert model.estimator_ is not network
    assert not np.array_equal(network.coefs_[0], model.estimator_.coefs_[0])


def test_no_refit_warning_for_an_unfitted_or_frozen_network(wine, fitted_pipeline):
    X, y = wine
    X = fitted_pipeline[0].transform(X)
    network = fitted_pipeline[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SVDCompressedMLPClassifier(FrozenEstimator(network), rank=2).fit(X, y)
        SVDCompressedMLPClassifier(clone(network), rank=2).fit(X, y)
