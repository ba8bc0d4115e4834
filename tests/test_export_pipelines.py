"""Pipelines as users build them, through export_c, ONNX and quantize_input.

A ``FrozenEstimator`` around a fitted ``StandardScaler`` and ``"passthrough"``
steps export as a bare scaler does; an unfitted scaler is a
``NotFittedError``, a scaler of another width than the model a
``ValueError`` naming both; ``quantize_input`` gives, from raw rows, the
int8 rows the exported ``<name>_quantize_input`` computes.
"""

import ctypes
import shutil
import warnings

import numpy as np
import pytest
from _helpers import compiled
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier, export_c, quantize_input

X, y = load_wine(return_X_y=True)


def _model(integer=True):
    model = SVDCompressedMLPClassifier(
        MLPClassifier((16,), max_iter=300, random_state=0),
        rank=[4, None],
        quantize="int8",
        integer_only=integer,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(StandardScaler().fit_transform(X), y)


@pytest.fixture(scope="module")
def model():
    return _model()


def _onnx(estimator, rows):
    to_onnx = pytest.importorskip("skl2onnx").to_onnx
    onnxruntime = pytest.importorskip("onnxruntime")
    import sklearn_svdmlp.onnx  # noqa: F401

    onx = to_onnx(estimator, rows[:1], options={"zipmap": False})
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: rows})


@pytest.mark.parametrize(
    "steps",
    [
        lambda scaler: [FrozenEstimator(scaler)],
        lambda scaler: ["passthrough", FrozenEstimator(scaler), "passthrough"],
        lambda scaler: [make_pipeline("passthrough", scaler)],
    ],
    ids=["frozen", "passthrough", "nested"],
)
def test_frozen_and_passthrough_steps_export_as_a_bare_scaler(model, steps):
    scaler = StandardScaler().fit(X)
    bare = make_pipeline(scaler, model)
    pipeline = make_pipeline(*steps(scaler), model)
    assert export_c(pipeline) == export_c(bare)
    np.testing.assert_array_equal(quantize_input(pipeline, X), quantize_input(bare, X))
    rows = X.astype(np.float32)
    labels, proba = _onnx(pipeline, rows)
    np.testing.assert_array_equal(labels, bare.predict(rows))
    np.testing.assert_allclose(proba, bare.predict_proba(rows), atol=1e-5)


@pytest.mark.parametrize(
    "wrapped",
    [
        lambda scaler, model: make_pipeline(scaler, FrozenEstimator(model)),
        lambda scaler, model: FrozenEstimator(make_pipeline(scaler, model)),
        lambda scaler, model: make_pipeline(
            FrozenEstimator(scaler), FrozenEstimator(FrozenEstimator(model))
        ),
    ],
    ids=["frozen model", "frozen pipeline", "frozen twice"],
)
def test_a_frozen_compressed_model_exports_as_it_predicts(model, wrapped, tmp_path):
    # Issue 29: the exports find the model inside FrozenEstimator, as the
    # scorers do.
    scaler = StandardScaler().fit(X)
    bare = make_pipeline(scaler, model)
    estimator = wrapped(scaler, model)
    rows = np.ascontiguousarray(X, dtype=np.float32)
    expected = estimator.predict(rows)
    np.testing.assert_array_equal(expected, bare.predict(rows))
    assert export_c(estimator) == export_c(bare)
    np.testing.assert_array_equal(quantize_input(estimator, X), quantize_input(bare, X))
    labels, proba = _onnx(estimator, rows)
    np.testing.assert_array_equal(labels, expected)
    np.testing.assert_allclose(proba, estimator.predict_proba(rows), atol=1e-5)
    if shutil.which("cc") is not None:
        library = compiled(export_c(estimator), tmp_path)
        library.svdmlp_predict.restype = ctypes.c_int
        pointer = ctypes.POINTER(ctypes.c_float)
        device = [library.svdmlp_predict(row.ctypes.data_as(pointer)) for row in rows]
        np.testing.assert_array_equal(model.classes_[device], expected)


