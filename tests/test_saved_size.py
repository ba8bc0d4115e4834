"""A saved model is sized by the compressed model, not by the network it replaced."""

import copy
import io
import pickle
import zipfile

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    export_c,
)

# Issue 29: a model of 6,616 bytes pickled to 830,871 with its network.
ALLOWANCE = 32 * 1024


def allowed(model):
    return 2 * model.n_bytes_ + ALLOWANCE


@pytest.fixture(scope="module")
def network_256_128(digits_split):
    X_train, _, y_train, _ = digits_split
    return MLPClassifier((256, 128), max_iter=30, random_state=0).fit(X_train, y_train)


def issue_model(network, **params):
    return SVDCompressedMLPClassifier(network, rank=8, quantize="int4", **params)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("frozen", [True, False])
def test_pickle_is_sized_by_the_compressed_model(network_256_128, digits_split, frozen):
    X_train, X_test, y_train, _ = digits_split
    network = network_256_128
    if not frozen:  # trained inside fit
        network = MLPClassifier((256, 128), max_iter=30, random_state=0)
    model = issue_model(FrozenEstimator(network) if frozen else network)
    model.fit(X_train, y_train)
    # The network's own weights are far larger than the allowance.
    assert model.n_bytes_original_ > 2 * allowed(model)
    for dumps, loads in [(pickle.dumps, pickle.loads), (_joblib_dumps, _joblib_loads)]:
        saved = dumps(model)
        assert len(saved) <= allowed(model)
        loaded = loads(saved)
        np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
        np.testing.assert_array_equal(
            loaded.predict_proba(X_test), model.predict_proba(X_test)
        )
        assert str(loaded.summary()) == str(model.summary())
    assert not hasattr(model, "estimator_")


# Configurations of both estimators whose saved files are measured.
CONFIGURATIONS = [
    dict(rank=8, quantize="int4"),
    dict(rank=8),
    dict(rank=8, quantize="int8", integer_only=True),
    dict(rank=8, quantize="int4", integer_only=True),
    dict(method="truncated", rank=1),
    dict(rank="auto", quantize="auto", max_score_drop=0.05),
]


@pytest.fixture(scope="module")
def regression_network():
    X, y = load_diabetes(return_X_y=True)
    network = MLPRegressor(hidden_layer_sizes=(256, 128), max_iter=20, random_state=0)
    return network.fit(X, y), X, y


def _compressed(kind, config, network_256_128, digits_split, regression_network):
    if kind == "classifier":
        X, _, y, _ = digits_split
        estimator = SVDCompressedMLPClassifier(FrozenEstimator(network_256_128))
    else:
        network, X, y = regression_network
        estimator = SVDCompressedMLPRegressor(FrozenEstimator(network))
    return estimator.set_params(random_state=0, **config).fit(X, y), X


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:estimator is a FrozenEstimator:UserWarning")
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("config", CONFIGURATIONS, ids=str)
def test_saved_files_are_within_the_limit(
    kind, config, network_256_128, digits_split, regression_network
):
    sio = pytest.importorskip("skops.io")
    model, _ = _compressed(
        kind, config, network_256_128, digits_split, regression_network
    )
    # skops stores its schema as uncompressed JSON unless asked to compress:
    # the default file is held to the limit too.
    saved = {
        "pickle": pickle.dumps(model),
        "skops": sio.dumps(model),
        "skops deflated": sio.dumps(model, compression=zipfile.ZIP_DEFLATED),
    }
    for name, data in saved.items():
        assert len(data) <= allowed(model), (name, len(data), allowed(model))
    # The user trusts the estimator's class, nothing else of this package.
    untrusted = sio.get_untrusted_types(data=saved["skops"])
    assert untrusted == [f"{type(model).__module__}.{type(model).__name__}"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skops_leaves_the_network_out(network_256_128, digits_split):
    sio = pytest.importorskip("skops.io")
    X_train, _, y_train, _ = digits_split
    frozen = FrozenEstimator(network_256_128)
    model = issue_model(frozen).fit(X_train, y_train)
    kept = issue_model(frozen, keep_original=True).fit(X_train, y_train)
    # Stored or deflated, the network's weights are not in the file.
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        small = sio.dumps(model, compression=compression)
        large = sio.dumps(kept, compression=compression)
        assert len(large) - len(small) > model.n_bytes_original_ / 2


def _skops_round_trip(model):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(model)
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


def _described(params):
    """``get_params(deep=True)``, each estimator in it as its class."""
    return {
        name: type(value) if hasattr(value, "get_params") else value
        for name, value in params.items()
    }


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "load", [_skops_round_trip, lambda m: pickle.loads(pickle.dumps(m))]
)
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize(
    "config",
    [
        dict(rank=8, quantize="int4"),
        dict(rank=8, quantize="int8", integer_only=True),
        dict(method="truncated", rank=1),
        dict(rank=8, keep_original=True),
    ],
    ids=str,
)
def test_a_loaded_model_is_the_same_model(
    load, kind, config, network_256_128, digits_split, regression_network
):
    model, X = _compressed(
        kind, config, network_256_128, digits_split, regression_network
    )
    loaded = load(model)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    if kind == "classifier":
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert str(loaded.summary()) == str(model.summary())
    assert loaded.n_bytes_ == model.n_bytes_
    assert loaded.ranks_ == model.ranks_
    assert _described(loaded.get_params()) == _described(model.get_params())
    assert export_c(loaded) == export_c(model)
    assert hasattr(loaded, "estimator_") == config.get("keep_original", False)


