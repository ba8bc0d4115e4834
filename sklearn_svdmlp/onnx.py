"""ONNX export through skl2onnx (``pip install "sklearn-svdmlp[onnx]"``).

Importing this module registers converters, so that ``skl2onnx.to_onnx``
converts a fitted :class:`~sklearn_svdmlp.SVDCompressedMLPClassifier` (with
the usual classifier options ``zipmap``, ``nocl`` and
``output_class_labels``) or :class:`~sklearn_svdmlp.SVDCompressedMLPRegressor`,
alone or inside a ``Pipeline``. The graph keeps the factors: a factored layer
becomes two ``MatMul`` nodes, so the ONNX model is as small as the compressed
one. A truncated model's head is converted when it is linear
(``LogisticRegression`` or ``Ridge``, the defaults, or one logistic regression
per label for multilabel targets) or a multi-layer perceptron.

Examples
--------
>>> import numpy as np
>>> import onnxruntime
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_iris
>>> from sklearn.neural_network import MLPClassifier
>>> from sklearn_svdmlp import SVDCompressedMLPClassifier
>>> import sklearn_svdmlp.onnx  # registers the converter
>>> X, y = load_iris(return_X_y=True)
>>> X = X.astype(np.float32)
>>> model = SVDCompressedMLPClassifier(
...     MLPClassifier((20,), solver="lbfgs", max_iter=500, random_state=0), rank=2
... ).fit(X, y)
>>> onx = to_onnx(model, X[:1], options={"zipmap": False})
>>> [node.op_type for node in onx.graph.node][:5]
['Cast', 'MatMul', 'MatMul', 'Add', 'Relu']
>>> session = onnxruntime.InferenceSession(onx.SerializeToString())
>>> labels, proba = session.run(None, {"X": X})
>>> bool((labels == model.predict(X)).all())
True
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

from ._classifier import SVDCompressedMLPClassifier
from ._compat import finalize_converter_classes
from ._head import layers_with_head
from ._regressor import SVDCompressedMLPRegressor

__all__ = ["SVDCompressedMLPClassifier", "SVDCompressedMLPRegressor"]

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
    return layers_with_head(
        model.layers_,
        model.head_,
        "ONNX export of a truncated model",
        model.estimator_.coefs_[-1].shape[1],
        NotImplementedError,
    )


def _shape_calculator(operator):
    check_input_and_output_numbers(
        operator, input_count_range=1, output_count_range=[2, 2]
    )
    n_rows = operator.inputs[0].get_first_dimension()
    model = operator.raw_operator
    classes = get_label_classes(operator.scope_inst, model)
    label_shape = [n_rows, len(classes)] if model._is_multilabel() else [n_rows]
    if np.asarray(classes).dtype.kind in "OUS":
        operator.outputs[0].set_type(StringTensorType(shape=label_shape))
    else:
        operator.outputs[0].set_type(Int64TensorType(shape=label_shape))
    operator.outputs[1].type.shape = [n_rows, len(classes)]


def _regressor_shape_calculator(operator):
    """One output column per target: ``(n_rows, n_outputs)``."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    n_rows = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.estimator_.n_outputs_
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
    :meth:`affine` and :meth:`activation`.
    """

    def __init__(self, scope, container, proto_dtype):
        self.scope, self.container, self.proto_dtype = scope, container, proto_dtype
        double = proto_dtype == onnx_proto.TensorProto.DOUBLE
        self.dtype = np.float64 if double else np.float32

    def node(self, op_type, inputs, output=None, **attributes):
        """Add one node, writing to ``output`` or a new name; return that name."""
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            inputs,
            output,
            name=self.scope.get_unique_operator_name(op_type),
            op_version=_OP_VERSIONS.get(op_type),
            **attributes,
        )
        return output

    def constant(self, name, array):
        """Add an initializer holding ``array`` at the graph's type."""
        array = np.asarray(array, dtype=self.dtype)
        constant = self.scope.get_unique_variable_name(name)
        self.container.add_initializer(
            constant, self.proto_dtype, list(array.shape), array.ravel()
        )
        return constant

    def stored(self, weights, scales=None):
        """The weights, kept in their format in the file, as floats in the graph.

        An int8 or float16 matrix is an initializer of that type (raw data),
        cast to the graph's float type; int8 is then multiplied by its
        per-column ``scales``. (Not ``DequantizeLinear``: onnxruntime fuses
        it with the ``MatMul`` into a product that also quantizes the
        activations, 0.03 off in probability on digits.)
        """
        if weights.dtype not in (np.int8, np.float16):
            return self.constant("weights", weights)
        stored = self.scope.get_unique_variable_name("weights")
        self.container.add_initializer(
            stored, None, None, numpy_helper.from_array(weights, stored)
        )
        as_float = self.node("Cast", [stored], to=self.proto_dtype)
        if scales is None:
            return as_float
        return self.node("Mul", [as_float, self.constant("scales", scales)])

    def affine(self, name, weights, bias, scales=None):
        """``name @ weights + bias`` (no addition where ``bias`` is ``None``).

        ``weights`` may be int8 (with ``scales``, one per column) or float16.
        """
        product = self.node("MatMul", [name, self.stored(weights, scales)])
        if bias is None:
            return product
        return self.node("Add", [product, self.constant("bias", bias[np.newaxis, :])])

    def activation(self, name, function):
        """The MLP activation ``function`` applied to ``name``."""
        return self.node(_ONNX_ACTIVATIONS[function], [name])


def _emit_network(scope, operator, container):
    """Add the model's layers (and head) to the graph; return the graph and output."""
    proto_dtype = guess_proto_type(operator.inputs[0].type)
    if proto_dtype != onnx_proto.TensorProto.DOUBLE:
        proto_dtype = onnx_proto.TensorProto.FLOAT
    graph = _Graph(scope, container, proto_dtype)
    output = graph.node("Cast", [operator.inputs[0].full_name], to=proto_dtype)
    layers = _exported_layers(operator.raw_operator)
    for layer in layers:
        output = layer.emit(graph, output)
    return graph, output, layers


def _converter(scope, operator, container):
    model = operator.raw_operator
    graph, output, layers = _emit_network(scope, operator, container)
    labels, probabilities = operator.outputs[0].full_name, operator.outputs[1].full_name
    if model._is_multilabel():
        graph.node("Identity", [output], probabilities)
        binarized = graph.node(
            "Binarizer", [output], threshold=0.5, op_domain="ai.onnx.ml"
        )
        graph.node("Cast", [binarized], labels, to=onnx_proto.TensorProto.INT64)
        return
    if layers[-1].shape[1] == 1:  # binary: the probability of the second class
        negative = graph.node("Sub", [graph.constant("one", np.ones(1)), output])
        graph.node("Concat", [negative, output], probabilities, axis=1)
    else:
        graph.node("Identity", [output], probabilities)
    best = graph.node("ArgMax", [probabilities], axis=1)
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
