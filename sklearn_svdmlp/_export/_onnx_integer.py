"""An integer-only network in an ONNX graph: the same integers, in int64 nodes.

ONNX's own quantized operators rescale in float; here each step is written
as the C runtime computes it (``IntegerMatMul`` aside, which onnxruntime
does not offer for every type): the int8 weights are kept as int8 in the
file and cast, the sum is an int64 ``MatMul``, and the fixed-point rescaling
is ``floor((acc * multiplier + 2**(shift - 1)) / 2**shift)``, the floor
taken as ``(t - Mod(t, 2**shift)) / 2**shift``, exact. The input is
quantized in float32 as :meth:`IntegerNetwork.quantize_input` does it.
"""

import numpy as np
from skl2onnx.proto import onnx_proto

from .._formats._integers import int4_initializer
from .._network._integer import INT8

_INT64 = onnx_proto.TensorProto.INT64
_FLOAT = onnx_proto.TensorProto.FLOAT

_ACTIVATIONS = {
    "identity": "Identity",
    "logistic": "Sigmoid",
    "softmax": "Softmax",
    "exp": "Exp",
}


def _int64(graph, name, values):
    """An int64 constant, kept in the file in the smallest integer type it fits."""
    values = np.asarray(values)
    for dtype in (np.int8, np.int16, np.int32):
        if values.size and np.array_equal(values, values.astype(dtype)):
            values = values.astype(dtype)
            break
    return graph.node("Cast", [graph.stored(name, values)], to=_INT64)


def _quantized_input(graph, name, network):
    """The float input as int8 values (in int64), as the C runtime quantizes it."""
    x = graph.node("Cast", [name], to=_FLOAT)
    single = lambda value: graph.stored("float", np.float32(value))  # noqa: E731
    v = graph.node("Mul", [x, single(network.input_inverse_scale)])
    v = graph.node("Clip", [v, single(-256), single(256)])
    magnitude = graph.node(
        "Floor", [graph.node("Add", [graph.node("Abs", [v]), single(0.5)])]
    )
    rounded = graph.node(
        "Cast", [graph.node("Mul", [graph.node("Sign", [v]), magnitude])], to=_INT64
    )
    q = graph.node(
        "Add", [rounded, _int64(graph, "zero_point", network.input_zero_point)]
    )
    return graph.node(
        "Clip", [q, _int64(graph, "low", INT8[0]), _int64(graph, "high", INT8[1])]
    )


def _step(graph, q, step):
    """One integer step on ``q`` (int64 values of int8)."""
    if step.inputs is not None:
        read = step.inputs.indices
        q = graph.node("Gather", [q, graph.stored("read", read)], axis=1)
    if step.bits == 4:
        stored, op_version = int4_initializer(graph, step.weights.T.copy())
    else:
        stored, op_version = graph.stored("weights", step.weights.T.copy()), None
    weights = graph.node("Cast", [stored], to=_INT64, op_version=op_version)
    acc = graph.node(
        "Add", [graph.node("MatMul", [q, weights]), _int64(graph, "bias", step.bias)]
    )
    shift = step.shift.astype(np.int64)
    one = np.int64(1)
    t = graph.node(
        "Add",
        [
            graph.node("Mul", [acc, _int64(graph, "multiplier", step.multiplier)]),
            graph.stored("half", np.left_shift(one, shift - 1)),
        ],
    )
    divisor = graph.stored("divisor", np.left_shift(one, shift))
    floor = graph.node(
        "Div",
        [graph.node("Sub", [t, graph.node("Mod", [t, divisor], fmod=0)]), divisor],
    )
    value = graph.node("Add", [floor, _int64(graph, "zero_point", step.zero_point)])
    value = graph.node(
        "Clip",
        [value, _int64(graph, "low", step.low), _int64(graph, "high", step.high)],
    )
    if step.table is None:
        return value
    index = graph.node("Sub", [value, _int64(graph, "offset", INT8[0])])
    return graph.node("Gather", [_int64(graph, "table", step.table), index], axis=0)


def emit_integer_network(graph, name, network):
    """Add ``network`` (an :class:`IntegerNetwork`) on the input ``name``.

    Returns
    -------
    outputs : str
        The outputs: the output activation of the dequantized logits.
    logits : str
        The dequantized logits, at the graph's float type: what labels are
        decided on.
    """
    q = _quantized_input(graph, name, network)
    for layer in network.layers:
        for step in layer.steps:
            q = _step(graph, q, step)
    logits = graph.node(
        "Mul",
        [
            graph.node("Cast", [q], to=graph.proto_dtype),
            graph.constant("output_scales", network.output_scales[np.newaxis, :]),
        ],
    )
    activation = _ACTIVATIONS[network.output_activation]
    return graph.node(activation, [logits]), logits
