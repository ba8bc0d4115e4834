"""The output rule: one OutputSpec per network, consulted for every prediction."""

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_multilabel_classification,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import LabelBinarizer, scale

from sklearn_svdmlp import OutputSpec, SVDCompressedMLPClassifier
from sklearn_svdmlp._network import mlp_layers


def _network(kind):
    if kind == "binary":
        X, y = load_breast_cancer(return_X_y=True)
        X = scale(X)
        y = np.where(y == 1, "benign", "malignant")
    elif kind == "multiclass":
        X, y = load_iris(return_X_y=True)
    elif kind == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=150, n_classes=3, random_state=0
        )
    else:
        X, y = load_iris(return_X_y=True)
        X, y = X[:, :2], X[:, 2:]
    network_type = MLPRegressor if kind == "regression" else MLPClassifier
    network = network_type(
        hidden_layer_sizes=(8,), solver="lbfgs", max_iter=500, random_state=0
    )
    return network.fit(X, y), X, y


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "regression"])
def test_the_spec_predicts_what_the_network_predicts(kind):
    network, X, y = _network(kind)
    spec = OutputSpec.of_network(network)
    assert spec.kind == kind
    output = X
    for layer in mlp_layers(network):
        output = layer.forward(output)
    assert output.shape[1] == spec.n_outputs
    assert mlp_layers(network)[-1].activation == spec.activation
    np.testing.assert_array_equal(spec.predict(output), network.predict(X))
    if kind == "regression":
        assert spec.classes is None and spec.n_targets == 2
        assert spec.loss == "squared_error"
        np.testing.assert_allclose(
            spec.score(output, spec.encode(y)), network.score(X, y)
        )
        return
    np.testing.assert_allclose(spec.predict_proba(output), network.predict_proba(X))
    assert spec.n_targets == network.predict_proba(X).shape[1]
    # Targets encoded as the network's own label binarizer encodes them.
    encoded = LabelBinarizer().fit(y).transform(y)
    np.testing.assert_array_equal(spec.encode(y), encoded)
    assert spec.score(output, spec.encode(y)) == network.score(X, y)
    assert spec.loss == {"binary": "binary_log_loss", "multiclass": "log_loss"}.get(
        kind, "binary_log_loss"
    )


def test_multilabel_is_known_not_guessed():
    """Multilabel outputs that happen to sum to one are still per-label."""
    spec = OutputSpec("multilabel", "logistic", 2, np.arange(2))
    output = np.array([[0.6, 0.4], [0.3, 0.7]])  # rows sum to 1
    Y = np.array([[1, 1], [0, 1]])
    assert spec.score(output, Y) == 0.5  # per label: row 1 right, row 0 wrong
    np.testing.assert_array_equal(spec.predict(output), [[1, 0], [0, 1]])


def test_the_estimator_keeps_the_spec_of_its_network():
    network, X, y = _network("binary")
    model = SVDCompressedMLPClassifier(network, rank=2).fit(X, y)
    assert model.output_spec_.kind == "binary"
    np.testing.assert_array_equal(model.output_spec_.classes, model.classes_)
    assert model.predict_proba(X).shape == (len(X), 2)
