"""The header's figures are true of what arm-none-eabi-gcc builds.

- ``<NAME>_FLASH_BYTES`` is within 3% of the ``.rodata`` and ``.data`` the
  compiler makes of ``<name>.c``, on the Cortex-M0+, M3 and M4F, for float
  and integer-only models, classifiers and regressors, with and without a
  scaler;
- ``<NAME>_STACK_BYTES`` holds what a prediction paints on the emulated
  cores, and is no more than 1.5 times the largest of those (+64 bytes);
- the runtime's frames are those kept in ``stack_frames.json``: when the
  runtime changes, regenerate it (``python tests/firmware/stack_frames.py``).

Without the tools these tests skip; CI (``SVDMLP_REQUIRE_MCU=1``) has them.
"""

import functools
import os
import re
import subprocess
import warnings

import numpy as np
import pytest
from firmware import CORES, PACKAGES, build, harness, missing_tools, run
from firmware.stack_frames import runtime_frames
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    export_c,
)
from sklearn_svdmlp._export._c import c_model
from sklearn_svdmlp._export._c_stack import stack_bound, stack_bounds, stack_data

MISSING = missing_tools()
pytestmark = pytest.mark.skipif(
    bool(MISSING) and os.environ.get("SVDMLP_REQUIRE_MCU") != "1",
    reason=f"no {', '.join(MISSING)}: apt-get install {PACKAGES}",
)


def _fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@functools.cache
def _model(kind, integer, scaler, size="small"):
    """A model (in a pipeline with a scaler) and rows to predict."""
    if kind == "regression":
        X, y = load_diabetes(return_X_y=True)
        y = np.column_stack([y, -y]) / y.std()
        network = MLPRegressor(hidden_layer_sizes=(48,), max_iter=200, random_state=0)
        model = SVDCompressedMLPRegressor(network, rank=[8, None])
    elif size == "benchmark":  # 784-21-100-33-50-10, as benchmarks/mcu.py
        rng = np.random.default_rng(0)
        X, y = rng.random((200, 784)), np.arange(200) % 10
        network = MLPClassifier((100, 50), max_iter=5, random_state=0)
        model = SVDCompressedMLPClassifier(network, rank=[21, 33, None])
    else:
        X, y = load_digits(return_X_y=True)
        network = MLPClassifier((32,), max_iter=200, random_state=0)
        model = SVDCompressedMLPClassifier(network, rank=[12, None])
    model.set_params(quantize="int8", integer_only=integer, random_state=0)
    if scaler:
        model = make_pipeline(StandardScaler(), model)
    return _fitted(model, X, y), X[:3]


def _header_figure(estimator, macro, tmp_path):
    header = export_c(estimator, name="m", folder=tmp_path / "lib")["src/m.h"]
    return int(re.search(rf"#define M_{macro} (\d+)", header.read_text()).group(1))


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("scaler", [False, True], ids=["bare", "scaler"])
@pytest.mark.parametrize("integer", [False, True], ids=["float", "integer"])
@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_the_flash_figure_is_what_the_compiler_stores(
    kind, integer, scaler, core, tmp_path
):
    estimator, _ = _model(kind, integer, scaler)
    stated = _header_figure(estimator, "FLASH_BYTES", tmp_path)
    source = tmp_path / "lib" / "src" / "m.c"
    subprocess.run(
        ["arm-none-eabi-gcc", "-mthumb", *CORES[core][0], "-O2", "-std=c99"]
        + ["-fdata-sections", "-c", str(source), "-o", str(tmp_path / "m.o")],
        check=True,
    )
    sizes = subprocess.run(
        ["arm-none-eabi-size", "-A", str(tmp_path / "m.o")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stored = sum(
        int(line.split()[1])
        for line in sizes.splitlines()
        if re.match(r"\.(rodata|data)\b", line)
    )
    assert abs(stated - stored) <= 0.03 * stored, (stated, stored)


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("level", ["-O1", "-O2", "-O3", "-Os"])
def test_the_runtime_frames_are_the_kept_ones(core, level, tmp_path):
    kept = stack_data()["runtime"][core][level]
    assert runtime_frames(core, level, tmp_path) == kept, (
        "The runtime's stack frames changed: run python tests/firmware/stack_frames.py"
    )


def _painted(estimator, X, integer, core, tmp_path):
    """The stack a public function paints: the float entry point of a classifier
    (the deepest), an integer-only regressor's int8 one (the harness's)."""
    model = estimator[-1] if hasattr(estimator, "steps") else estimator
    kind = model.output_spec_.kind
    if kind == "regression" and integer:
        rows = model.network_.quantize_input(X)
        entry, function, n = "values", "predict_int8", model.output_spec_.n_outputs
    else:
        rows, entry, function, n = X.astype(np.float32), "label", "predict", 1
    main = harness("svdmlp", rows, entry, n, paint=True)
    output = run(build(tmp_path, export_c(estimator), main, core), core)
    (stack,) = [int(line.split()[1]) for line in output.splitlines() if "stack" in line]
    return function, stack


@pytest.mark.parametrize(
    ("kind", "integer", "size"),
    [
        ("multiclass", True, "benchmark"),
        ("multiclass", False, "benchmark"),
        ("multiclass", True, "small"),
        ("multiclass", False, "small"),
        ("regression", True, "small"),
    ],
)
def test_the_stack_figure_holds_what_is_painted(kind, integer, size, tmp_path):
    estimator, X = _model(kind, integer, False, size)
    stated = _header_figure(estimator, "STACK_BYTES", tmp_path)
    c = c_model(estimator, "svdmlp")
    assert stack_bound(c) == stated
    painted = {}
    for core in CORES:
        function, painted[core] = _painted(estimator, X, integer, core, tmp_path)
        bounds = stack_bounds(
            integer,
            kind,
            c.program.widest,
            estimator.n_features_in_,
            c.spec.n_outputs,
        )
        assert painted[core] <= bounds[function] <= stated
    print(f"{kind} {size} integer={integer}: stated {stated}, painted {painted}")
    assert stated <= 1.5 * max(painted.values()) + 64