def test_a_state_saved_unpacked_still_loads(fitted_mlp, digits_split):
    # As saved before the state was packed: its attributes as they are.
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4)
    model.fit(X_train, y_train)
    loaded = SVDCompressedMLPClassifier.__new__(SVDCompressedMLPClassifier)
    loaded.__setstate__(dict(vars(model)))
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_a_state_from_a_newer_version_is_refused(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4)
    state = model.fit(X_train, y_train).__getstate__()
    ((key, (version, *rest)),) = state.items()
    loaded = SVDCompressedMLPClassifier.__new__(SVDCompressedMLPClassifier)
    with pytest.raises(ValueError, match=f"version {version + 1}"):
        loaded.__setstate__({key: [version + 1, *rest]})


def test_keep_original_keeps_the_network(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=4, keep_original=True
    ).fit(X_train, y_train)
    assert model.estimator_ is fitted_mlp
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        loaded.estimator_.predict(X_test), fitted_mlp.predict(X_test)
    )
    assert loaded.estimator.estimator is loaded.estimator_
    # So the loaded model can be fitted again.
    loaded.fit(X_train, y_train)
    assert loaded.ranks_ == model.ranks_


def test_saving_leaves_the_model_in_use_alone(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    frozen = FrozenEstimator(fitted_mlp)
    model = SVDCompressedMLPClassifier(frozen, rank=4).fit(X_train, y_train)
    pickle.dumps(model)
    assert model.estimator is frozen and frozen.estimator is fitted_mlp
    assert hasattr(fitted_mlp, "coefs_")
    model.fit(X_train, y_train)


def test_a_loaded_model_needs_its_network_to_fit_again(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4)
    model.fit(X_train, y_train)
    loaded = pickle.loads(pickle.dumps(model))
    # Its parameters, the network's included, are kept; not the weights.
    assert loaded.estimator.estimator.get_params() == fitted_mlp.get_params()
    with pytest.raises(NotFittedError, match="keep_original=True"):
        loaded.fit(X_train, y_train)
    loaded.set_params(estimator=FrozenEstimator(fitted_mlp)).fit(X_train, y_train)
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_a_deep_copy_keeps_the_network(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4)
    model.fit(X_train, y_train)
    duplicate = copy.deepcopy(model)
    assert duplicate.network_ is not model.network_
    np.testing.assert_array_equal(
        duplicate.estimator.estimator.coefs_[0], fitted_mlp.coefs_[0]
    )
    duplicate.fit(X_train, y_train)
    np.testing.assert_array_equal(duplicate.predict(X_test), model.predict(X_test))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_regressor_pickle_is_sized_by_the_compressed_model():
    X, y = load_diabetes(return_X_y=True)
    network = MLPRegressor(
        hidden_layer_sizes=(256, 128), max_iter=20, random_state=0
    ).fit(X, y)
    model = SVDCompressedMLPRegressor(
        FrozenEstimator(network), rank=4, quantize="int8"
    ).fit(X, y)
    assert model.n_bytes_original_ > 2 * allowed(model)
    saved = pickle.dumps(model)
    assert len(saved) <= allowed(model)
    np.testing.assert_array_equal(pickle.loads(saved).predict(X), model.predict(X))


def _joblib_dumps(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getvalue()


def _joblib_loads(data):
    return joblib.load(io.BytesIO(data))


def test_keep_original_is_validated(digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.raises(ValueError, match="'keep_original' parameter"):
        SVDCompressedMLPClassifier(keep_original="yes").fit(X_train, y_train)
