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
from ._int_arithmetic import (
    INT8,
    LOGIT_MAX,
    exact_sums,
    int8_of_scaled,
    packed_int4,
    requantize,
)

# A regressor's int16 outputs hold this many times the largest training
# prediction of each target (its calibration), so that a prediction beyond
# the training range is not clipped at its edge. The cost is resolution,
# one unit that many times coarser: measured by benchmarks/headroom.py,
# predictions on held-out rows move by at most 0.0001 standard deviations
# of the target at 2, and none is clipped on rows 1.5 times further out
# (0.2% to 4.5% at 1).
OUTPUT_HEADROOM = 2.0


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

    def forward(self, Q, far=None):
        """The step's int8 (or int16) output for int8 inputs ``Q``.

        ``far``, a list, receives the number of int8 outputs of a step
        without a table that lay, before the clamp, more than half the
        clamp's span beyond it (below a ReLU's zero point aside):
        activations far outside the range calibrated on the training data
        (where none lies beyond it), clipped.
        """
        if self.inputs is not None:
            Q = self.inputs.take(Q)
        acc = exact_sums(Q, self.weights)
        acc += self.bias
        out = requantize(acc, self.multiplier, self.shift) + self.zero_point
        if far is not None and self.table is None and self.high <= INT8[1]:
            margin = (self.high - self.low) // 2
            beyond = np.count_nonzero(out > self.high + margin)
            if self.low != self.zero_point:
                beyond += np.count_nonzero(out < self.low - margin)
            far.append(beyond)
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

    def forward(self, Q, far=None):
        """The layer's integer output for integer inputs ``Q``.

        ``far``: see :meth:`IntegerStep.forward`.
        """
        for step in self.steps:
            Q = step.forward(Q, far)
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

    def integer_outputs(self, Q, far=None):
        """The int16 logits for int8 inputs ``Q``: what ``predict_int8`` sees.

        ``far``: see :meth:`IntegerStep.forward`.
        """
        for layer in self.layers:
            Q = layer.forward(Q, far)
        return Q

    def _checked_outputs(self, X):
        """The int16 logits of float inputs ``X``; warns of activations far
        beyond their calibrated range (clipped, here as on the device)."""
        far = []
        Q = self.integer_outputs(self.quantize_input(X), far)
        if sum(far):
            warn(
                f"integer_only: {sum(far)} hidden activations of {len(Q)} rows lay "
                "beyond their range calibrated on the training data by more than "
                "half of it and were clipped to int8 (the device clips them "
                "alike): these inputs are far from the training data."
            )
        return Q

    def logits(self, X):
        """The logits of float inputs ``X``, dequantized in float32."""
        return self._checked_outputs(X).astype(np.float32) * self.output_scales

    def forward(self, X):
        """Outputs of float inputs ``X``: the output activation of :meth:`logits`."""
        output = self.logits(X)
        ACTIVATIONS[self.output_activation](output)
        return output

    def predictions(self, X, spec):
        """Predictions from the integer logits, as the device decides them.

        A regressor's output at the end of its int16 range is clipped there
        (as on the device): that warns, and so do hidden activations far
        beyond their calibrated range.
        """
        Q = self._checked_outputs(X)
        if spec.kind == "regression":
            _warn_if_clipped(Q, self.output_scales)
        return spec.predict_from_logits(Q.astype(np.float32) * self.output_scales)
