"""``emulate``: a model's exported C run on an emulated core, against ``predict``."""

import re
import tempfile
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_array

from .._estimators import compressed_step, reads_kept_inputs, steps_before
from .._export import export_c
from .._network import IntegerNetwork
from ._cores import core_named
from ._firmware import Entry, run_firmware
from ._toolchain import OPTIMIZATIONS, flash_and_ram, require_tools

# How close a regressor's outputs on the device must be to predict's: the
# device computes in float32 where Python may compute in float64.
RELATIVE_TOLERANCE = 1e-4
_NAME = "model"


@dataclass
class DeviceReport:
    """What :func:`emulate` measured of one model on one emulated core.

    Attributes
    ----------
    core : str
        The core, as passed to :func:`emulate`.
    board : str
        The QEMU board it ran on.
    optimize : str
        The compiler's optimization flag.
    entry : {"int8", "float"}
        The entry point called: the integer one on input quantized in Python
        (``int8``), or the float one on the rows as float32.
    predictions : ndarray
        What the device computed for each row of ``X``: labels (of
        ``classes_``) for a classifier, 0/1 per label for multilabel
        targets, values for a regressor (an integer-only regressor's int16
        outputs times their scales).
    agree : bool
        Whether ``predictions`` equal ``predict`` of the rows as the device
        read them (float32): labels identical; a regressor's outputs within
        ``1e-4`` times the largest absolute value ``predict`` gives for that
        output.
    instructions : float or None
        Instructions executed per prediction: the mean over the first
        ``n_counted`` rows, counted by single-stepping QEMU between two calls
        around the prediction (the call itself included). ``None`` when
        ``n_counted=0``.
    stack_bytes : int
        The stack one prediction (the first row's) wrote, by painting.
    flash_bytes : int
        Flash the model and the runtime take as linked (``--gc-sections``:
        only what is called), without the harness: the sum of
        ``flash_parts``.
    flash_parts : dict of str to int
        ``flash_bytes`` by part, read from the linker's map: ``"model
        data"`` (the model file's arrays and step table), ``"model code"``
        (its functions), ``"runtime"`` (``svdmlp.c``'s kernels), and
        ``"library"``: the C library's and libgcc's routines they bring in
        that the harness does not use (software floating point on a core
        without an FPU, ``expf``...).
    ram_bytes : int
        Static RAM (``.data`` and ``.bss``) of the same parts; the stack is
        ``stack_bytes``.
    stated_flash_bytes : int
        ``<NAME>_FLASH_BYTES`` of the header the firmware was built with: the
        model's constant data as written, within 3% of ``flash_parts["model
        data"]``.
    stated_stack_bytes : int
        ``<NAME>_STACK_BYTES`` of the same header: a bound of the stack of
        every public function, at or above ``stack_bytes``.
    floating_point : list of str
        Floating-point library routines and FPU instructions in the
        firmware: empty for an integer-only model's ``int8`` entry.
    """

    core: str
    board: str
    optimize: str
    entry: str
    predictions: np.ndarray = field(repr=False)
    agree: bool
    instructions: float | None
    stack_bytes: int
    flash_bytes: int
    ram_bytes: int
    stated_flash_bytes: int
    stated_stack_bytes: int
    flash_parts: dict = field(default_factory=dict)
    floating_point: list = field(default_factory=list, repr=False)

    def __str__(self):
        count = "-" if self.instructions is None else f"{self.instructions:,.0f}"
        return (
            f"{self.core} ({self.board}, {self.optimize}, {self.entry} entry): "
            f"{len(self.predictions)} rows, "
            f"{'agree with' if self.agree else 'DIFFER from'} predict\n"
            f"  flash {self.flash_bytes:,} bytes, RAM {self.ram_bytes:,} bytes, "
            f"stack {self.stack_bytes:,} bytes, {count} instructions per prediction\n"
            f"  the header states flash {self.stated_flash_bytes:,} bytes of model "
            f"data (linked: {self.flash_parts['model data']:,}), "
            f"stack {self.stated_stack_bytes:,} bytes at most"
        )


