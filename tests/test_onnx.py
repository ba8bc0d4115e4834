"""ONNX export: the graph run in onnxruntime agrees with the estimator."""

import warnings

import numpy as np
import pytest

# The onnx extra; without it, these tests skip.
onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")
to_onnx = pytest.importorskip("skl2onnx").to_onnx
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_svdmlp.onnx  # noqa: F401  (registers the converter)
from sklearn_svdmlp import (
    FactoredLayer,
    SVDCompressedMLPClassifier,
    UnsupportedHeadError,
)
from sklearn_svdmlp._network import head_adapter

NETWORK = MLPClassifier((20, 12), max_iter=300, random_state=0)
CONFIGURATIONS = [
    dict(rank=3),
    dict(rank=3, bias="augment"),
    dict(rank=[None, 3, None], svd_on="activations"),
    dict(method="truncated", rank=3),
    dict(method="truncated", rank=[2, None, None], head=LogisticRegression(C=10)),
    dict(
        method="truncated",
        rank=3,
        head=MLPClassifier((5,), max_iter=300, random_state=0),
    ),
]


def data(target):
    if target == "multiclass":
        X, y = load_iris(return_X_y=True)
    elif target == "binary-strings":
        X, y = load_breast_cancer(return_X_y=True)
        y = np.array(["benign", "malignant"])[y]
    else:
        X, y = make_multilabel_classification(
            n_samples=200, n_classes=3, random_state=0
        )
    return StandardScaler().fit_transform(X).astype(np.float32), y


def run(model, X, **options):
    onx = to_onnx(model, X[:1], options=options or None)
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return onx, session.run(None, {session.get_inputs()[0].name: X})


@pytest.mark.parametrize("target", ["multiclass", "binary-strings", "multilabel"])
@pytest.mark.parametrize("config", CONFIGURATIONS)
def test_labels_and_probabilities_match(target, config):
    X, y = data(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPClassifier(NETWORK, random_state=0, **config).fit(X, y)
    if target == "multilabel" and isinstance(config.get("head"), MLPClassifier):
        # One MLPClassifier per label: not a head the converter supports.
        with pytest.raises(UnsupportedHeadError, match="got MultiOutputClassifier"):
            to_onnx(model, X[:1])
        return
    onx, (labels, proba) = run(model, X, zipmap=False)
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-4)
    # Two MatMul nodes per factored layer: the factors are kept.
    n_factored = sum(isinstance(layer, FactoredLayer) for layer in model.layers_)
    n_dense = len(model.layers_) - n_factored
    n_head = 0 if model.head_ is None else len(head_adapter(model.head_).layers())
    matmuls = [node for node in onx.graph.node if node.op_type == "MatMul"]
    assert len(matmuls) == 2 * n_factored + n_dense + n_head
    stored = sum(
        init.dims[0] * (init.dims[1] if len(init.dims) > 1 else 1)
        for init in onx.graph.initializer
        if init.data_type == 1
    )
    head_numbers = (
        0
        if model.head_ is None
        else sum(layer.n_params for layer in head_adapter(model.head_).layers())
    )
    assert stored <= model.network_.n_params + head_numbers + 2


def test_pipeline_with_zipmap_and_options():
    X, y = data("multiclass")
    pipeline = make_pipeline(
        StandardScaler(), SVDCompressedMLPClassifier(NETWORK, rank=3, random_state=0)
    ).fit(X, y)
    _, (labels, proba) = run(pipeline, X)
    np.testing.assert_array_equal(labels, pipeline.predict(X))
    expected = pipeline.predict_proba(X)
    assert isinstance(proba, list) and set(proba[0]) == {0, 1, 2}
    np.testing.assert_allclose(
        [[row[c] for c in range(3)] for row in proba], expected, atol=1e-4
    )
    _, (labels, _) = run(pipeline, X, zipmap=False, nocl=True)
    np.testing.assert_array_equal(labels, np.argmax(expected, axis=1))
    _, outputs = run(pipeline, X, zipmap=False, output_class_labels=True)
    assert len(outputs) == 3
    _, outputs = run(pipeline, X, zipmap="columns")
    np.testing.assert_array_equal(outputs[0], pipeline.predict(X))
    np.testing.assert_allclose(np.column_stack(outputs[1:]), expected, atol=1e-4)


def test_float64_input():
    X, y = data("multiclass")
    X = X.astype(np.float64)
    model = SVDCompressedMLPClassifier(NETWORK, rank=3, random_state=0).fit(X, y)
    _, (labels, proba) = run(model, X, zipmap=False)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize(
    "head, name",
    [
        (KNeighborsClassifier(), "KNeighborsClassifier"),
        # Linear, but its decision is not the softmax of probabilities.
        (RidgeClassifier(), "RidgeClassifier"),
    ],
)
def test_unsupported_head_is_refused(head, name):
    X, y = data("multiclass")
    model = SVDCompressedMLPClassifier(
        NETWORK, method="truncated", rank=3, head=head
    ).fit(X, y)
    with pytest.raises(
        UnsupportedHeadError, match=f"linear model.*LogisticRegression.*got {name}"
    ):
        to_onnx(model, X[:1])


