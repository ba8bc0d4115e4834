"""The header's figures are true of the firmware the device harness builds.

Each model is run with :func:`sklearn_svdmlp.device.emulate`, which builds
the folder ``export_c(..., folder=)`` writes and reports the header's
figures beside what it measured, on the Cortex-M0+, M3 and M4F, for float
and integer-only models, classifiers and regressors, with and without a
scaler:

- ``<NAME>_FLASH_BYTES`` is within 3% of the model's constant data as
  linked (``flash_parts["model data"]``, from the linker's map);
- ``<NAME>_STACK_BYTES`` holds what a prediction paints on each core, and is
  no more than 1.5 times the largest of those (+64 bytes);
- the runtime's frames are those kept in ``stack_frames.json``: when the
  runtime changes, regenerate it
  (``python -m sklearn_svdmlp.device._stack_frames``).

Without the tools these tests skip; CI (``SVDMLP_REQUIRE_MCU=1``) has them.
"""

import functools
import os
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor
from sklearn_svdmlp._export._c_stack import stack_data
from sklearn_svdmlp.device import emulate, missing_tools
from sklearn_svdmlp.device._stack_frames import (
    LEVELS,
    MEASURED_CORES,
    REGENERATE,
    runtime_frames,
)
from sklearn_svdmlp.device._toolchain import PACKAGES

MISSING = missing_tools()
pytestmark = pytest.mark.skipif(
    bool(MISSING) and os.environ.get("SVDMLP_REQUIRE_MCU") != "1",
    reason=f"no {', '.join(MISSING)}: apt-get install {PACKAGES}",
)


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), X[:3]


@pytest.mark.parametrize(
    ("kind", "integer", "scaler", "size"),
    [
        (kind, integer, scaler, "small")
        for kind in ("multiclass", "regression")
        for integer in (False, True)
        for scaler in (False, True)
    ]
    + [("multiclass", integer, False, "benchmark") for integer in (False, True)],
)
def test_the_headers_figures_hold_on_every_core(kind, integer, scaler, size):
    """Stated flash against linked, stated stack against painted, per core.

    The float entry point is the one painted: the deepest public function
    (an integer-only model's quantizes its input 32 values at a time into
    the first step's int32 sums).
    """
    estimator, X = _model(kind, integer, scaler, size)
    painted = {}
    for core in MEASURED_CORES:
        report = emulate(estimator, X, core, entry="float", n_counted=0)
        assert report.agree
        linked = report.flash_parts["model data"]
        stated = report.stated_flash_bytes
        assert abs(stated - linked) <= 0.03 * linked, (core, stated, linked)
        painted[core] = report.stack_bytes
        assert 0 < painted[core] <= report.stated_stack_bytes, (core, report)
    stated = report.stated_stack_bytes
    print(
        f"{kind} {size} integer={integer} scaler={scaler}: flash {linked} "
        f"(stated {report.stated_flash_bytes}), stack {stated} vs {painted}"
    )
    assert stated <= 1.5 * max(painted.values()) + 64, (stated, painted)


@pytest.mark.parametrize("core", MEASURED_CORES)
@pytest.mark.parametrize("level", LEVELS)
def test_the_runtime_frames_are_the_kept_ones(core, level, tmp_path):
    kept = stack_data()["runtime"][core][level]
    assert runtime_frames(core, level, tmp_path) == kept, (
        f"The runtime's stack frames changed: run {REGENERATE}"
    )
    assert stack_data()["regenerate"] == REGENERATE
