"""The exported C on emulated Cortex-M cores: what predict says.

Each model goes through :func:`sklearn_svdmlp.device.emulate`: its firmware
is cross-compiled with ``arm-none-eabi-gcc``, runs bare-metal on QEMU's
boards and prints its predictions for held-out rows over semihosting.
Without the tools these tests skip, naming the Debian packages; CI sets
``SVDMLP_REQUIRE_MCU=1`` (``.ci/run``), so that there they fail instead.
"""

import functools
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor
from sklearn_svdmlp.device import emulate, missing_tools
from sklearn_svdmlp.device._toolchain import PACKAGES

# Every model on the cores of issue 27; tests/test_device.py runs a few on
# each of CORES.
MAIN_CORES = ["cortex-m0plus", "cortex-m3", "cortex-m4f"]
MISSING = missing_tools()
REQUIRED = os.environ.get("SVDMLP_REQUIRE_MCU") == "1"
pytestmark = pytest.mark.skipif(
    bool(MISSING) and not REQUIRED,
    reason=f"no {', '.join(MISSING)}: apt-get install {PACKAGES}",
)
N_ROWS = 60


def test_the_tools_are_here():
    """Where the emulated cores are required (CI), their absence fails."""
    assert not MISSING, f"missing {MISSING}: apt-get install {PACKAGES}"


def _fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _data(kind):
    if kind == "multiclass":
        X, y = load_digits(return_X_y=True)
        X = X / 16
    elif kind == "binary":
        X, y = load_breast_cancer(return_X_y=True)
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    elif kind == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=300, n_classes=4, random_state=0
        )
    else:
        X, y = load_diabetes(return_X_y=True)
        y = np.column_stack([y, -y]) / y.std()
    return train_test_split(X, y, random_state=0)


@functools.cache
def _integer_model(kind, quantize="int8"):
    X_train, X_test, y_train, _ = _data(kind)
    if kind == "regression":
        network = MLPRegressor(hidden_layer_sizes=(96,), max_iter=300, random_state=0)
        model = SVDCompressedMLPRegressor(network, rank=[6, None])
    else:
        network = MLPClassifier((96, 48), max_iter=300, random_state=0)
        model = SVDCompressedMLPClassifier(network, rank=[6, 6, None])
    model.set_params(quantize=quantize, integer_only=True, random_state=0)
    return kind, _fitted(model, X_train, y_train), X_test[:N_ROWS]


# int4 on digits (whose blank pixels make runs, each packed from a byte) and
# on a regressor (no runs).
@pytest.fixture(
    params=[
        ("multiclass", "int8"),
        ("binary", "int8"),
        ("multilabel", "int8"),
        ("regression", "int8"),
        ("multiclass", "int4"),
        ("regression", "int4"),
    ],
    ids=lambda param: "-".join(param),
)
def integer_model(request):
    return _integer_model(*request.param)


@pytest.fixture(params=["multiclass", "binary"])
def integer_classifier(request):
    return _integer_model(request.param)


@pytest.mark.parametrize("core", MAIN_CORES)
def test_integer_only_firmware_predicts_what_predict_says(integer_model, core):
    kind, model, X = integer_model
    report = emulate(model, X, core, n_counted=0)
    assert report.entry == "int8"
    # Labels, 0/1 per label, or a regressor's int16 values times their scales.
    np.testing.assert_array_equal(report.predictions, model.predict(X))
    assert report.agree
    # Nothing of floating point is linked: no library routine, no FPU
    # instruction (the M4F, M7 and M33 have one).
    assert report.floating_point == []
    # One prediction's stack: two int8 buffers as wide as the widest layer (96;
    # the first holds the inputs the first step reads, 61 on digits), the
    # logits, and the frames of a few calls (the kernels of blocks of four
    # rows keep their sums in registers the calls save; 576 bytes in all at
    # most, int4 on the M0+): less than float buffers take.
    n_outputs = model.output_spec_.n_outputs
    assert report.stack_bytes <= 2 * 96 + 2 * n_outputs + 384 < 4 * 2 * 96


@pytest.mark.parametrize("core", MAIN_CORES)
def test_integer_only_float_entry_points_on_the_device(integer_classifier, core):
    """Float rows in: the firmware's quantize_input, then the integers."""
    _, model, X = integer_classifier
    X = X.astype(np.float32)
    report = emulate(model, X, core, entry="float", n_counted=0)
    np.testing.assert_array_equal(report.predictions, model.predict(X))
    assert report.agree and report.entry == "float"