@pytest.mark.parametrize(
    "config",
    [
        dict(rank=3),
        dict(rank=3, bias="augment"),
        dict(method="truncated", rank=3),
        dict(method="truncated", rank=3, fine_tune_epochs=2),
    ],
)
@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor_predictions_match(config, n_targets):
    from sklearn.datasets import load_diabetes
    from sklearn.neural_network import MLPRegressor

    from sklearn_svdmlp import SVDCompressedMLPRegressor

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    y = (y - y.mean()) / y.std()
    if n_targets == 2:
        y = np.column_stack([y, -y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPRegressor(
            MLPRegressor(hidden_layer_sizes=(20, 12), max_iter=300, random_state=0),
            random_state=0,
            **config,
        ).fit(X, y)
    onx, (prediction,) = run(model, X)
    np.testing.assert_allclose(
        prediction.reshape(np.shape(y)), model.predict(X), atol=1e-4
    )
    n_factored = sum(isinstance(layer, FactoredLayer) for layer in model.layers_)
    matmuls = [node for node in onx.graph.node if node.op_type == "MatMul"]
    assert len(matmuls) >= 2 * n_factored + (len(model.layers_) - n_factored)


def test_poisson_regressor_exports_its_exponential_output():
    from sklearn.datasets import load_diabetes
    from sklearn.neural_network import MLPRegressor

    from sklearn_svdmlp import SVDCompressedMLPRegressor

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPRegressor(
            MLPRegressor(
                loss="poisson", hidden_layer_sizes=(16,), max_iter=300, random_state=0
            ),
            rank=3,
        ).fit(X, y)
    onx, (prediction,) = run(model, X)
    assert "Exp" in [node.op_type for node in onx.graph.node]
    np.testing.assert_allclose(prediction.ravel(), model.predict(X), rtol=1e-4)


def test_multi_output_regressor_declares_its_output_width():
    from sklearn.neural_network import MLPRegressor

    from sklearn_svdmlp import SVDCompressedMLPRegressor

    X, _ = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    Y = np.column_stack([X[:, 0] + X[:, 1], X[:, 2] - X[:, 3], X.sum(axis=1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPRegressor(
            MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=0),
            rank=2,
        ).fit(X, Y)
    onx, (prediction,) = run(model, X)
    (output,) = onx.graph.output
    assert [dim.dim_value for dim in output.type.tensor_type.shape.dim][1] == 3
    np.testing.assert_allclose(prediction, model.predict(X), atol=1e-4)


@pytest.mark.parametrize("method", ["svd", "truncated"])
@pytest.mark.parametrize("quantize", ["float16", "int8", "int4"])
def test_quantized_models_keep_their_format_in_the_file(method, quantize):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        network = MLPClassifier((64, 32), max_iter=100, random_state=0).fit(X, y)
    plain = SVDCompressedMLPClassifier(
        FrozenEstimator(network), method=method, rank=8
    ).fit(X, y)
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), method=method, rank=8, quantize=quantize
    ).fit(X, y)
    onx, (labels, proba) = run(model, X, zipmap=False)
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-4)
    stored = {
        "int8": onnx.TensorProto.INT8,
        "int4": onnx.TensorProto.INT4,
        "float16": onnx.TensorProto.FLOAT16,
    }[quantize]
    kinds = [initializer.data_type for initializer in onx.graph.initializer]
    assert kinds.count(stored) == sum(len(layer.weights) for layer in model.layers_)
    plain_onx, _ = run(plain, X, zipmap=False)
    assert len(onx.SerializeToString()) < len(plain_onx.SerializeToString())
    if quantize == "int4":  # 4 bits in the file: smaller than int8's
        int8 = clone(model).set_params(quantize="int8").fit(X, y)
        int8_onx, _ = run(int8, X, zipmap=False)
        assert len(onx.SerializeToString()) < len(int8_onx.SerializeToString())
        # Before opset 21 (no INT4), int8 in the file, and a warning says so.
        with pytest.warns(UserWarning, match="opset 20 has no INT4.*as int8"):
            old = to_onnx(model, X[:1], target_opset=20, options={"zipmap": False})
        kinds = {initializer.data_type for initializer in old.graph.initializer}
        assert onnx.TensorProto.INT4 not in kinds
        session = onnxruntime.InferenceSession(
            old.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        labels, proba = session.run(None, {session.get_inputs()[0].name: X})
        np.testing.assert_array_equal(labels, model.predict(X))
        np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-4)


def test_integer_only_int4_keeps_four_bits_in_the_file():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPClassifier(
            MLPClassifier((32,), max_iter=100, random_state=0),
            rank=[8, None],
            quantize="int4",
            integer_only=True,
        ).fit(X, y)
    onx, (labels, _) = run(model, X, zipmap=False)
    np.testing.assert_array_equal(labels, model.predict(X))
    n_steps = sum(len(layer.steps) for layer in model.layers_)
    kinds = [initializer.data_type for initializer in onx.graph.initializer]
    assert kinds.count(onnx.TensorProto.INT4) == n_steps
