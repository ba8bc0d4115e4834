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

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor

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


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skops_is_sized_by_the_compressed_model(network_256_128, digits_split):
    sio = pytest.importorskip("skops.io")
    X_train, X_test, y_train, _ = digits_split
    frozen = FrozenEstimator(network_256_128)
    model = issue_model(frozen).fit(X_train, y_train)
    kept = issue_model(frozen, keep_original=True).fit(X_train, y_train)
    # skops stores its schema as uncompressed JSON unless asked to compress.
    deflated = sio.dumps(model, compression=zipfile.ZIP_DEFLATED)
    assert len(deflated) <= allowed(model)
    # Stored or deflated, the network's weights are not in the file.
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        small = sio.dumps(model, compression=compression)
        large = sio.dumps(kept, compression=compression)
        assert len(large) - len(small) > model.n_bytes_original_ / 2
    data = sio.dumps(model)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


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
