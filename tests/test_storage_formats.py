"""A storage format is one class: a format made here runs everywhere, untouched.

``Int16Format`` below exists only in this file: registered, it is accepted by
``quantize``, counted in ``n_bytes_``, used by ``predict``, written to C (with
the C kernel it brings) and to ONNX, and the package's code does not know it.
"""

import ctypes
import shutil

import numpy as np
import pytest
from _helpers import compiled
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier, export_c
from sklearn_svdmlp._formats import (
    QUANTIZE_OPTIONS,
    StorageFormat,
    get_format,
    register_format,
    unregister_format,
)

# What the C kernel of the format computes: as svdmlp_affine_i8, on shorts.
INT16_KERNEL = """\
static void test_axpy_i16(float *out, float x, const void *row, int n)
{
    const short *w = (const short *)row;
    int j;
    for (j = 0; j < n; j++) {
        out[j] += x * (float)w[j];
    }
}

static void test_affine_i16(const svdmlp_step *step, const float *in, float *out)
{
    svdmlp_affine_rows(step, in, out, test_axpy_i16, 2L * step->n_out);
}
"""


class Int16Format(StorageFormat):
    """Symmetric int16 with one float32 scale per column: a test-only format."""

    name = "int16-test"
    c_type = "short"
    c_kernel = "test_affine_i16"
    c_kernel_source = INT16_KERNEL

    def store(self, matrix):
        scales = (np.max(np.abs(matrix), axis=0) / 32767).astype(np.float32)
        divisor = np.where(scales > 0, scales, 1)
        values = np.clip(np.rint(matrix / divisor), -32767, 32767).astype(np.int16)
        return np.ascontiguousarray(values), scales

    def c_values(self, values):
        return [str(int(value)) for value in np.ravel(values)]

    def onnx_weights(self, graph, values, scales):
        stored = graph.stored("weights", values)
        as_float = graph.node("Cast", [stored], to=graph.proto_dtype)
        return graph.node("Mul", [as_float, graph.constant("scales", scales)])


@pytest.fixture
def int16():
    format = register_format(Int16Format())
    yield format
    unregister_format(format.name)


@pytest.fixture(scope="module")
def network(digits_split):
    X_train, _, y_train, _ = digits_split
    return MLPClassifier((32,), max_iter=200, random_state=0).fit(X_train, y_train)


def fitted(network, digits_split, **params):
    X_train, _, y_train, _ = digits_split
    return SVDCompressedMLPClassifier(
        FrozenEstimator(network), random_state=0, **params
    ).fit(X_train, y_train)


@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_a_new_format_round_trips_predict_and_bytes(
    int16, network, digits_split, method
):
    _, X_test, _, y_test = digits_split
    model = fitted(network, digits_split, method=method, rank=8, quantize=int16.name)
    assert all(layer.format == int16.name for layer in model.layers_)
    assert all(w.dtype == np.int16 for layer in model.layers_ for w in layer.weights)
    # Predictions use the stored values: (X @ q) * s + b, by hand, the
    # first layer reading the features not constant in training (digits
    # has some: pixels always blank).
    first = model.layers_[0].inputs
    assert first is not None and first.n_read < X_test.shape[1]
    H = X_test[:, first.indices].astype(np.float32)
    for layer in model.layers_:
        for weights, scales, bias in zip(
            layer.weights, layer.scales, layer.biases, strict=True
        ):
            H = (H @ weights.astype(np.float32)) * scales
            H = H if bias is None else H + bias
        if layer.activation == "relu":
            H = np.maximum(H, 0)
    expected = np.exp(H - H.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(X_test), expected, atol=1e-5)
    # Two bytes a weight, plus the float32 scales and biases, and the runs.
    n_bytes = first.runs.nbytes + sum(
        2 * weights.size + 4 * scales.size + (0 if bias is None else 4 * bias.size)
        for layer in model.layers_
        for weights, scales, bias in zip(
            layer.weights, layer.scales, layer.biases, strict=True
        )
    )
    assert model.n_bytes_ == n_bytes
    # int16 rounds far finer than int8: the same labels as float64.
    plain = fitted(network, digits_split, method=method, rank=8)
    np.testing.assert_array_equal(model.predict(X_test), plain.predict(X_test))
    assert model.score(X_test, y_test) == plain.score(X_test, y_test)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) found")
@pytest.mark.parametrize("scaled", [False, True], ids=["bare", "after-a-scaler"])
def test_a_new_format_runs_in_c_with_its_own_kernel(
    int16, network, digits_split, tmp_path, scaled
):
    X_train, X_test, y_train, _ = digits_split
    model = fitted(network, digits_split, rank=8, quantize=int16.name)
    if scaled:  # its kernel reads the input standardized, as the runtime's do
        model = make_pipeline(
            StandardScaler(), clone(model).set_params(estimator=clone(network))
        ).fit(X_train, y_train)
    source = export_c(model)
    assert "static const short" in source and "test_affine_i16" in source
    c = compiled(source, tmp_path)
    proba = (ctypes.c_float * 10)()
    rows = []
    for row in np.ascontiguousarray(X_test, dtype=np.float32):
        x = row.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        c.svdmlp_predict_proba(x, proba)
        rows.append(list(proba))
    np.testing.assert_allclose(rows, model.predict_proba(X_test), atol=1e-5)


def test_a_new_format_runs_in_onnx(int16, network, digits_split):
    onnxruntime = pytest.importorskip("onnxruntime")
    to_onnx = pytest.importorskip("skl2onnx").to_onnx
    import sklearn_svdmlp.onnx  # noqa: F401  (registers the converter)

    _, X_test, _, _ = digits_split
    X_test = X_test.astype(np.float32)
    model = fitted(network, digits_split, rank=8, quantize=int16.name)
    onx = to_onnx(model, X_test[:1], options={"zipmap": False})
    int16_initializers = [i for i in onx.graph.initializer if i.data_type == 5]
    assert len(int16_initializers) == sum(len(layer.weights) for layer in model.layers_)
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {session.get_inputs()[0].name: X_test})
    np.testing.assert_allclose(proba, model.predict_proba(X_test), atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict(X_test))


def test_registering_and_forgetting_a_format(int16):
    assert get_format(int16.name) is int16 and int16.name in QUANTIZE_OPTIONS
    unregister_format(int16.name)
    assert int16.name not in QUANTIZE_OPTIONS
    with pytest.raises(ValueError, match="Unknown storage format 'int16-test'"):
        get_format(int16.name)
    with pytest.raises(ValueError, match="'quantize' parameter"):
        SVDCompressedMLPClassifier(quantize=int16.name).fit([[0.0], [1.0]], [0, 1])
    register_format(int16)  # for the fixture to forget
    with pytest.raises(TypeError, match="StorageFormat instance"):
        register_format("int16")


@pytest.mark.parametrize("name", ["float64", "float32", "float16", "int8"])
def test_the_shipped_formats_own_their_c_and_bytes(name, rng):
    format = get_format(name)
    matrix = rng.normal(size=(5, 3))
    values, scales = format.store(matrix)
    assert format.shape(values, scales) == (5, 3)
    assert len(format.c_values(values)) == 15
    assert format.n_bytes(values, scales) == values.nbytes + (
        0 if scales is None else scales.nbytes
    )
    restored = format.as_float(values, scales) * (1 if scales is None else scales)
    tolerance = {"float64": 0, "float32": 1e-7, "float16": 1e-3, "int8": 0.02}[name]
    np.testing.assert_allclose(restored, matrix, atol=tolerance * 3)
    assert format.quantizable == (name != "float64")
