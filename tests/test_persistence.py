"""Saving and loading: pickle, joblib, and skops' secure format."""

import io
import pickle

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier

# The one type of this package skops asks to trust: the estimator's class
# (its saved state is packed into types skops trusts, _saved_state.py).
OWN_TYPES = {"sklearn_svdmlp._estimators._classifier.SVDCompressedMLPClassifier"}

CONFIGURATIONS = [
    dict(rank=2),
    dict(rank=2, bias="augment", svd_on="activations", fine_tune_epochs=2),
    dict(method="truncated", rank=2),
    dict(
        method="truncated",
        rank=2,
        head=MLPClassifier((4,), max_iter=50, random_state=0),
    ),
    dict(rank=None),
    dict(method="truncated", rank=2, quantize="int8"),
]


def fitted(config, frozen, target="multiclass"):
    if target == "multiclass":
        X, y = load_iris(return_X_y=True)
    else:
        X, y = make_multilabel_classification(
            n_samples=100, n_classes=3, random_state=0
        )
    network = MLPClassifier((8,), max_iter=60, random_state=0)
    if frozen:
        network = FrozenEstimator(network.fit(X, y))
    model = SVDCompressedMLPClassifier(network, random_state=0, **config).fit(X, y)
    return model, X


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("config", CONFIGURATIONS)
def test_skops_round_trip_trusts_only_own_types(config, frozen):
    sio = pytest.importorskip("skops.io")
    model, X = fitted(config, frozen)
    data = sio.dumps(model)
    untrusted = set(sio.get_untrusted_types(data=data))
    assert untrusted == OWN_TYPES
    loaded = sio.loads(data, trusted=sorted(untrusted))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.ranks_ == model.ranks_ and loaded.n_params_ == model.n_params_
    assert str(loaded.summary()) == str(model.summary())
    # Saved without the network's weights (keep_original=False), its
    # parameters kept, in the FrozenEstimator it came in.
    assert not hasattr(loaded, "estimator_")
    assert isinstance(loaded.estimator, FrozenEstimator) == frozen
    network = loaded.estimator.estimator if frozen else loaded.estimator
    given = model.estimator.estimator if frozen else model.estimator
    assert not hasattr(network, "coefs_") and hasattr(given, "coefs_") == frozen
    assert network.get_params() == given.get_params()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skops_refuses_untrusted_by_default():
    sio = pytest.importorskip("skops.io")
    model, _ = fitted(dict(rank=2), frozen=False)
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(sio.dumps(model))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trip(dump):
    model, X = fitted(
        dict(method="truncated", rank=2, keep_original=True),
        frozen=True,
        target="multilabel",
    )
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(model))
    else:
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        buffer.seek(0)
        loaded = joblib.load(buffer)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.estimator.estimator is loaded.estimator_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_saving_leaves_the_networks_in_use_alone():
    sio = pytest.importorskip("skops.io")
    model, X = fitted(dict(rank=2, keep_original=True), frozen=True)
    network = model.estimator_
    assert hasattr(network, "_optimizer")
    sio.dumps(model)
    pickle.dumps(model)
    assert hasattr(network, "_optimizer") and model.estimator_ is network
    loaded = pickle.loads(pickle.dumps(model))
    assert not hasattr(loaded.estimator_, "_optimizer")
    # The loaded network can still be trained further: partial_fit makes a
    # new optimizer.
    loaded.estimator_.partial_fit(X, load_iris().target)
