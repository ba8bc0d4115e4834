"""The ONNX converters, registered with skl2onnx when imported.

Imported by :mod:`sklearn_svdmlp.onnx`; needs the ``onnx`` extra.
"""

import numpy as np
from onnx import numpy_helper
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_proto_type,
)
from skl2onnx.common.utils import check_input_and_output_numbers
from skl2onnx.common.utils_classifier import get_label_classes
from skl2onnx.proto import onnx_proto

from .._compat import finalize_converter_classes
from .._estimators import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor
from .._network import IntegerNetwork, head_adapter
from ._onnx_integer import emit_integer_network
from ._onnx_pipeline import _parse_pipeline  # noqa: F401 (registers it)

_ONNX_ACTIVATIONS = {
    "identity": "Identity",
    "tanh": "Tanh",
    "logistic": "Sigmoid",
    "relu": "Relu",
    "softmax": "Softmax",
    "exp": "Exp",  # MLPRegressor(loss="poisson")
}


def _exported_layers(model):
    """The model's layers, then its head's when there is one."""
    layers = list(model.layers_)
    if model.head_ is not None:
        layers += head_adapter(model.head_).require_layers(
            "ONNX export of a truncated model",
            model.output_spec_.n_outputs,
            exact=True,
        )
    return layers


def _shape_calculator(operator):
    check_input_and_output_numbers(
        operator, input_count_range=1, output_count_range=[2, 2]
    )
    n_rows = operator.inputs[0].get_first_dimension()
    model = operator.raw_operator
    classes = get_label_classes(operator.scope_inst, model)
    multilabel = model.output_spec_.kind == "multilabel"
    label_shape = [n_rows, len(classes)] if multilabel else [n_rows]
    if np.asarray(classes).dtype.kind in "OUS":
        operator.outputs[0].set_type(StringTensorType(shape=label_shape))
    else:
        operator.outputs[0].set_type(Int64TensorType(shape=label_shape))
    operator.outputs[1].type.shape = [n_rows, len(classes)]


def _regressor_shape_calculator(operator):
    """One output column per target: ``(n_rows, n_outputs)``."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    n_rows = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.output_spec_.n_outputs
    double = guess_proto_type(operator.inputs[0].type) == onnx_proto.TensorProto.DOUBLE
    tensor_type = DoubleTensorType if double else FloatTensorType
    operator.outputs[0].type = tensor_type([n_rows, n_outputs])


# Operator versions for these nodes as skl2onnx's own helpers choose them (and
# Identity-13, which handles every float type): newer ones add only types this
# graph never uses, and pinning them keeps the graph at opset 14 (Relu-14),
# for older runtimes. Other nodes take the newest the target opset allows.
_OP_VERSIONS = {
    "Cast": 9,
    "Add": 7,
    "Sub": 7,
    "Concat": 11,
    "Identity": 13,
    "Mul": 7,
}


class _Graph:
    """The graph being converted, with the few nodes the layers are made of.

    Each layer adds itself through its ``emit(graph, name)``, calling
    :meth:`affine` and :meth:`activation`. ``opset`` is the opset the
    graph targets.
    """

    def __init__(self, scope, container, proto_dtype):
        self.scope, self.container, self.proto_dtype = scope, container, proto_dtype
        double = proto_dtype == onnx_proto.TensorProto.DOUBLE
        self.dtype = np.float64 if double else np.float32
        self.opset = container.target_opset

    def node(self, op_type, inputs, output=None, op_version=None, **attributes):
        """Add one node, writing to ``output`` or a new name; return that name.

        The node's operator version is ``op_version``, else the one pinned
        for its type, else the newest the target opset has.
        """
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            inputs,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            op_version=op_version or _OP_VERSIONS.get(op_type),
            **attributes,
        )
        return output

    def name(self, prefix):
        """A new name, for an initializer made by :meth:`tensor`."""
        return self.scope.get_unique_variable_name(prefix)

    def tensor(self, proto):
        """Add the initializer ``proto`` (an ONNX ``TensorProto``); its name."""
        self.container.add_initializer(proto.name, None, None, proto)
        return proto.name

    def constant(self, name, array):
        """Add an initializer holding ``array`` at the graph's type."""
        array = np.asarray(array, dtype=self.dtype)
        constant = self.scope.get_unique_variable_name(name)
        self.container.add_initializer(
            constant, self.proto_dtype, list(array.shape), array.ravel()
        )
        return constant

    def stored(self, name, array):
        """Add an initializer holding ``array`` in its own type (raw data)."""
        stored = self.scope.get_unique_variable_name(name)
        self.container.add_initializer(
            stored, None, None, numpy_helper.from_array(array, stored)
        )
        return stored

    def affine(self, name, step):
        """``name @ weights + bias``, for one ``AffineStep`` of a layer.

        The weights are kept in their storage format in the file, which
        adds them (``StorageFormat.onnx_weights``); no addition where the
        bias is ``None``. A step that skips inputs gathers those it reads.
        """
        if step.inputs is not None:
            read = self.stored("read", step.inputs.indices)
            name = self.node("Gather", [name, read], axis=1)
        weights = step.format.onnx_weights(self, step.values, step.scales)
        product = self.node("MatMul", [name, weights])
        if step.bias is None:
            return product
        return self.node(
            "Add", [product, self.constant("bias", step.bias[np.newaxis, :])]
        )

    def activation(self, name, function):
        """The MLP activation ``function`` applied to ``name``."""
        return self.node(_ONNX_ACTIVATIONS[function], [name])


