"""export_c of an integer-only model, compiled for this machine: the same integers."""

import ctypes
import shutil
import subprocess
import warnings

import numpy as np
import pytest
from _helpers import STRICT_C, compiled
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    c_runtime_dir,
    export_c,
)

COMPILER = shutil.which("cc")
pytestmark = pytest.mark.skipif(COMPILER is None, reason="no C compiler (cc) found")
INT8, FLOAT = ctypes.POINTER(ctypes.c_int8), ctypes.POINTER(ctypes.c_float)


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def each_row(X, dtype, call):
    return [
        call(
            np.ascontiguousarray(row, dtype=dtype).ctypes.data_as(
                INT8 if dtype == np.int8 else FLOAT
            )
        )
        for row in X
    ]


@pytest.mark.parametrize("quantize", ["int8", "int4"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_multiclass(tmp_path, activation, method, quantize):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X / 16, y, random_state=0)
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier(
                (32, 16), activation=activation, max_iter=300, random_state=0
            ),
            method=method,
            rank=[8, 8, None] if method == "svd" else 8,
            quantize=quantize,
            integer_only=True,
        ),
        X_train,
        y_train,
    )
    bits = {"int8": 8, "int4": 4}[quantize]
    steps = [step for layer in model.layers_ for step in layer.steps]
    assert {step.bits for step in steps} == {bits}
    # int4 weights are stored two to a byte (each run of the first step's
    # inputs from a byte), and counted so.
    assert sum(step.stored_weights.nbytes for step in steps) <= sum(
        step.weights.size * bits // 8 + 4 * step.n_out for step in steps
    )
    source = export_c(model)
    assert "#define SVDMLP_INPUT_ZERO_POINT" in source
    c = compiled(source, tmp_path)
    network = model.network_
    # The input quantized as in Python, to the bit.
    xq = (ctypes.c_int8 * 64)()
    quantized = each_row(
        X_test, np.float32, lambda x: (c.svdmlp_quantize_input(x, xq), list(xq))[1]
    )
    Q = network.quantize_input(X_test)
    np.testing.assert_array_equal(quantized, Q)
    # NaN (which predict refuses) quantizes to the zero point, as in Python.
    row = X_test[:1].copy()
    row[0, 9] = np.nan
    (quantized,) = each_row(
        row, np.float32, lambda x: (c.svdmlp_quantize_input(x, xq), list(xq))[1]
    )
    assert quantized[9] == network.input_zero_point == network.quantize_input(row)[0, 9]
    # The integer entry point decides on the same logits.
    c.svdmlp_predict_int8.restype = ctypes.c_int
    labels = each_row(Q, np.int8, c.svdmlp_predict_int8)
    logits = network.integer_outputs(Q)
    np.testing.assert_array_equal(labels, logits.argmax(axis=1))
    # And the float ones are predict and predict_proba.
    c.svdmlp_predict.restype = ctypes.c_int
    labels = each_row(X_test, np.float32, c.svdmlp_predict)
    np.testing.assert_array_equal(model.classes_[labels], model.predict(X_test))
    proba = (ctypes.c_float * 10)()
    rows = each_row(
        X_test, np.float32, lambda x: (c.svdmlp_predict_proba(x, proba), list(proba))[1]
    )
    np.testing.assert_allclose(rows, model.predict_proba(X_test), atol=1e-6)


def test_binary_after_a_standard_scaler(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=0)
    pipeline = fitted(
        make_pipeline(
            StandardScaler(),
            SVDCompressedMLPClassifier(
                MLPClassifier((16,), max_iter=300, random_state=0),
                rank=3,
                quantize="int8",
                integer_only=True,
            ),
        ),
        X_train,
        y_train,
    )
    c = compiled(export_c(pipeline, name="cancer"), tmp_path)
    # The scaler is folded into the input's quantization: in float32, it
    # may round a value one step otherwise than Python's float64 scaler.
    xq = (ctypes.c_int8 * 30)()
    quantized = np.array(
        each_row(
            X_test, np.float32, lambda x: (c.cancer_quantize_input(x, xq), list(xq))[1]
        )
    )
    network = pipeline[-1].network_
    expected = network.quantize_input(pipeline[0].transform(X_test))
    assert np.abs(quantized - expected.astype(int)).max() <= 1
    assert np.mean(quantized == expected) > 0.999
    c.cancer_predict.restype = ctypes.c_int
    labels = each_row(X_test, np.float32, c.cancer_predict)
    np.testing.assert_array_equal(labels, pipeline.predict(X_test))
    c.cancer_predict_int8.restype = ctypes.c_int
    labels = each_row(expected, np.int8, c.cancer_predict_int8)
    np.testing.assert_array_equal(labels, network.integer_outputs(expected)[:, 0] > 0)


