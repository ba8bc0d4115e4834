"""Integer-only inference: int8 activations, int8 weights, int32 sums.

What a microcontroller without a floating-point unit runs, and what Python
runs for ``integer_only=True``, to the bit. Every tensor between two steps
is int8 with a scale and a zero point (``real = scale * (q - zero_point)``);
weights are int8, symmetric, with one scale per output column. A step sums
in int32 (the bias already at the sum's scale, the input's zero point
folded into it), then requantizes with a fixed-point multiplier and shift
(:func:`requantize`), adds the output's zero point and clamps (ReLU is the
clamp at the zero point); a logistic or tanh layer then looks its output up
in a 256-entry table. The last step writes int16 logits at the output's
scale, zero point 0; the output activation (softmax, logistic) is applied
in float only where probabilities are asked for. The C runtime's integer
kernel (``svdmlp_int8_step``) computes exactly this.
"""

from dataclasses import dataclass

import numpy as np

from .._compat import ACTIVATIONS
from .._warnings import warn
from ._inputs import InputSelection

INT8 = (-128, 127)
# The last step's logits: int16, symmetric.
LOGIT_MAX = 32767
# A regressor's int16 outputs hold this many times the largest training
# prediction of each target (its calibration), so that a prediction beyond
# the training range is not clipped at its edge. The cost is resolution,
# one unit that many times coarser: measured by benchmarks/headroom.py,
# predictions on held-out rows move by at most 0.0001 standard deviations
# of the target at 2, and none is clipped on rows 1.5 times further out
# (0.2% to 4.5% at 1).
OUTPUT_HEADROOM = 2.0


