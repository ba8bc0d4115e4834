"""Every backend computes the same thing: predict, the C file, the ONNX graph.

Random networks of every output kind, activation, one to three hidden
layers, both methods and every storage format, with and without
``integer_only``, on inputs with a constant column, zeros, and extremes far
beyond what the model was calibrated on (integer-only inference saturates,
never wraps); with ``keep_inputs``, the inputs dropped changed (no backend
reads them) and the C entry points taking only the kept ones. The examples
are derandomized, so CI runs the same ones every time;
``SVDMLP_BACKEND_EXAMPLES=500 pytest tests/test_backends_agree.py`` runs
more.
"""

import ctypes
import os
import shutil
import warnings

import numpy as np
import pytest
from _helpers import compiled
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    export_c,
)

EXAMPLES = int(os.environ.get("SVDMLP_BACKEND_EXAMPLES", "25"))
COMPILER = shutil.which("cc")
KINDS = ["binary", "multiclass", "multilabel", "regression", "regression-2"]


@st.composite
def configurations(draw, integer_only=None):
    """A model to draw; ``integer_only=True`` draws integer-only ones only."""
    if integer_only:
        quantize = draw(st.sampled_from(["int8", "int4"]))
    else:
        quantize = draw(st.sampled_from([None, "float32", "float16", "int8", "int4"]))
    return {
        "kind": draw(st.sampled_from(KINDS)),
        "activation": draw(st.sampled_from(["relu", "tanh", "logistic", "identity"])),
        # Widths and ranks not multiples of 2, 4 or 8 (the C kernels take rows
        # four at a time, int4 inputs two to a word), one-input and
        # one-output steps (rank 1), constant inputs at either edge.
        "hidden": tuple(draw(st.lists(st.integers(1, 11), min_size=1, max_size=3))),
        "rank": draw(st.integers(1, 6)),
        "method": draw(st.sampled_from(["svd", "truncated"])),
        "quantize": quantize,
        "integer_only": bool(integer_only)
        or (quantize in ("int8", "int4") and draw(st.booleans())),
        "n_features": draw(st.integers(3, 13)),
        "constant": draw(st.sampled_from([(0,), (-1,), (0, -1), (1, 2)])),
        # At least one input varies: every value here is valid.
        "keep_inputs": draw(st.sampled_from([None, 1, 0.5, 1.0])),
        "seed": draw(st.integers(0, 2**16)),
    }