def test_multilabel(tmp_path):
    X, Y = make_multilabel_classification(n_samples=300, n_classes=4, random_state=0)
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((24,), max_iter=300, random_state=0),
            method="truncated",
            rank=6,
            quantize="int8",
            integer_only=True,
        ),
        X,
        Y,
    )
    c = compiled(export_c(model), tmp_path)
    labels = (ctypes.c_int * 4)()
    for function, dtype, rows in [
        (c.svdmlp_predict_labels, np.float32, X),
        (c.svdmlp_predict_labels_int8, np.int8, model.network_.quantize_input(X)),
    ]:
        printed = each_row(
            rows, dtype, lambda x, f=function: (f(x, labels), list(labels))[1]
        )
        np.testing.assert_array_equal(printed, model.predict(X))


def test_regression(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    Y = np.column_stack([y, -y]) / y.std()
    model = fitted(
        SVDCompressedMLPRegressor(
            MLPRegressor(hidden_layer_sizes=(24,), max_iter=300, random_state=0),
            rank=4,
            quantize="int8",
            integer_only=True,
        ),
        X,
        Y,
    )
    c = compiled(export_c(model), tmp_path)
    values = (ctypes.c_int16 * 2)()
    Q = model.network_.quantize_input(X)
    printed = each_row(
        Q, np.int8, lambda x: (c.svdmlp_predict_int8(x, values), list(values))[1]
    )
    np.testing.assert_array_equal(printed, model.network_.integer_outputs(Q))
    y_out = (ctypes.c_float * 2)()
    predicted = each_row(
        X, np.float32, lambda x: (c.svdmlp_predict(x, y_out), list(y_out))[1]
    )
    np.testing.assert_array_equal(np.float32(predicted), model.predict(X))


def test_the_integer_entry_point_keeps_a_small_stack(tmp_path):
    """784 inputs, 100 and 50 hidden units: bytes of the widest, not floats of 784."""
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 784)), np.arange(60) % 10
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((100, 50), max_iter=5, random_state=0),
            rank=[20, 10, None],
            quantize="int8",
            integer_only=True,
        ),
        X,
        y,
    )
    source = export_c(model)
    assert "int8_t work[SVDMLP_INT8_WORK_BYTES(100, 0)]" in source
    assert "RAM: 220 bytes of stack for svdmlp_predict_int8" in source
    (tmp_path / "model.c").write_text(source)
    subprocess.run(
        [COMPILER, *STRICT_C, "-O2", "-fstack-usage", f"-I{c_runtime_dir()}"]
        + ["-c", "model.c", "-o", "model.o"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    frames = {
        line.split("\t")[0].split(":")[-1]: int(line.split("\t")[1])
        for line in (tmp_path / "model.su").read_text().splitlines()
    }
    # Work buffers (2 x 100 bytes) and the logits (10 x 2), in one frame.
    assert 220 <= frames["svdmlp_predict_int8"] <= 220 + 64
    # The float entry point quantizes 32 inputs at a time into a small buffer
    # (its frames: 448 bytes on x86-64): none as wide as the 784 inputs.
    float_entry = frames["svdmlp_predict"] + frames.get("svdmlp_read_logits", 0)
    assert float_entry < 784


@pytest.mark.parametrize("quantize", ["int8", "int4"])
def test_every_input_constant(tmp_path, quantize):
    """Nothing to read: the first step's arrays are empty, and C has none."""
    X, y = np.ones((40, 5)), np.arange(40) % 2
    model = fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((4,), max_iter=20, random_state=0),
            rank=None,
            quantize=quantize,
            integer_only=True,
        ),
        X,
        y,
    )
    assert model.layers_[0].steps[0].weights.shape == (4, 0)
    c = compiled(export_c(model), tmp_path)
    c.svdmlp_predict.restype = ctypes.c_int
    labels = each_row(X[:3] * 7, np.float32, c.svdmlp_predict)
    np.testing.assert_array_equal(model.classes_[labels], model.predict(X[:3] * 7))


