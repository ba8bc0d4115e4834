"""Head adapters: one per kind of head, and one error wherever a head cannot serve."""

import shutil

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge, RidgeClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.tree import DecisionTreeClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier, UnsupportedHeadError, export_c
from sklearn_svdmlp._network import (
    Head,
    OutputSpec,
    head_adapter,
)
from sklearn_svdmlp._network._heads import LinearHead, NetworkHead, PerLabelHead

X, y = load_iris(return_X_y=True)
NETWORK = FrozenEstimator(
    MLPClassifier((8,), solver="lbfgs", max_iter=300, random_state=0).fit(X, y)
)


@pytest.mark.parametrize(
    "head, kind",
    [
        (LogisticRegression(max_iter=500), LinearHead),
        (RidgeClassifier(), LinearHead),
        (Ridge(), LinearHead),
        (MLPClassifier((3,), max_iter=50, random_state=0), NetworkHead),
        (DecisionTreeClassifier(random_state=0), Head),
        (KNeighborsClassifier(), Head),
    ],
)
def test_one_adapter_per_kind_of_head(head, kind):
    target = X[:, 0] if isinstance(head, Ridge) else y
    adapter = head_adapter(head.fit(X, target))
    assert type(adapter) is kind
    layers = adapter.layers()
    if kind is Head:
        assert layers is None and adapter.n_multiply_adds is None
        return
    # The layers give the head's own decision, and count what it multiplies.
    H = X
    for layer in layers:
        H = layer.forward(H)
    if isinstance(head, Ridge):
        np.testing.assert_allclose(H[:, 0], head.predict(X))
    else:
        np.testing.assert_array_equal(head.classes_[H.argmax(axis=1)], head.predict(X))
    assert adapter.n_multiply_adds == sum(layer.n_multiply_adds for layer in layers)
    exact = not isinstance(head, RidgeClassifier)
    assert adapter.layers_are_exact == exact
    if exact and not isinstance(head, Ridge):
        np.testing.assert_allclose(H, head.predict_proba(X), atol=1e-12)


def test_per_label_heads():
    X_ml, Y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=0)
    head = MultiOutputClassifier(LogisticRegression(max_iter=500)).fit(X_ml, Y)
    adapter = head_adapter(head)
    assert type(adapter) is PerLabelHead and adapter.layers_are_exact
    (layer,) = adapter.layers()
    np.testing.assert_allclose(
        layer.forward(X_ml), adapter.predict_proba(X_ml, None), atol=1e-12
    )
    network = OutputSpec("multilabel", "logistic", 3, np.arange(3))
    assert adapter.output_spec(network).kind == "multilabel"
    trees = MultiOutputClassifier(DecisionTreeClassifier()).fit(X_ml, Y)
    assert head_adapter(trees).layers() is None


def test_fine_tuned_layers_go_back_into_the_head():
    head = LogisticRegression(max_iter=500).fit(X, y)
    adapter = head_adapter(head)
    (layer,) = adapter.layers()
    layer.coef *= 2
    adapter.set_layers([layer])
    np.testing.assert_array_equal(head.coef_, layer.coef.T)


def test_a_head_fitted_on_fewer_classes_gets_zero_probability_elsewhere():
    few = y < 2
    head = LogisticRegression(max_iter=500).fit(X[few], y[few])
    proba = head_adapter(head).predict_proba(X, np.array([0, 1, 2]))
    assert proba.shape == (150, 3) and np.all(proba[:, 2] == 0)
    np.testing.assert_allclose(proba[:, :2], head.predict_proba(X))


def _refusals(model, X, y):
    """Every path that needs a head as layers, each as a callable."""
    refusals = {
        "export_c": lambda: export_c(model),
        "quantize": lambda: SVDCompressedMLPClassifier(
            **{**model.get_params(deep=False), "quantize": "int8"}
        ).fit(X, y),
        "fine-tuning": lambda: SVDCompressedMLPClassifier(
            **{**model.get_params(deep=False), "fine_tune_epochs": 1}
        ).fit(X, y),
    }
    if shutil.which("cc") is None:
        del refusals["export_c"]
    try:
        from skl2onnx import to_onnx

        import sklearn_svdmlp.onnx  # noqa: F401

        refusals["onnx"] = lambda: to_onnx(model, X[:1].astype(np.float32))
    except ImportError:
        pass
    return refusals


def test_a_head_that_cannot_be_layers_fails_alike_everywhere():
    model = SVDCompressedMLPClassifier(
        NETWORK, method="truncated", rank=2, head=KNeighborsClassifier()
    ).fit(X, y)
    for refused in _refusals(model, X, y).values():
        with pytest.raises(UnsupportedHeadError, match="KNeighborsClassifier") as info:
            refused()
        # One error type, which code catching ValueError or TypeError catches.
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def test_a_head_that_saw_fewer_classes_fails_alike_in_every_export():
    few = y >= 1
    model = SVDCompressedMLPClassifier(NETWORK, method="truncated", rank=2).fit(
        X[few], y[few]
    )
    refusals = _refusals(model, X[few], y[few])
    del refusals["fine-tuning"]  # trains the head's own two outputs
    for refused in refusals.values():
        with pytest.raises(
            UnsupportedHeadError, match="gives 1 outputs but the network 3"
        ):
            refused()


def test_regressor_heads():
    network = MLPRegressor(hidden_layer_sizes=(4,), max_iter=50, random_state=0)
    head = head_adapter(network.fit(X, X[:, :2]))
    spec = head.output_spec(OutputSpec("regression", "identity", 2))
    assert (spec.kind, spec.n_outputs) == ("regression", 2)
    np.testing.assert_allclose(spec.encode(X[:, :2]), X[:, :2].astype(float), atol=0)