def fitted_model(config):
    """A compressed model of the configuration, and inputs to compare on."""
    rng = np.random.default_rng(config["seed"])
    n_features, kind = config["n_features"], config["kind"]
    X = rng.normal(size=(80, n_features))
    X[:, list(config.get("constant", (0,)))] = 0.5  # constant on the training data
    signal = X @ rng.normal(size=(n_features, 3))
    # Classes split at the quantiles: every class and label well represented.
    above = signal > np.median(signal, axis=0)
    if kind == "binary":
        y = above[:, 0]
    elif kind == "multiclass":
        y = np.digitize(signal[:, 0], np.quantile(signal[:, 0], [1 / 3, 2 / 3]))
    elif kind == "multilabel":
        y = above.astype(int)
    else:
        y = np.tanh(signal[:, : 1 if kind == "regression" else 2])
        y = y[:, 0] if kind == "regression" else y
    network_type = MLPRegressor if kind.startswith("regression") else MLPClassifier
    network = network_type(
        hidden_layer_sizes=config["hidden"],
        activation=config["activation"],
        max_iter=60,
        random_state=0,
    )
    estimator = (
        SVDCompressedMLPRegressor
        if kind.startswith("regression")
        else SVDCompressedMLPClassifier
    )
    model = estimator(
        network,
        method=config["method"],
        rank=config.get("rank", 2)
        if config["method"] == "truncated"
        else [config.get("rank", 2)] * len(config["hidden"]) + [None],
        quantize=config["quantize"],
        integer_only=config["integer_only"],
        keep_inputs=config.get("keep_inputs"),
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    X_new = rng.normal(size=(12, n_features))
    X_new[:3] *= 1e3  # far beyond the training range
    X_new[3] = 0.0
    X_new[4, 0] = -2.0  # the constant column, otherwise
    return model, X_new


def _compare(model, X, labels, outputs, what):
    """``labels`` and ``outputs`` of another backend against the model's own.

    Integer-only models decide on integers: the labels must be the same.
    Float models compute in float32 elsewhere (float64 in Python): labels are
    compared where the model's own outputs are not within float32 rounding
    of a tie.
    """
    expected = model.predict(X)
    if model.output_spec_.kind == "regression":
        scale = 1 + np.abs(expected)
        tolerance = 1e-6 if model.integer_only else 1e-4
        assert np.all(
            np.abs(outputs.reshape(expected.shape) - expected) <= tolerance * scale
        ), what
        return
    proba = model.predict_proba(X)
    np.testing.assert_allclose(outputs, proba, atol=2e-4, err_msg=what)
    if model.integer_only:
        np.testing.assert_array_equal(labels, expected, err_msg=what)
        return
    if model.output_spec_.kind == "multilabel":
        clear = np.abs(proba - 0.5) > 1e-4
        np.testing.assert_array_equal(labels[clear], expected[clear], err_msg=what)
        return
    top = np.sort(proba, axis=1)
    clear = top[:, -1] - top[:, -2] > 1e-4
    np.testing.assert_array_equal(labels[clear], expected[clear], err_msg=what)


def _dropped_changed(model, X):
    """``X`` with the inputs a model fitted with ``keep_inputs`` drops changed."""
    changed = np.array(X, dtype=np.float32)
    if model.keep_inputs is not None:
        dropped = np.setdiff1d(np.arange(X.shape[1]), model.inputs_kept_)
        changed[:, dropped] = 7.0
    return changed


def _c_predictions(model, c, X, suffix=""):
    """What the compiled C file's functions (``_kept`` ones with ``suffix``) give."""
    spec = model.output_spec_
    rows = [
        np.ascontiguousarray(row, dtype=np.float32).ctypes.data_as(
            ctypes.POINTER(ctypes.c_float)
        )
        for row in X
    ]
    if spec.kind == "regression":
        predict = getattr(c, f"svdmlp_predict{suffix}")
        out = (ctypes.c_float * spec.n_outputs)()
        outputs = [(predict(row, out), list(out))[1] for row in rows]
        return None, np.array(outputs)
    predict_proba = getattr(c, f"svdmlp_predict_proba{suffix}")
    proba = (ctypes.c_float * spec.n_targets)()
    outputs = np.array([(predict_proba(row, proba), list(proba))[1] for row in rows])
    if spec.kind == "multilabel":
        predict_labels = getattr(c, f"svdmlp_predict_labels{suffix}")
        labels = (ctypes.c_int * spec.n_outputs)()
        decided = [(predict_labels(row, labels), list(labels))[1] for row in rows]
        return np.array(decided), outputs
    predict = getattr(c, f"svdmlp_predict{suffix}")
    predict.restype = ctypes.c_int
    return model.classes_[[predict(row) for row in rows]], outputs


def _check_c(config, directory):
    model, X = fitted_model(config)
    c = compiled(export_c(model), directory)
    labels, outputs = _c_predictions(model, c, _dropped_changed(model, X))
    _compare(model, X, labels, outputs, f"C, {config}")
    if model.keep_inputs is not None:  # the entry points taking the kept only
        kept = np.asarray(X)[:, model.inputs_kept_]
        labels, outputs = _c_predictions(model, c, kept, "_kept")
        _compare(model, X, labels, outputs, f"C _kept, {config}")


@pytest.mark.skipif(COMPILER is None, reason="no C compiler (cc) found")
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None)
@given(configurations())
def test_the_c_file_computes_what_predict_computes(tmp_path_factory, config):
    _check_c(config, tmp_path_factory.mktemp("c"))


@pytest.mark.skipif(COMPILER is None, reason="no C compiler (cc) found")
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None)
@given(configurations(integer_only=True))
def test_integer_only_c_computes_what_predict_computes(tmp_path_factory, config):
    """Integer-only models of every kind: the labels and values to the bit."""
    _check_c(config, tmp_path_factory.mktemp("c"))


def _check_onnx(config):
    onnxruntime = pytest.importorskip("onnxruntime")
    to_onnx = pytest.importorskip("skl2onnx").to_onnx
    import sklearn_svdmlp.onnx  # noqa: F401  (registers the converters)

    model, X = fitted_model(config)
    X = X.astype(np.float32)
    options = None if model.output_spec_.kind == "regression" else {"zipmap": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        onx = to_onnx(model, X[:1], options=options)
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    changed = _dropped_changed(model, X)
    results = session.run(None, {session.get_inputs()[0].name: changed})
    if model.output_spec_.kind == "regression":
        _compare(model, X, None, results[0], f"ONNX, {config}")
    else:
        _compare(model, X, results[0], results[1], f"ONNX, {config}")


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None)
@given(configurations())
def test_the_onnx_graph_computes_what_predict_computes(config):
    _check_onnx(config)


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None)
@given(configurations(integer_only=True))
def test_integer_only_onnx_computes_what_predict_computes(config):
    _check_onnx(config)