def test_the_32_bit_high_word_is_exact(tmp_path):
    """ARMv6-M's requantization multiplies in 32 bits only: floor(a m / 2^32), exactly.

    The runtime's ``svdmlp_high_word`` as the Cortex-M0+ compiles it
    (``SVDMLP_HIGH_WORD_32``), over the edges of each 16-bit half of both
    operands and random values, against Python's integers.
    """
    (tmp_path / "high.c").write_text(
        '#include "svdmlp.c"\n'
        "int32_t high_word(int32_t a, int32_t m);\n"
        "int32_t high_word(int32_t a, int32_t m)\n"
        "{\n    return svdmlp_high_word(a, m);\n}\n"
    )
    subprocess.run(
        [COMPILER, *STRICT_C, "-O2", "-DSVDMLP_HIGH_WORD_32", f"-I{c_runtime_dir()}"]
        + ["-shared", "-fPIC", "high.c", "-o", "libhigh.so", "-lm"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    high_word = ctypes.CDLL(str(tmp_path / "libhigh.so")).high_word
    high_word.restype = ctypes.c_int32
    high_word.argtypes = [ctypes.c_int32, ctypes.c_int32]
    rng = np.random.default_rng(0)
    halves = [-(2**15), -(2**15) + 1, -1, 0, 1, 2**15 - 1]
    lows = [0, 1, 2**15, 2**16 - 1]
    edges = [high * 2**16 + low for high in halves for low in lows]
    accumulators = edges + rng.integers(-(2**31), 2**31, 300).tolist()
    multipliers = [m for m in edges if m >= 0] + [2**30, 2**31 - 1]
    multipliers += rng.integers(2**30, 2**31, 30).tolist()
    for a in accumulators:
        for m in multipliers:
            assert high_word(a, m) == (a * m) >> 32, (a, m)


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("shape", [(1, 1), (4, 1), (5, 3), (8, 7), (3, 9), (7, 8)])
def test_the_kernel_layout_holds_every_weight_once(bits, shape):
    """Blocks of four rows (0 and 2 offset) and plain rest rows: the weights back."""
    from sklearn_svdmlp._export._int8_layout import block_words, rest_rows

    rng = np.random.default_rng(0)
    largest = 127 if bits == 8 else 7
    weights = rng.integers(-largest - (bits == 8), largest + 1, shape).astype(np.int8)
    n_out, n_in = shape
    words = block_words(weights, bits).astype(np.int64)
    n_blocks = n_out // 4
    if bits == 8:
        per_block = n_in
        nibble = [[8 * row] for row in range(4)]
        width, offset = 8, 128
    else:
        per_block = (n_in + 1) // 2
        nibble = [[0, 8], [12, 20], [16, 24], [28, 4]]
        width, offset = 4, 8
    assert len(words) == n_blocks * per_block
    mask, sign = (1 << width) - 1, 1 << (width - 1)
    for block in range(n_blocks):
        in_block = words[block * per_block : (block + 1) * per_block]
        for row in range(4):
            values = []
            for i in range(n_in):
                word = in_block[i if bits == 8 else i // 2]
                raw = (word >> nibble[row][0 if bits == 8 else i % 2]) & mask
                value = raw - offset if row % 2 == 0 else (raw ^ sign) - sign
                values.append(value)
            np.testing.assert_array_equal(values, weights[4 * block + row])
    rest = rest_rows(weights, bits)
    expected = weights[4 * n_blocks :]
    if bits == 8:
        np.testing.assert_array_equal(rest.reshape(expected.shape), expected)
    else:
        assert rest.size == len(expected) * (4 * (n_in // 8) + (n_in % 8 + 1) // 2)
