"""From a model stored in int8 to one that computes with integers only.

Calibration: the stored network runs once in float on the calibration data
(every training row ``fit`` compresses on: the ranges must hold what the
network meets, and one pass over them costs less than the compression), and
each tensor's observed range, widened to hold 0, becomes its int8 scale and
zero point. The inputs the stored first matrix skips (constant on that
data) are not read. The output layer's values become int16
logits. Everything else follows from the scales
(:mod:`sklearn_svdmlp._network._integer`).
"""

from dataclasses import replace

import numpy as np

from .._network import IntegerLayer, IntegerNetwork, IntegerStep, fixed_point
from .._network._integer import INT8, LOGIT_MAX, OUTPUT_HEADROOM
from .._warnings import warn

# The scale of a tensor that is 0 on all the data (a dead layer): any
# scale serves, one that keeps the biases after it small.
_ZERO_SCALE = 1 / 255


def int8_parameters(low, high):
    """``(scale, zero_point)`` of an int8 tensor holding ``[low, high]`` and 0.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._integer import int8_parameters
    >>> scale, zero_point = int8_parameters(-1.0, 3.0)
    >>> round(scale * 255, 6), zero_point  # -1 is -128, 0 is -64, 3 is 127
    (4.0, -64)
    """
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    scale = (high - low) / 255 if high > low else _ZERO_SCALE
    zero_point = int(np.clip(np.round(INT8[0] - low / scale), *INT8))
    return scale, zero_point


def _table(function, pre_scale, pre_zero_point, scale, zero_point):
    """The int8 lookup table of ``function`` between two quantizations."""
    q = np.arange(INT8[0], INT8[1] + 1)
    real = function(pre_scale * (q - pre_zero_point))
    return np.clip(np.round(real / scale) + zero_point, *INT8).astype(np.int8)


_FUNCTIONS = {"tanh": np.tanh, "logistic": lambda z: 1 / (1 + np.exp(-z))}


def _integer_step(q, scales, bias, input_params, output_params, clamp, table):
    """One :class:`IntegerStep` from stored integers ``q`` and the scales around it.

    ``output_params`` is ``(scale, zero_point)`` of the rescaled sum (before
    a table); the scale may be one per output (the logits of a regressor).
    """
    input_scale, input_zero_point = input_params
    output_scale, zero_point = output_params
    q = q.astype(np.int64)
    scales = np.ones(q.shape[1]) if scales is None else scales.astype(np.float64)
    # Room in int32 for the products of the sum, whatever the inputs.
    room = 2**31 - 1 - q.shape[0] * 128 * 127
    # A column whose weights are tiny beside its bias (a dead unit's; a
    # column of zeros has scale 0) is rounded to the smallest scale at which
    # its bias fits half the room: its weights become (nearly) 0, as they
    # were next to the bias.
    wide = np.maximum(scales, np.abs(bias) / (input_scale * room / 2))
    wide = np.where(wide > 0, wide, output_scale / input_scale / 1024)
    changed = wide > scales
    q[:, changed] = np.round(q[:, changed] * (scales[changed] / wide[changed]))
    scales = wide
    accumulator_scale = input_scale * scales
    bias_sum = np.round(bias / accumulator_scale) - input_zero_point * q.sum(axis=0)
    if np.any(np.abs(bias_sum) > room):
        warn(
            "integer_only: a bias does not fit the int32 sum at the scale of its "
            "inputs times its weights (they are tiny beside it); it is clamped, "
            "and the layer's outputs are off. Scale the inputs (a "
            "StandardScaler before the model)."
        )
    multiplier, shift = fixed_point(accumulator_scale / output_scale)
    return IntegerStep(
        weights=np.ascontiguousarray(q.T, dtype=np.int8),
        bias=np.clip(bias_sum, -room, room).astype(np.int32),
        multiplier=multiplier,
        shift=shift,
        zero_point=zero_point,
        low=clamp[0],
        high=clamp[1],
        table=table,
        input_scale=input_scale,
        input_zero_point=input_zero_point,
        output_scale=float(np.max(output_scale)),
        output_zero_point=zero_point,
    )


