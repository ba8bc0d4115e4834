"""``sklearn_svdmlp.device.emulate``: a model checked on every emulated core.

Skipped without the cross-compiler and QEMU, except where CI requires them
(``SVDMLP_REQUIRE_MCU=1``, as ``tests/test_mcu.py``); the errors for a bad
core and for missing tools are tested everywhere.
"""

import functools
import importlib.util
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor
from sklearn_svdmlp.device import (
    CORES,
    DeviceReport,
    MissingToolsError,
    emulate,
    missing_tools,
)

tools = pytest.mark.skipif(
    bool(missing_tools()) and os.environ.get("SVDMLP_REQUIRE_MCU") != "1",
    reason="no cross-compiler or QEMU",
)
DEPLOYING = Path(__file__).parents[1] / "docs" / "deploying.rst"
SOFT_FLOAT_CORES = [core for core, spec in CORES.items() if not spec.has_fpu]


@functools.cache
def _model(kind, integer_only, scaler=False):
    """A small model of ``kind``, fitted on unscaled data if ``scaler``."""
    if kind == "classifier":
        X, y = load_iris(return_X_y=True)
        network = MLPClassifier((16,), max_iter=500, random_state=0)
        model = SVDCompressedMLPClassifier(network, rank=2)
    else:
        X, y = load_diabetes(return_X_y=True)
        network = MLPRegressor(hidden_layer_sizes=(16,), max_iter=500, random_state=0)
        model = SVDCompressedMLPRegressor(network, rank=2)
    model.set_params(quantize="int8", integer_only=integer_only, random_state=0)
    if scaler:
        X = X * 10 + 3
        model = make_pipeline(StandardScaler(), model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model, X[::15]


@tools
@pytest.mark.parametrize("integer_only", [True, False], ids=["integer", "float"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("core", CORES)
def test_emulate_agrees_with_predict_on_every_core(core, kind, integer_only):
    model, X = _model(kind, integer_only)
    report = emulate(model, X, core, n_counted=1)
    assert isinstance(report, DeviceReport)
    assert report.agree
    assert (report.core, report.board) == (core, CORES[core].board)
    assert report.entry == ("int8" if integer_only else "float")
    expected = model.predict(X.astype(np.float32).astype(np.float64))
    if kind == "classifier" or integer_only:
        # Labels, or an integer regressor's int16 values times their scales.
        np.testing.assert_array_equal(report.predictions, expected)
    else:
        np.testing.assert_allclose(report.predictions, expected, rtol=1e-4)
    assert report.instructions > 0 and report.stack_bytes > 0
    assert sum(report.flash_parts.values()) == report.flash_bytes
    assert report.flash_parts["model data"] > 0 and report.flash_parts["runtime"] > 0
    if integer_only:
        assert report.floating_point == []
    elif core in SOFT_FLOAT_CORES:
        # Software floating point comes from the C library.
        assert report.flash_parts["library"] > 0
        assert any(name.startswith("__aeabi_f") for name in report.floating_point)
    else:
        assert "vmul" in report.floating_point or "vmla" in report.floating_point


@tools
@pytest.mark.parametrize("entry", ["auto", "float"])
@pytest.mark.parametrize("integer_only", [True, False], ids=["integer", "float"])
def test_a_pipeline_with_its_scaler(integer_only, entry):
    """The raw rows go in: quantized in Python through the scaler, or on the device."""
    model, X = _model("classifier", integer_only, scaler=True)
    report = emulate(model, X, "cortex-m3", entry=entry, n_counted=0)
    assert report.agree
    assert report.instructions is None
    assert report.entry == ("int8" if integer_only and entry == "auto" else "float")
    np.testing.assert_array_equal(report.predictions, model.predict(X))


@functools.cache
def _kept_model(integer_only):
    """A digits model after a scaler reading 30 of its 64 inputs."""
    X, y = load_digits(return_X_y=True)
    model = make_pipeline(
        StandardScaler(),
        SVDCompressedMLPClassifier(
            MLPClassifier((32,), max_iter=200, random_state=0),
            rank=[12, None],
            keep_inputs=30,
            quantize="int8",
            integer_only=integer_only,
            random_state=0,
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), X[::90]


@tools
@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m4f"])
@pytest.mark.parametrize("integer_only", [True, False], ids=["integer", "float"])
def test_the_kept_entry_points_on_the_device(core, integer_only):
    """``_predict_kept`` (``_int8_kept``) on the kept inputs alone: predict's labels.

    Within the header's stack bound, and an integer-only model's without
    floating point.
    """
    model, X = _kept_model(integer_only)
    report = emulate(model, X, core, kept=True, n_counted=0)
    assert report.agree
    np.testing.assert_array_equal(report.predictions, model.predict(X))
    assert report.stack_bytes <= report.stated_stack_bytes
    if integer_only:
        assert report.floating_point == []


@tools
def test_the_report_reads_and_the_input_is_not_modified():
    model, X = _model("classifier", True)
    X = X.copy()
    before = X.copy()
    report = emulate(model, X, "cortex-m0plus", optimize="-Os", n_counted=2)
    np.testing.assert_array_equal(X, before)
    text = str(report)
    assert "cortex-m0plus (microbit, -Os, int8 entry)" in text
    assert "agree with predict" in text and f"{report.flash_bytes:,}" in text


def _wide_float_model(n_features, width):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, n_features)), np.arange(40) % 2
    model = SVDCompressedMLPClassifier(
        MLPClassifier((width,), max_iter=1, random_state=0),
        rank=None,
        quantize="float32",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), X[:2]


@tools
def test_a_model_too_big_for_the_micro_bit_is_refused():
    """80,000 float32 weights (320 KB) do not fit its 256 KB of flash."""
    model, X = _wide_float_model(1000, 80)
    with pytest.raises(ValueError, match=r"does not fit the microbit.*FLASH"):
        emulate(model, X, "cortex-m0plus", n_counted=0)


@tools
def test_more_stack_than_the_micro_bit_has_faults_clearly():
    """Two float buffers of 3,000 units (24 KB) overflow its 16 KB of RAM."""
    model, X = _wide_float_model(10, 3000)
    with pytest.raises(RuntimeError, match="faulted .*more stack than"):
        emulate(model, X, "cortex-m0plus", n_counted=0)


def test_bad_parameters_name_the_choices():
    model, X = _model("classifier", False)
    with pytest.raises(ValueError, match="core must be one of cortex-m0plus, "):
        emulate(model, X, "cortex-a53")
    with pytest.raises(ValueError, match="optimize must be one of -O0"):
        emulate(model, X, optimize="-Ofast")
    # Only an integer-only model has an int8 entry point.
    with pytest.raises(ValueError, match="entry must be one of 'auto', 'float' "):
        emulate(model, X, entry="int8")
    with pytest.raises(ValueError, match="n_counted must be an int >= 0"):
        emulate(model, X, n_counted=-1)
    with pytest.raises(ValueError, match="kept=True calls the _kept entry points"):
        emulate(model, X, kept=True)


def test_missing_tools_name_the_debian_packages(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "qemu-system-arm" in missing_tools()
    model, X = _model("classifier", True)
    with pytest.raises(MissingToolsError) as error:
        emulate(model, X)
    assert isinstance(error.value, RuntimeError)
    assert "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm" in str(
        error.value
    )


def _runtime_size():
    """``benchmarks/runtime_size.py``, the one measurement of the runtime's cost."""
    path = Path(__file__).parents[1] / "benchmarks" / "runtime_size.py"
    spec = importlib.util.spec_from_file_location("runtime_size", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _documented_cost():
    """The table and the data sizes of docs/deploying.rst's runtime section."""
    text = DEPLOYING.read_text().split("The runtime's cost per core\n")[1]
    rows = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] in ("float", "integer-only") and len(cells) == 7:
            numbers = tuple(int(cell.replace(",", "")) for cell in cells[3:])
            rows[cells[0], cells[1], cells[2]] = numbers
    data = re.search(
        r"([\d,]+) bytes of data in float\s+arithmetic, ([\d,]+) integer-only", text
    )
    sizes = {"float": data[1], "integer-only": data[2]}
    return rows, {label: int(size.replace(",", "")) for label, size in sizes.items()}


@tools
def test_the_runtime_cost_per_core_is_the_documented_one():
    """benchmarks/runtime_size.py's parts, consistent, and as docs/deploying.rst says.

    The documented figures within 10% (or 64 bytes) of the measured ones.
    """
    runtime_size = _runtime_size()
    reports = runtime_size.measure()
    parts = {key: report.flash_parts for key, report in reports.items()}
    documented, data = _documented_cost()
    measured = runtime_size.table(reports)
    assert set(documented) == set(measured)
    for key, figures in measured.items():
        for stated, value in zip(documented[key], figures, strict=True):
            assert abs(stated - value) <= max(0.1 * value, 64), (key, measured)
    for (label, core, _), part in parts.items():
        # The model's arrays are the same bytes everywhere; the code is not.
        assert part["model data"] == data[label]
        assert part["runtime"] > 0 and part["model code"] > 0
        assert part["runtime"] <= parts[label, core, "-O2"]["runtime"]
    for label, integer_only in [("float", False), ("integer-only", True)]:
        soft_float = parts[label, "cortex-m3", "-O2"]["library"]
        with_fpu = parts[label, "cortex-m4f", "-O2"]["library"]
        if integer_only:
            # No floating point: at most memcpy (the kernels' unaligned word
            # reads) and libgcc's integer helpers, a few hundred bytes.
            assert 0 <= soft_float < 512 and 0 <= with_fpu < 512
            assert all(
                report.floating_point == []
                for (model, _, _), report in reports.items()
                if model == label
            )
        else:
            # Floating point in software costs kilobytes of library code.
            assert soft_float > with_fpu + 1000
            assert parts[label, "cortex-m0plus", "-O2"]["library"] > soft_float
