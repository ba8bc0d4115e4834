"""export_c: the C file, compiled with the system compiler, predicts as the model."""

import ctypes
import shutil
import warnings

import numpy as np
import pytest
from _helpers import compiled
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    export_c,
)

COMPILER = shutil.which("cc")
pytestmark = pytest.mark.skipif(COMPILER is None, reason="no C compiler (cc) found")


def run(library, function, X, n_outputs, out_type=ctypes.c_float):
    """Call ``function(x, out)`` for each row of ``X``."""
    call = getattr(library, function)
    out = (out_type * n_outputs)()
    rows = []
    for row in np.ascontiguousarray(X, dtype=np.float32):
        call(row.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), out)
        rows.append(list(out))
    return np.array(rows)


def labels(library, function, X):
    call = getattr(library, function)
    call.restype = ctypes.c_int
    return np.array(
        [
            call(row.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
            for row in np.ascontiguousarray(X, dtype=np.float32)
        ]
    )


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


QUANTIZE = [None, "float32", "float16", "int8", "int4"]
CONFIGURATIONS = [
    dict(rank=6),
    dict(rank=[6, None], bias="augment"),
    dict(method="truncated", rank=6),
]


@pytest.mark.parametrize("config", CONFIGURATIONS)
@pytest.mark.parametrize("quantize", QUANTIZE)
def test_multiclass(tmp_path, config, quantize):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X / 16, y, random_state=0)
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((32,), max_iter=200, random_state=0),
            quantize=quantize,
            random_state=0,
            **config,
        ),
        X_train,
        y_train,
    )
    library = compiled(export_c(model), tmp_path)
    proba = run(library, "svdmlp_predict_proba", X_test, 10)
    np.testing.assert_allclose(proba, model.predict_proba(X_test), atol=1e-4)
    np.testing.assert_array_equal(
        model.classes_[labels(library, "svdmlp_predict", X_test)], model.predict(X_test)
    )


@pytest.mark.parametrize("quantize", QUANTIZE)
def test_binary_after_a_standard_scaler(tmp_path, quantize):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=0)
    pipeline = fitted(
        make_pipeline(
            StandardScaler(),
            SVDCompressedMLPClassifier(
                MLPClassifier((16,), max_iter=300, random_state=0),
                rank=3,
                quantize=quantize,
            ),
        ),
        X_train,
        y_train,
    )
    library = compiled(export_c(pipeline, name="cancer"), tmp_path, "cancer")
    proba = run(library, "cancer_predict_proba", X_test, 2)
    np.testing.assert_allclose(proba, pipeline.predict_proba(X_test), atol=1e-4)
    np.testing.assert_array_equal(
        labels(library, "cancer_predict", X_test), pipeline.predict(X_test)
    )


@pytest.mark.parametrize("method", ["svd", "truncated"])
@pytest.mark.parametrize("quantize", QUANTIZE)
def test_multilabel(tmp_path, method, quantize):
    X, Y = make_multilabel_classification(n_samples=300, n_classes=4, random_state=0)
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((24,), max_iter=300, random_state=0),
            method=method,
            rank=4,
            quantize=quantize,
            random_state=0,
        ),
        X,
        Y,
    )
    library = compiled(export_c(model), tmp_path)
    proba = run(library, "svdmlp_predict_proba", X, 4)
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-4)
    predicted = run(library, "svdmlp_predict_labels", X, 4, ctypes.c_int)
    np.testing.assert_array_equal(predicted, model.predict(X))


@pytest.mark.parametrize("method", ["svd", "truncated"])
@pytest.mark.parametrize("quantize", QUANTIZE)
def test_regression(tmp_path, method, quantize):
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    model = fitted(
        SVDCompressedMLPRegressor(
            MLPRegressor(hidden_layer_sizes=(32,), max_iter=300, random_state=0),
            method=method,
            rank=4,
            quantize=quantize,
        ),
        X,
        np.column_stack([y, -y]),
    )
    library = compiled(export_c(model), tmp_path)
    np.testing.assert_allclose(
        run(library, "svdmlp_predict", X, 2), model.predict(X), atol=1e-4
    )


def test_what_it_cannot_write_is_refused(digits_split):
    X_train, _, y_train, _ = digits_split
    network = FrozenEstimator(
        fitted(MLPClassifier((16,), max_iter=50, random_state=0), X_train, y_train)
    )
    ridge = fitted(
        SVDCompressedMLPClassifier(
            network, method="truncated", rank=4, head=RidgeClassifier()
        ),
        X_train,
        y_train,
    )
    with pytest.raises(
        TypeError, match="head that its layers compute.*RidgeClassifier"
    ):
        export_c(ridge)
    pipeline = fitted(
        make_pipeline(MinMaxScaler(), SVDCompressedMLPClassifier(network, rank=4)),
        X_train,
        y_train,
    )
    with pytest.raises(TypeError, match="one StandardScaler.*MinMaxScaler"):
        export_c(pipeline)
    with pytest.raises(ValueError, match="name must be a C identifier"):
        export_c(pipeline[-1], name="2fast")
    with pytest.raises(TypeError, match="estimator must be a fitted"):
        export_c(MLPClassifier())


@pytest.mark.parametrize(
    "make",
    [
        lambda model: make_pipeline(StandardScaler(with_mean=False), model),
        lambda model: make_pipeline(StandardScaler(with_std=False), model),
        lambda model: make_pipeline(make_pipeline(StandardScaler(), model)),
    ],
    ids=["without-mean", "without-std", "nested"],
)
def test_scalers_as_configured_and_nested_pipelines(tmp_path, make):
    X, y = load_breast_cancer(return_X_y=True)
    pipeline = fitted(
        make(
            SVDCompressedMLPClassifier(
                MLPClassifier((16,), max_iter=300, random_state=0), rank=3
            )
        ),
        X,
        y,
    )
    library = compiled(export_c(pipeline), tmp_path)
    proba = run(library, "svdmlp_predict_proba", X, 2)
    np.testing.assert_allclose(proba, pipeline.predict_proba(X), atol=1e-4)


def test_a_head_that_saw_fewer_classes_is_refused(digits_split):
    X_train, _, y_train, _ = digits_split
    network = fitted(
        MLPClassifier((16,), max_iter=100, random_state=0), X_train, y_train
    )
    few = y_train >= 3
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), method="truncated", rank=8
    ).fit(X_train[few], y_train[few])
    with pytest.raises(TypeError, match="head gives 7 outputs but the network 10"):
        export_c(model)