def test_a_frozen_model_alone_exports(model):
    rows = np.ascontiguousarray(StandardScaler().fit_transform(X), dtype=np.float32)
    frozen = FrozenEstimator(model)
    assert export_c(frozen) == export_c(model)
    labels, _ = _onnx(frozen, rows)
    np.testing.assert_array_equal(labels, model.predict(rows))
    with pytest.raises(
        TypeError, match="got a FrozenEstimator ending in StandardScaler"
    ):
        export_c(FrozenEstimator(StandardScaler().fit(X)))


@pytest.mark.parametrize("frozen", [False, True])
def test_an_unfitted_scaler_is_not_fitted(model, frozen):
    scaler = StandardScaler()
    pipeline = make_pipeline(FrozenEstimator(scaler) if frozen else scaler, model)
    with pytest.raises(NotFittedError):
        export_c(pipeline)
    with pytest.raises(NotFittedError):
        quantize_input(pipeline, X)
    with pytest.raises(NotFittedError):
        _onnx(pipeline, X.astype(np.float32))


def test_a_scaler_of_another_width_names_both(model):
    pipeline = make_pipeline(StandardScaler().fit(X[:, :5]), model)
    for call in (lambda: export_c(pipeline), lambda: quantize_input(pipeline, X)):
        with pytest.raises(ValueError, match="fitted on 5 features, the model on 13"):
            call()
    with pytest.raises(ValueError, match="fitted on 5 features, the model on 13"):
        _onnx(pipeline, X[:, :5].astype(np.float32))


def test_other_steps_are_refused_by_export_c(model):
    from sklearn.preprocessing import MinMaxScaler

    pipeline = make_pipeline(
        MinMaxScaler().fit(X), FrozenEstimator(StandardScaler().fit(X)), model
    )
    with pytest.raises(TypeError, match="MinMaxScaler, StandardScaler"):
        export_c(pipeline)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc)")
@pytest.mark.parametrize("scaler", [None, "frozen", "bare"])
def test_quantize_input_is_what_the_c_computes(model, scaler, tmp_path):
    if scaler is None:
        estimator = model
    else:
        fitted = StandardScaler().fit(X)
        step = FrozenEstimator(fitted) if scaler == "frozen" else fitted
        estimator = make_pipeline(step, model)
    rows = np.vstack([X, X * 3 - 40, [np.nan] * 13, [np.inf] * 13])
    library = compiled(export_c(estimator), tmp_path)
    out = (ctypes.c_int8 * 13)()
    device = []
    for row in np.ascontiguousarray(rows, dtype=np.float32):
        library.svdmlp_quantize_input(
            row.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), out
        )
        device.append(list(out))
    expected = quantize_input(estimator, rows)
    assert expected.dtype == np.int8
    np.testing.assert_array_equal(expected, np.array(device, dtype=np.int8))
    # Spread over the int8 range, not all clamped.
    assert len(np.unique(expected)) > 100


def test_quantize_input_refuses_float_models_and_other_widths(model):
    with pytest.raises(ValueError, match="integer_only=True"):
        quantize_input(_model(integer=False), X)
    with pytest.raises(ValueError, match="X has 12 features, the model 13"):
        quantize_input(model, X[:, :12])


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc)")
@pytest.mark.parametrize("integer", [False, True])
def test_a_compressed_fitted_pipeline_exports_to_c_and_onnx(integer, tmp_path):
    # Issue 29, item 4: a fitted Pipeline(scaler, MLP) compressed through
    # compress_pipeline (its steps frozen) predicts alike in C and ONNX.
    from sklearn_svdmlp import compress_pipeline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = make_pipeline(
            StandardScaler(), MLPClassifier((16,), max_iter=300, random_state=0)
        ).fit(X, y)
        compressed = compress_pipeline(
            fitted, rank=[2, None], quantize="int8", integer_only=integer
        ).fit(X, y)
    rows = np.ascontiguousarray(X, dtype=np.float32)
    library = compiled(export_c(compressed), tmp_path)
    library.svdmlp_predict.restype = ctypes.c_int
    pointer = ctypes.POINTER(ctypes.c_float)
    device = [library.svdmlp_predict(row.ctypes.data_as(pointer)) for row in rows]
    expected = compressed.predict(rows)
    np.testing.assert_array_equal(compressed.classes_[device], expected)
    labels, proba = _onnx(compressed, rows)
    np.testing.assert_array_equal(labels, expected)
    np.testing.assert_allclose(proba, compressed.predict_proba(rows), atol=1e-5)
