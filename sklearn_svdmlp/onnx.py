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
from skl2onnx import update_registered_converter
from skl2onnx.common._apply_operation import (
    apply_add,
    apply_cast,
    apply_concat,
    apply_identity,
    apply_sub,
)
from skl2onnx.common.data_types import (
    Int64TensorType,
    StringTensorType,
    guess_proto_type,
)
from skl2onnx.common.shape_calculator import calculate_linear_regressor_output_shapes
from skl2onnx.common.utils import check_input_and_output_numbers
from skl2onnx.common.utils_classifier import (
    _finalize_converter_classes,
    get_label_classes,
)
from skl2onnx.proto import onnx_proto

from ._classifier import SVDCompressedMLPClassifier
from ._compressed_network import FactoredLayer
from ._head import head_layers
from ._regressor import SVDCompressedMLPRegressor

__all__ = ["SVDCompressedMLPClassifier", "SVDCompressedMLPRegressor"]

_ONNX_ACTIVATIONS = {
    "identity": "Identity",
    "tanh": "Tanh",
    "logistic": "Sigmoid",
    "relu": "Relu",
    "softmax": "Softmax",
}


def _exported_layers(model):
    """The model's layers, then its head's when there is one."""
    layers = list(model.layers_)
    if model.head_ is None:
        return layers
    extra = head_layers(model.head_)
    if extra is None:
        raise NotImplementedError(
            "ONNX export of a truncated model needs a head that is a linear "
            "model (such as LogisticRegression or Ridge) or a multi-layer "
            f"perceptron; got {type(model.head_).__name__}."
        )
    classifier = hasattr(model, "classes_")
    if (
        classifier
        and not model._is_multilabel()
        and len(model.head_.classes_) != len(model.classes_)
    ):
        raise NotImplementedError(
            "ONNX export of a truncated model whose head saw fewer classes than "
            "the network knows is not supported."
        )
    return layers + extra


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


def _add_constant(scope, container, name, array, proto_dtype):
    constant = scope.get_unique_variable_name(name)
    container.add_initializer(constant, proto_dtype, list(array.shape), array.ravel())
    return constant


def _matmul_add(scope, container, inputs, weights, bias, proto_dtype):
    product = scope.get_unique_variable_name("matmul")
    container.add_node(
        "MatMul",
        [inputs, _add_constant(scope, container, "weights", weights, proto_dtype)],
        product,
        name=scope.get_unique_operator_name("MatMul"),
    )
    if bias is None:
        return product
    total = scope.get_unique_variable_name("add")
    bias_name = _add_constant(
        scope, container, "bias", bias[np.newaxis, :], proto_dtype
    )
    apply_add(scope, [product, bias_name], total, container, broadcast=1)
    return total


def _emit_network(scope, operator, container):
    """Add the model's layers (and head) to the graph; return the output name."""
    model = operator.raw_operator
    proto_dtype = guess_proto_type(operator.inputs[0].type)
    if proto_dtype != onnx_proto.TensorProto.DOUBLE:
        proto_dtype = onnx_proto.TensorProto.FLOAT
    dtype = np.float64 if proto_dtype == onnx_proto.TensorProto.DOUBLE else np.float32

    output = scope.get_unique_variable_name("cast_input")
    apply_cast(scope, operator.inputs[0].full_name, output, container, to=proto_dtype)
    layers = _exported_layers(model)
    for layer in layers:
        if isinstance(layer, FactoredLayer):
            # Two products: the factors are kept, never multiplied together.
            output = _matmul_add(
                scope,
                container,
                output,
                layer.left.astype(dtype),
                None
                if layer.left_intercept is None
                else layer.left_intercept.astype(dtype),
                proto_dtype,
            )
            output = _matmul_add(
                scope,
                container,
                output,
                layer.right.astype(dtype),
                None if layer.intercept is None else layer.intercept.astype(dtype),
                proto_dtype,
            )
        else:
            output = _matmul_add(
                scope,
                container,
                output,
                layer.coef.astype(dtype),
                layer.intercept.astype(dtype),
                proto_dtype,
            )
        activated = scope.get_unique_variable_name("activation")
        op_type = _ONNX_ACTIVATIONS[layer.activation]
        container.add_node(
            op_type, output, activated, name=scope.get_unique_operator_name(op_type)
        )
        output = activated
    return output, layers, proto_dtype, dtype


def _converter(scope, operator, container):
    model = operator.raw_operator
    output, layers, proto_dtype, dtype = _emit_network(scope, operator, container)

    labels, probabilities = operator.outputs[0].full_name, operator.outputs[1].full_name
    if model._is_multilabel():
        apply_identity(scope, output, probabilities, container)
        binarized = scope.get_unique_variable_name("binarized")
        container.add_node(
            "Binarizer", output, binarized, threshold=0.5, op_domain="ai.onnx.ml"
        )
        apply_cast(scope, binarized, labels, container, to=onnx_proto.TensorProto.INT64)
        return
    if layers[-1].shape[1] == 1:  # binary: the probability of the second class
        one = _add_constant(
            scope, container, "one", np.ones(1, dtype=dtype), proto_dtype
        )
        negative = scope.get_unique_variable_name("negative")
        apply_sub(scope, [one, output], negative, container, broadcast=1)
        apply_concat(scope, [negative, output], probabilities, container, axis=1)
    else:
        apply_identity(scope, output, probabilities, container)
    best = scope.get_unique_variable_name("argmax")
    container.add_node(
        "ArgMax",
        probabilities,
        best,
        axis=1,
        name=scope.get_unique_operator_name("ArgMax"),
    )
    classes = np.asarray(get_label_classes(scope, model))
    _finalize_converter_classes(scope, best, labels, container, classes, proto_dtype)


def _regressor_converter(scope, operator, container):
    output, _, _, _ = _emit_network(scope, operator, container)
    apply_identity(scope, output, operator.outputs[0].full_name, container)


update_registered_converter(
    SVDCompressedMLPRegressor,
    "SklearnSVDCompressedMLPRegressor",
    calculate_linear_regressor_output_shapes,
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