def requantize(acc, multiplier, shift):
    """``floor((acc * multiplier + 2**(shift - 1)) / 2**shift)``, in int64.

    The fixed-point product of an int32 sum and a real multiplier
    ``multiplier / 2**shift`` (``multiplier`` < 2**31, ``shift`` in 1..62),
    rounded half up: exactly what the C runtime computes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._integer import requantize
    >>> requantize(np.array([10, -10, 3]), np.array([1 << 30]), np.array([32]))
    array([ 3, -2,  1])
    """
    acc = np.asarray(acc, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    return (acc * np.asarray(multiplier, dtype=np.int64) + (1 << (shift - 1))) >> shift


def sum_dtype(largest_sum):
    """The cheapest dtype whose matrix products give integer sums exactly.

    A product of integer matrices computed in floating point is exact when
    every partial sum, in whatever order the BLAS adds the terms, is an
    integer the format holds exactly: below ``2**24`` in float32, ``2**53``
    in float64. Every partial sum of a row's products is at most
    ``largest_sum``, the largest sum of the terms' absolute values (each
    product, at most ``2**14`` for int8 by int8, is itself exact). Past
    ``2**53``, int64 (which NumPy multiplies without BLAS).

    Examples
    --------
    >>> from sklearn_svdmlp._network._integer import sum_dtype
    >>> sum_dtype(128 * 127 * 784), sum_dtype(2**24), sum_dtype(2**53)
    (dtype('float32'), dtype('float64'), dtype('int64'))
    """
    if largest_sum < 2**24:
        return np.dtype(np.float32)
    if largest_sum < 2**53:
        return np.dtype(np.float64)
    return np.dtype(np.int64)


def exact_sums(Q, weights):
    """``Q @ weights.T`` in int64, through BLAS where that is exact.

    ``Q`` holds integers (int8 activations), ``weights`` one row of
    integers per output. The bound of :func:`sum_dtype` is taken from the
    largest magnitude ``Q``'s dtype holds and each row's sum of absolute
    weights, so it holds for any input.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._integer import exact_sums
    >>> Q = np.array([[127, -128, 3]], dtype=np.int8)
    >>> exact_sums(Q, np.array([[127, 127, -1], [2, 0, 1]], dtype=np.int8))
    array([[-130,  257]])
    """
    info = np.iinfo(Q.dtype)
    largest_input = max(abs(int(info.min)), int(info.max))
    row_sums = np.abs(weights.astype(np.int64)).sum(axis=1)
    largest_sum = largest_input * int(row_sums.max(initial=0))
    dtype = sum_dtype(largest_sum)
    sums = Q.astype(dtype) @ weights.T.astype(dtype)
    return sums.astype(np.int64, copy=dtype != np.int64)


def fixed_point(real):
    """``(multiplier, shift)`` with ``multiplier / 2**shift`` closest to ``real``.

    ``real`` is an array of non-negative multipliers below ``2**30``;
    ``multiplier`` is in ``[2**30, 2**31)`` (31 significant bits), ``shift``
    in 1..62. A multiplier too small for 62 bits of shift is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._integer import fixed_point
    >>> multiplier, shift = fixed_point(np.array([0.75]))
    >>> int(multiplier[0]), int(shift[0]), int(multiplier[0]) / 2 ** int(shift[0])
    (1610612736, 31, 0.75)
    """
    real = np.asarray(real, dtype=np.float64)
    if np.any(real >= 2**30):
        raise ValueError(
            f"integer_only: a rescaling by {real.max():g} does not fit 31 bits; "
            "the output's scale is too small beside its input's."
        )
    mantissa, exponent = np.frexp(real)
    multiplier = np.round(mantissa * 2.0**31).astype(np.int64)
    carry = multiplier == 2**31
    multiplier[carry] = 2**30
    shift = 31 - exponent.astype(np.int64) - carry
    multiplier[(shift > 62) | (multiplier <= 0)] = 0
    shift = np.clip(shift, 1, 62)
    return multiplier.astype(np.int32), shift.astype(np.int8)


def packed_int4(q, lengths):
    """Rows of int4 integers ``q`` packed as the C runtime reads them.

    Each row is cut into the runs of ``lengths`` (the inputs read, in
    order; one run of the whole row by default), each packed on its own from
    a byte boundary: groups of 8 inputs as 4 bytes, byte ``k`` holding input
    ``k`` in its low four bits and input ``k + 4`` in its high four (so that
    a 32-bit word splits into two words of four weights with two masks),
    then the rest two to a byte (low first), a zero nibble after an odd one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._integer import packed_int4
    >>> q = np.array([[1, 2, 3, 4, 5, 6, 7, -1, -2, 3, -7]], dtype=np.int8)
    >>> [hex(byte) for byte in packed_int4(q, [11])[0]]
    ['0x51', '0x62', '0x73', '0xf4', '0x3e', '0x9']
    """
    nibbles = np.asarray(q).astype(np.uint8) & 0xF
    rows, start = [np.zeros((len(nibbles), 0), dtype=np.uint8)], 0
    for length in lengths:
        run = nibbles[:, start : start + length]
        start += length
        n_groups = length // 8
        groups = run[:, : 8 * n_groups].reshape(len(run), n_groups, 2, 4)
        rows.append((groups[:, :, 0] | (groups[:, :, 1] << 4)).reshape(len(run), -1))
        rest = run[:, 8 * n_groups :]
        if rest.shape[1] % 2:
            rest = np.hstack([rest, np.zeros((len(run), 1), dtype=np.uint8)])
        rows.append(rest[:, 0::2] | (rest[:, 1::2] << 4))
    return np.ascontiguousarray(np.hstack(rows), dtype=np.uint8)


@dataclass(eq=False)
class IntegerStep:
    """One weight matrix applied in integer arithmetic.

    Parameters
    ----------
    weights : ndarray of shape (n_out, n_in), int8
        One row per output (the order the C kernel reads them in), the
        stored integers of the matrix (in ``[-7, 7]`` for ``bits=4``).
    bias : ndarray of shape (n_out,), int32
        The bias at the sum's scale, less the input's zero point times each
        row's sum.
    multiplier : ndarray of shape (n_out,), int32
    shift : ndarray of shape (n_out,), int8
        Per output, the fixed-point rescaling of the sum (:func:`requantize`).
    zero_point : int
        The output's zero point.
    low, high : int
        The output's clamp (``low`` is the zero point after a ReLU).
    table : ndarray of shape (256,), int8, or None
        The activation, looked up at ``output + 128`` after the clamp
        (logistic, tanh); ``None`` for none (or a ReLU, the clamp).
    inputs : InputSelection or None
        The inputs the step reads, for a first step that skips inputs
        constant on the training data; ``None``: every input.
    input_scale, output_scale : float, default=nan
    input_zero_point, output_zero_point : int, default=0
        How the step's input and output tensors are quantized (the output
        after the table, for a step with one; the logits' largest scale):
        for the summary and the tests, the arithmetic needs only the
        integers.
    table_scale : float, default=nan
        For a step with a table, the scale of the pre-activation it looks
        up (whose zero point is ``zero_point``).
    bits : {8, 4}, default=8
        Bits a weight is stored in: 4 packs two to a byte
        (:func:`packed_int4`, what :attr:`stored_weights` gives).
    """

    weights: np.ndarray
    bias: np.ndarray
    multiplier: np.ndarray
    shift: np.ndarray
    zero_point: int
    low: int
    high: int
    table: np.ndarray | None = None
    inputs: InputSelection | None = None
    input_scale: float = float("nan")
    output_scale: float = float("nan")
    input_zero_point: int = 0
    output_zero_point: int = 0
    table_scale: float = float("nan")
    bits: int = 8

    @property
    def n_out(self):
        return self.weights.shape[0]

    @property
    def stored_weights(self):
        """The weights as the C runtime stores them: int8, or int4 packed."""
        if self.bits == 8:
            return self.weights
        runs = self.inputs.runs[:, 1] if self.inputs is not None else None
        return packed_int4(
            self.weights, [self.weights.shape[1]] if runs is None else runs
        )

    @property
    def output_dtype(self):
        """int8 between steps; int16 for the logits of the last step."""
        return np.dtype(np.int16 if self.high > INT8[1] else np.int8)

    def forward(self, Q):
        """The step's int8 (or int16) output for int8 inputs ``Q``."""
        if self.inputs is not None:
            Q = self.inputs.take(Q)
        acc = exact_sums(Q, self.weights)
        acc += self.bias
        out = requantize(acc, self.multiplier, self.shift) + self.zero_point
        out = np.clip(out, self.low, self.high)
        if self.table is not None:
            out = self.table[out - INT8[0]]
        return out.astype(self.output_dtype)

    def arrays(self):
        """Every array the step stores."""
        arrays = [self.stored_weights, self.bias, self.multiplier, self.shift]
        runs = None if self.inputs is None else self.inputs.runs
        return arrays + [a for a in (self.table, runs) if a is not None]


@dataclass(eq=False)
class IntegerLayer:
    """A dense or factored layer as integer steps (one, or two for factors).

    Parameters
    ----------
    steps : list of IntegerStep
    activation : str
        The layer's activation (done by the last step's clamp or table).
    """

    steps: list
    activation: str

    @property
    def shape(self):
        """``(n_in, n_out)``."""
        return self.steps[0].weights.shape[1], self.steps[-1].n_out

    @property
    def rank(self):
        """Width of the int8 intermediate of a factored layer, else ``None``."""
        return self.steps[0].n_out if len(self.steps) > 1 else None

    @property
    def n_params(self):
        """Weights plus biases."""
        return sum(step.weights.size + step.bias.size for step in self.steps)

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample."""
        return sum(step.weights.size for step in self.steps)

    @property
    def n_bytes(self):
        """Bytes of every array stored: weights, biases, rescaling, tables, runs."""
        return sum(array.nbytes for step in self.steps for array in step.arrays())

    def forward(self, Q):
        """The layer's integer output for integer inputs ``Q``."""
        for step in self.steps:
            Q = step.forward(Q)
        return Q

    def summary_cells(self):
        """Kind, shape and rank, as the summary table shows them."""
        n_in, n_out = self.shape
        kind = f"int{self.steps[0].bits}-only"
        if self.rank is None:
            return f"dense {kind}", f"{n_in} x {n_out}", "-"
        return f"factored {kind}", f"{n_in} x {self.rank} x {n_out}", str(self.rank)


def _warn_if_clipped(Q, scales):
    """Warn when int16 outputs ``Q`` reached the end of their range."""
    clipped = np.abs(Q) >= LOGIT_MAX
    if clipped.any():
        limits = ", ".join(f"{LOGIT_MAX * scale:.6g}" for scale in scales)
        warn(
            f"integer_only: {int(clipped.sum())} of {clipped.size} predicted values "
            "are clipped at the end of their int16 range (+/- "
            f"{limits} by target: {OUTPUT_HEADROOM:g} times the largest prediction "
            "on the training data); the inputs are far beyond it. The device "
            "clips them alike."
        )


def int8_of_scaled(v, zero_point):
    """int8 of float32 values ``v`` already divided by their scale, as the C does.

    NaN taken as 0, clamped to [-256, 256], rounded as ``sign(v) *
    floor(|v| + 0.5)`` in float32, plus ``zero_point``, clamped to int8.
    ``v``, a float32 array, is overwritten (a few passes in place: this is
    most of an integer-only ``predict``'s time on wide inputs).
    """
    np.clip(v, np.float32(-256), np.float32(256), out=v)
    v[np.isnan(v)] = 0
    # sign(v) * floor(|v| + 0.5), in float32: float addition is symmetric in
    # sign, so this is trunc(v + copysign(0.5, v)), which the cast to int16
    # takes (|v| + 0.5 <= 256.5).
    v += np.copysign(np.float32(0.5), v)
    q = v.astype(np.int16)
    q += zero_point
    np.clip(q, *INT8, out=q)
    return q.astype(np.int8)


@dataclass(eq=False)
class IntegerNetwork:
    """A network that computes with integers only, between a float input and output.

    Parameters
    ----------
    layers : list of IntegerLayer
    input_scale : float
    input_zero_point : int
        How the float input is quantized: ``q = clamp(round(x / scale) +
        zero_point)``, rounded half away from zero, in float32 (see
        :meth:`quantize_input`).
    output_scales : ndarray of shape (n_outputs,), float32
        What each int16 logit is worth.
    output_activation : str
        Applied in float to the logits when probabilities (or a Poisson
        regressor's predictions) are asked for.
    n_features : int
        Inputs, constant ones included (the first step's runs skip those).
    """

    layers: list
    input_scale: float
    input_zero_point: int
    output_scales: np.ndarray
    output_activation: str
    n_features: int

    @property
    def input_inverse_scale(self):
        """``1 / input_scale`` in float32: what the input is multiplied by."""
        return np.float32(1.0 / self.input_scale)

    @property
    def n_params(self):
        return sum(layer.n_params for layer in self.layers)

    @property
    def n_bytes(self):
        """Every array stored, and the input's scale and zero point (8 bytes)."""
        return sum(layer.n_bytes for layer in self.layers) + (
            self.output_scales.nbytes + 8
        )

    @property
    def n_multiply_adds(self):
        return sum(layer.n_multiply_adds for layer in self.layers)

    def quantize_input(self, X):
        """``X`` as int8, as the C runtime's ``quantize_input`` does it.

        ``v = x * (1 / scale)`` in float32 (``1 / scale`` rounded to float32
        once, as the C file writes it; NaN taken as 0), clamped to [-256,
        256], rounded as ``sign(v) * floor(|v| + 0.5)`` in float32, plus the
        zero point, clamped to int8.
        """
        X = X.toarray() if hasattr(X, "toarray") else X
        v = np.multiply(X, self.input_inverse_scale, dtype=np.float32)
        return int8_of_scaled(v, self.input_zero_point)

    def integer_outputs(self, Q):
        """The int16 logits for int8 inputs ``Q``: what ``predict_int8`` sees."""
        for layer in self.layers:
            Q = layer.forward(Q)
        return Q

    def logits(self, X):
        """The logits of float inputs ``X``, dequantized in float32."""
        Q = self.integer_outputs(self.quantize_input(X))
        return Q.astype(np.float32) * self.output_scales

    def forward(self, X):
        """Outputs of float inputs ``X``: the output activation of :meth:`logits`."""
        output = self.logits(X)
        ACTIVATIONS[self.output_activation](output)
        return output

    def predictions(self, X, spec):
        """Predictions from the integer logits, as the device decides them.

        A regressor's output at the end of its int16 range is clipped there
        (as on the device): that warns.
        """
        Q = self.integer_outputs(self.quantize_input(X))
        if spec.kind == "regression":
            _warn_if_clipped(Q, self.output_scales)
        return spec.predict_from_logits(Q.astype(np.float32) * self.output_scales)