def _entry(model, integer, kept):
    """How the harness calls the model, and how to read what it printed."""
    spec = model.output_spec_
    suffix = ("_int8" if integer else "") + ("_kept" if kept else "")
    row = "const int8_t *x" if integer else "const float *x"
    n = spec.n_outputs
    if spec.kind == "regression":
        output = "int16_t" if integer else "float"
        return Entry(
            f"void {_NAME}_predict{suffix}({row}, {output} *y);",
            f"{_NAME}_predict{suffix}(x, y)",
            "int8_t" if integer else "float",
            output,
            n,
        )
    if spec.kind == "multilabel":
        return Entry(
            f"void {_NAME}_predict_labels{suffix}({row}, int *labels);",
            f"{_NAME}_predict_labels{suffix}(x, y)",
            "int8_t" if integer else "float",
            "int",
            n,
        )
    return Entry(
        f"int {_NAME}_predict{suffix}({row});",
        f"y[0] = {_NAME}_predict{suffix}(x)",
        "int8_t" if integer else "float",
    )


def _transformed(estimator, X):
    """``X`` through the steps before the model, as ``predict`` sends it."""
    for step in steps_before(estimator):
        if step not in (None, "passthrough"):
            X = step.transform(X)
    return X


def _flash_parts(parts):
    """The flash of the model's data and code, the runtime and the library."""
    model = parts[_NAME]
    return {
        "model data": model.get(".rodata", 0) + model.get(".data", 0),
        "model code": model.get(".text", 0),
        "runtime": flash_and_ram(parts["svdmlp"])[0],
        "library": flash_and_ram(parts["library"])[0],
    }


def _stated(header):
    """The flash and stack figures ``<name>.h`` states."""
    text = header.read_text()
    return [
        int(re.search(rf"#define {_NAME.upper()}_{figure}_BYTES (\d+)", text)[1])
        for figure in ("FLASH", "STACK")
    ]


def _agree(predictions, expected, kind):
    if kind != "regression":
        return bool(np.array_equal(predictions, expected))
    scale = np.max(np.abs(expected), axis=0) + np.finfo(np.float32).tiny
    return bool(np.all(np.abs(predictions - expected) <= RELATIVE_TOLERANCE * scale))


