"""int8: symmetric integers with one float32 scale per output column."""

import numpy as np

from ._base import StorageFormat


class Int8Format(StorageFormat):
    """Column ``j`` as ``q[:, j] = round(W[:, j] / s[j])`` in ``[-127, 127]``.

    The scale is ``s[j] = max |W[:, j]| / 127`` (float32), so each column's
    largest weight is stored exactly (up to float32) and every weight within
    ``s[j] / 2``; the matrix stands for ``q * s``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._formats import get_format
    >>> matrix = np.array([[1.0, -0.5], [-2.54, 0.25]])
    >>> values, scales = get_format("int8").store(matrix)
    >>> values
    array([[  50, -127],
           [-127,   64]], dtype=int8)
    >>> scales
    array([0.02      , 0.00393701], dtype=float32)
    """

    name = "int8"
    integer = True
    c_type = "signed char"
    c_kernel = "svdmlp_affine_i8"

    def store(self, matrix):
        largest = np.max(np.abs(matrix), axis=0)
        scales = (largest / 127).astype(np.float32)
        # An all-zero column is stored as zeros; its scale only has to be nonzero.
        divisor = np.where(scales > 0, scales, 1).astype(matrix.dtype)
        values = np.clip(np.rint(matrix / divisor), -127, 127).astype(np.int8)
        return np.ascontiguousarray(values), scales

    def c_values(self, values):
        return [str(int(value)) for value in np.ravel(values)]

    def onnx_weights(self, graph, values, scales):
        # Not DequantizeLinear: onnxruntime fuses it with the MatMul into a
        # product that also quantizes the activations (0.03 off in
        # probability on digits).
        as_float = graph.node(
            "Cast", [graph.stored("weights", values)], to=graph.proto_dtype
        )
        return graph.node("Mul", [as_float, graph.constant("scales", scales)])
