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
from pathlib import Path

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


def _symbol_sizes(elf):
    listing = subprocess.run(
        ["arm-none-eabi-nm", "-S", str(elf)], check=True, capture_output=True, text=True
    ).stdout
    return {
        line.split()[3]: int(line.split()[1], 16)
        for line in listing.splitlines()
        if len(line.split()) == 4
    }


def _linked(model, integer, core, tmp_path):
    """Bytes of the runtime's code and of the C library's routines a model links."""
    rows = model.network_.quantize_input(_X_BENCHMARK) if integer else _X_BENCHMARK
    main = harness("svdmlp", rows, "label")
    c_type, suffix = ("int8_t", "_int8") if integer else ("float", "")
    stub = (
        f"#include <stdint.h>\nint svdmlp_predict{suffix}(const {c_type} *x);\n"
        f"int svdmlp_predict{suffix}(const {c_type} *x)\n{{ (void)x; return 0; }}\n"
    )
    base = set(_symbol_sizes(build(tmp_path, stub, main, core)))
    added = {
        name: size
        for name, size in _symbol_sizes(
            build(tmp_path, export_c(model), main, core)
        ).items()
        if name not in base and not re.match(r"svdmlp_(\d+|steps|network)$", name)
    }
    public = ("svdmlp_predict", "svdmlp_outputs", "svdmlp_logits", "svdmlp_quantize")
    runtime = sum(
        size
        for name, size in added.items()
        if name.startswith("svdmlp_") and not name.startswith(public)
    )
    library = sum(size for name, size in added.items() if "svdmlp_" not in name)
    return runtime, library


_X_BENCHMARK = np.random.default_rng(1).random((2, 784)).astype(np.float32)
_GUIDE = Path(__file__).parents[1] / "docs" / "user_guide.rst"
_CORE_NAMES = {"Cortex-M0+": "cortex-m0plus", "Cortex-M3": "cortex-m3"}
_CORE_NAMES["Cortex-M4F"] = "cortex-m4f"


def _documented():
    """The runtime's linked sizes as the user guide's table states them."""
    text = _GUIDE.read_text()
    table = text.split(".. runtime linked sizes")[1].split("\n\n")[1]
    rows = {}
    for line in table.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] in _CORE_NAMES:
            numbers = [int(cell.replace(",", "")) for cell in cells[1:]]
            rows[_CORE_NAMES[cells[0]]] = numbers
    return rows


def test_the_user_guide_states_the_runtimes_linked_size(tmp_path):
    """Runtime code and C library routines, float and integer-only, per core.

    The benchmark network's model (784-21-100-33-50-10) called through
    ``svdmlp_predict`` (float) and ``svdmlp_predict_int8`` (integer-only),
    at -O2; the user guide's figures within 10% (or 64 bytes).
    """
    documented = _documented()
    assert set(documented) == set(CORES)
    measured = {}
    for core in CORES:
        measured[core] = [
            *_linked(
                _model("multiclass", False, False, "benchmark")[0],
                False,
                core,
                tmp_path,
            ),
            *_linked(
                _model("multiclass", True, False, "benchmark")[0], True, core, tmp_path
            ),
        ]
    print(measured)
    for core, numbers in measured.items():
        for stated, value in zip(documented[core], numbers, strict=True):
            assert abs(stated - value) <= max(0.1 * value, 64), (core, measured)