@pytest.mark.parametrize("quantize", ["int8", "int4"])
@pytest.mark.parametrize("core", MAIN_CORES)
def test_float_firmware_predicts_what_predict_says(core, quantize):
    X_train, X_test, y_train, _ = _data("multiclass")
    model = _fitted(
        SVDCompressedMLPClassifier(
            MLPClassifier((24, 12), max_iter=300, random_state=0),
            rank=[6, 6, None],
            quantize=quantize,
        ),
        X_train,
        y_train,
    )
    X = X_test[:N_ROWS].astype(np.float32)
    report = emulate(model, X, core, n_counted=0)
    np.testing.assert_array_equal(report.predictions, model.predict(X))
    assert report.agree
    # The float path uses floating point (software on the M0+ and M3).
    assert report.floating_point


# Widths: a tail of 1 to 3 inputs after 0 to 3 quads (odd and even counts),
# 256 inputs (one chunk of the lanes), then 1 or 4 more, and two chunks more.
BLOCK_WIDTHS = [1, 2, 3, 4, 6, 8, 11, 12, 256, 257, 260, 603]


@pytest.mark.parametrize("core", MAIN_CORES)
def test_block_kernels_on_extreme_sums(core, tmp_path):
    """A block and three plain rows over each of BLOCK_WIDTHS inputs, at the
    largest products (-128 times -128) and at random: the raw sums of
    svdmlp_int8_sums8 on the device are numpy's."""
    from sklearn_svdmlp._export._int8_layout import block_cells, rest_rows
    from sklearn_svdmlp.device._cores import CORES
    from sklearn_svdmlp.device._firmware import Entry, run_firmware

    rng = np.random.default_rng(0)
    n_in = max(BLOCK_WIDTHS)
    weights = rng.integers(-128, 128, (7, n_in))
    weights[0] = weights[1] = -128
    weights[2], weights[3] = 127, -128
    weights = weights.astype(np.int8)
    runtime = Path(__file__).parents[1] / "sklearn_svdmlp" / "_export" / "runtime"
    lines, steps = ['#include "svdmlp.h"'], []
    for k, width in enumerate(BLOCK_WIDTHS):
        blocks = ", ".join(block_cells(weights[:, :width], 8))
        rest = ", ".join(str(int(v)) for v in rest_rows(weights[:, :width], 8))
        lines += [
            f"static const uint32_t blocks{k}[] = {{{blocks}}};",
            f"static const int8_t rest{k}[] = {{{rest}}};",
        ]
        steps.append(
            f"{{blocks{k}, rest{k}, 0, 0, 0, 0, 0, 0, {width}, 7, 0, 0, 0, "
            "svdmlp_int8_sums8}"
        )
    source = tmp_path / "kernel.c"
    source.write_text(
        "\n".join(lines)
        + f"\nstatic const svdmlp_int8_step steps[] = {{{', '.join(steps)}}};\n"
        "void kernel(const int8_t *x, int *y)\n{\n"
        "    uint32_t s[4];\n    int j, k, m, n, o = 0;\n"
        f"    for (m = 0; m < {len(steps)}; m++) {{\n"
        "        const int32_t in_sum = svdmlp_int8_sum(x, steps[m].n_in);\n"
        "        for (j = 0; j < 7; j += n) {\n"
        "            n = steps[m].sums(&steps[m], x, in_sum, j, s);\n"
        "            for (k = 0; k < n; k++) {\n"
        "                y[o++] = (int)s[k];\n            }\n        }\n    }\n}\n"
    )
    X = rng.integers(-128, 128, (4, n_in))
    X[0], X[1] = -128, 127
    entry = Entry(
        "void kernel(const int8_t *x, int *y);",
        "kernel(x, y)",
        row_type="int8_t",
        n_outputs=7 * len(BLOCK_WIDTHS),
    )
    run = run_firmware(
        [runtime / "svdmlp.c", source],
        X.astype(np.int8),
        entry,
        CORES[core],
        "-O2",
        tmp_path,
        include=(runtime,),
        n_counted=0,
    )
    weights = weights.astype(np.int64)
    expected = np.hstack([X[:, :n] @ weights[:, :n].T for n in BLOCK_WIDTHS])
    np.testing.assert_array_equal(run.outputs, expected)
    assert np.abs(expected).max() == 128 * 128 * n_in