def emulate(
    estimator,
    X,
    core="cortex-m4f",
    *,
    optimize="-O2",
    entry="auto",
    n_counted=3,
    timeout=300,
    kept=False,
):
    """Run a model's exported C on an emulated Cortex-M core; what it computed.

    The model is exported with :func:`~sklearn_svdmlp.export_c` into a
    folder (``folder=``); its ``src/`` is compiled with a small bare-metal
    harness (shipped with the package: start-up code, linker scripts, a
    ``main`` that predicts each row of ``X`` and prints the result) by
    ``arm-none-eabi-gcc``, and run on QEMU's board for ``core``. The
    device's predictions are compared with ``predict``, and the firmware's
    flash, RAM, stack and instructions per prediction measured, beside the
    flash and stack the header states. Needs Debian's (or Ubuntu's)
    ``gcc-arm-none-eabi``, ``libnewlib-arm-none-eabi`` and
    ``qemu-system-arm``.

    Parameters
    ----------
    estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or Pipeline
        A fitted model that :func:`~sklearn_svdmlp.export_c` exports (alone
        or after a ``StandardScaler``).
    X : array-like of shape (n_samples, n_features)
        The rows to predict on the device, as ``predict`` takes them. They
        are stored in the firmware's flash; on a small board, rows that do
        not fit are run in several firmwares.
    core : {"cortex-m0plus", "cortex-m3", "cortex-m4f", "cortex-m7", \
"cortex-m33"}, default="cortex-m4f"
        The core, and its QEMU board: ``microbit`` (a Cortex-M0, the
        ARMv6-M instruction set of the M0+; 256 KB of flash, 16 KB of RAM),
        ``mps2-an385`` (M3, no FPU), ``mps2-an386`` (M4 with its
        single-precision FPU), ``mps2-an500`` (M7, double-precision FPU),
        ``mps2-an505`` (M33 with FPU).
    optimize : {"-O2", "-O0", "-O1", "-O3", "-Os"}, default="-O2"
        The compiler's optimization.
    entry : {"auto", "int8", "float"}, default="auto"
        The entry point the device calls. ``"int8"`` (an integer-only
        model's default) calls ``<name>_predict_int8`` (or
        ``_predict_labels_int8``) on the rows quantized in Python as
        ``predict`` quantizes them, so no floating point is linked;
        ``"float"`` (every other model's default, and the only choice for
        them) calls the float function on the rows as float32, which for an
        integer-only model quantizes on the device.
    n_counted : int, default=3
        Rows whose instructions are counted (single-stepping QEMU is slow);
        0 counts none.
    timeout : float, default=300
        Seconds each QEMU run may take.
    kept : bool, default=False
        Whether the device calls the ``_kept`` entry point (``<name>_predict_kept``
        or ``_predict_int8_kept``) of a model fitted with ``keep_inputs`` on the
        kept inputs only (``X[:, inputs_kept_]``), as a device that reads
        only those sensors does.

    Returns
    -------
    report : DeviceReport
        ``predictions``, ``agree``, ``instructions``, ``stack_bytes``,
        ``flash_bytes``, ``ram_bytes``, and the header's
        ``stated_flash_bytes`` and ``stated_stack_bytes``.

    Raises
    ------
    ValueError
        For an unknown ``core`` (the message lists the cores) or
        ``optimize``, ``kept=True`` for a model without ``keep_inputs``, or
        a model (with the rows) that does not fit the board.
    MissingToolsError
        If the cross-compiler, its C library or QEMU is missing; its message
        names the Debian packages.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp import SVDCompressedMLPClassifier
    >>> from sklearn_svdmlp.device import emulate
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(
    ...     MLPClassifier((16,), max_iter=1000, random_state=0), rank=2,
    ...     quantize="int8", integer_only=True, random_state=0,
    ... ).fit(X, y)
    >>> report = emulate(model, X[::10], core="cortex-m0plus")
    >>> report.agree, report.entry, report.floating_point
    (True, 'int8', [])
    >>> report.predictions[:5]
    array([0, 0, 0, 0, 0])
    >>> report.stack_bytes <= report.stated_stack_bytes
    True
    """
    target = core_named(core)
    if optimize not in OPTIMIZATIONS:
        raise ValueError(
            f"optimize must be one of {', '.join(OPTIMIZATIONS)}; got {optimize!r}."
        )
    model = compressed_step(estimator)
    integer_only = isinstance(model.network_, IntegerNetwork)
    choices = ("auto", "int8", "float") if integer_only else ("auto", "float")
    if entry not in choices:
        raise ValueError(
            f"entry must be one of {', '.join(map(repr, choices))} for this "
            f"model; got {entry!r}."
        )
    if not isinstance(n_counted, int | np.integer) or n_counted < 0:
        raise ValueError(f"n_counted must be an int >= 0; got {n_counted!r}.")
    if kept and not reads_kept_inputs(model):
        raise ValueError(
            "kept=True calls the _kept entry points of a model fitted with "
            f"keep_inputs; this one reads every input (keep_inputs="
            f"{model.keep_inputs!r})."
        )
    require_tools()
    integer = integer_only and entry != "float"
    # The values the device reads: what predict is compared on.
    X = check_array(X, dtype=np.float32).astype(np.float64)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "X does not have valid feature names")
        expected = estimator.predict(X)
        rows = (
            model.network_.quantize_input(_transformed(estimator, X))
            if integer
            else X.astype(np.float32)
        )
    if kept:
        rows = rows[:, model.inputs_kept_]
    how = _entry(model, integer, kept)
    with tempfile.TemporaryDirectory() as directory:
        paths = export_c(estimator, name=_NAME, folder=f"{directory}/library")
        stated_flash, stated_stack = _stated(paths[f"src/{_NAME}.h"])
        run = run_firmware(
            [paths[f"src/{_NAME}.c"], paths["src/svdmlp.c"]],
            rows,
            how,
            target,
            optimize,
            directory,
            include=[paths["src/svdmlp.c"].parent],
            n_counted=int(n_counted),
            timeout=timeout,
        )
    kind = model.output_spec_.kind
    predictions = run.outputs
    if kind == "regression":
        if integer:
            predictions = predictions.astype(np.float32) * model.network_.output_scales
        predictions = predictions.reshape(np.shape(expected))
    elif kind != "multilabel":
        predictions = model.classes_[predictions[:, 0]]
    return DeviceReport(
        core=core,
        board=target.board,
        optimize=optimize,
        entry="int8" if integer else "float",
        predictions=predictions,
        agree=_agree(predictions, expected, kind),
        instructions=float(np.mean(run.instructions)) if n_counted else None,
        stack_bytes=run.stack,
        flash_bytes=run.flash,
        ram_bytes=run.ram,
        stated_flash_bytes=stated_flash,
        stated_stack_bytes=stated_stack,
        flash_parts=_flash_parts(run.parts),
        floating_point=run.floating_point,
    )