def _emit_network(scope, operator, container):
    """Add the model's layers (and head) to the graph.

    Returns the graph, the outputs, and what labels are decided on with
    its threshold: the outputs themselves (0.5) or, for an integer-only
    network, its logits (0), as ``predict`` decides.
    """
    proto_dtype = guess_proto_type(operator.inputs[0].type)
    if proto_dtype != onnx_proto.TensorProto.DOUBLE:
        proto_dtype = onnx_proto.TensorProto.FLOAT
    graph = _Graph(scope, container, proto_dtype)
    model = operator.raw_operator
    if isinstance(model.network_, IntegerNetwork):
        output, logits = emit_integer_network(
            graph, operator.inputs[0].full_name, model.network_
        )
        return graph, output, (logits, 0.0)
    output = graph.node("Cast", [operator.inputs[0].full_name], to=proto_dtype)
    for layer in _exported_layers(model):
        output = layer.emit(graph, output)
    return graph, output, (output, 0.5)


def _converter(scope, operator, container):
    model = operator.raw_operator
    graph, output, (decided, threshold) = _emit_network(scope, operator, container)
    labels, probabilities = operator.outputs[0].full_name, operator.outputs[1].full_name
    kind = model.output_spec_.kind
    if kind == "multilabel":
        graph.node("Identity", [output], probabilities)
        binarized = graph.node(
            "Binarizer", [decided], threshold=threshold, op_domain="ai.onnx.ml"
        )
        graph.node("Cast", [binarized], labels, to=onnx_proto.TensorProto.INT64)
        return
    if kind == "binary":  # one output: the probability of the second class
        negative = graph.node("Sub", [graph.constant("one", np.ones(1)), output])
        graph.node("Concat", [negative, output], probabilities, axis=1)
        # The second class where the decided value is above the threshold:
        # the larger of 2 * threshold - decided and decided.
        mirrored = graph.node(
            "Sub", [graph.constant("twice", np.full(1, 2 * threshold)), decided]
        )
        decided = graph.node("Concat", [mirrored, decided], axis=1)
    else:
        graph.node("Identity", [output], probabilities)
    best = graph.node("ArgMax", [decided], axis=1)
    classes = np.asarray(get_label_classes(scope, model))
    finalize_converter_classes(
        scope, best, labels, container, classes, graph.proto_dtype
    )


def _regressor_converter(scope, operator, container):
    graph, output, _ = _emit_network(scope, operator, container)
    graph.node("Identity", [output], operator.outputs[0].full_name)


update_registered_converter(
    SVDCompressedMLPRegressor,
    "SklearnSVDCompressedMLPRegressor",
    _regressor_shape_calculator,
    _regressor_converter,
)

update_registered_converter(
    SVDCompressedMLPClassifier,
    "SklearnSVDCompressedMLPClassifier",
    _shape_calculator,
    _converter,
    options={
        "zipmap": [True, False, "columns"],
        "nocl": [True, False],
        "output_class_labels": [False, True],
    },
)