def _output(Z, activation, is_logits, shared, headroom=1.0):
    """How a step's output is quantized: params, clamp, table, next input params.

    ``Z`` are its float values on the calibration data, before
    ``activation``. The logits (``is_logits``) are int16, zero point 0, one
    scale per column or ``shared`` by all, holding ``headroom`` times the
    largest of ``Z``.
    """
    if is_logits:
        largest = headroom * np.abs(Z).max(axis=0, initial=0)
        if shared:
            largest = np.full_like(largest, largest.max(initial=0))
        scale = np.where(largest > 0, largest, _ZERO_SCALE * LOGIT_MAX) / LOGIT_MAX
        return (scale, 0), (-LOGIT_MAX, LOGIT_MAX), None, None
    if activation in _FUNCTIONS:
        function = _FUNCTIONS[activation]
        params = int8_parameters(Z.min(initial=0), Z.max(initial=0))
        activated = function(Z)
        after = int8_parameters(activated.min(initial=0), activated.max(initial=0))
        return params, INT8, _table(function, *params, *after), after
    if activation == "relu":  # the clamp at the zero point
        params = int8_parameters(0.0, Z.max(initial=0))
        return params, (params[1], INT8[1]), None, params
    params = int8_parameters(Z.min(initial=0), Z.max(initial=0))
    return params, INT8, None, params


def integer_network(layers, X, spec):
    """The integer-only network of ``layers`` (int8-stored), calibrated on ``X``.

    Parameters
    ----------
    layers : list of QuantizedLayer
        The stored network, head included, every matrix in a symmetric
        integer format (int8, int4).
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Calibration data.
    spec : OutputSpec
        The network's outputs: a multiclass classifier's logits share one
        scale (so that the largest is the most probable class); others (the
        labels of a multilabel classifier, a regressor's targets) have one
        each. A regressor's hold ``OUTPUT_HEADROOM`` times its largest
        prediction on ``X``.

    Returns
    -------
    network : IntegerNetwork
    """
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)
    shared = spec.kind == "multiclass"
    headroom = OUTPUT_HEADROOM if spec.kind == "regression" else 1.0
    inputs = layers[0].affine_steps()[0].inputs
    H = X if inputs is None else inputs.take(X)
    input_params = int8_parameters(H.min(initial=0), H.max(initial=0))
    params, integer_layers = input_params, []
    for index, layer in enumerate(layers):
        steps, integer_steps = layer.affine_steps(), []
        for k, step in enumerate(steps):
            q = step.format.integers(step.values, step.scales)
            matrix = q.astype(np.float64)
            if step.scales is not None:
                matrix = matrix * step.scales
            bias = np.zeros(matrix.shape[1]) if step.bias is None else step.bias
            bias = np.asarray(bias, dtype=np.float64)
            Z = H @ matrix + bias
            last = k == len(steps) - 1
            activation = layer.activation if last else "identity"
            output_params, clamp, table, after = _output(
                Z, activation, last and index == len(layers) - 1, shared, headroom
            )
            integer = _integer_step(
                q, step.scales, bias, params, output_params, clamp, table
            )
            integer.inputs = step.inputs
            integer.bits = step.format.bits
            if table is not None:  # what the step writes is the table's
                integer.table_scale = integer.output_scale
                integer.output_scale, integer.output_zero_point = after
            integer_steps.append(integer)
            params = after
            if after is not None:  # not the logits: the next step's input
                H = _activated(Z, activation)
        integer_layers.append(IntegerLayer(integer_steps, layer.activation))
    (output_scales, _) = output_params
    return IntegerNetwork(
        integer_layers,
        input_scale=input_params[0],
        input_zero_point=input_params[1],
        output_scales=np.asarray(output_scales, dtype=np.float32),
        output_activation=spec.activation,
        n_features=X.shape[1],
    )


def _activated(Z, activation):
    """A hidden ``activation`` of the float values ``Z`` (calibration only)."""
    if activation == "relu":
        return np.maximum(Z, 0)
    return _FUNCTIONS.get(activation, lambda Z: Z)(Z)


def integer_model(model, X, spec):
    """``model``, stored in int8, as an integer-only model calibrated on ``X``."""
    return replace(model, network=integer_network(model.network.layers, X, spec))
