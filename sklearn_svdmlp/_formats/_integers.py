"""Symmetric integer formats: int8, and int4 packed two to a byte.

Column ``j`` of a matrix ``W`` is stored as ``q[:, j] = round(W[:, j] /
s[j])`` in ``[-L, L]`` (``L = 2**(bits - 1) - 1``: 127, or 7), with one
float32 scale ``s[j] = max |W[:, j]| / L`` per column, counted in the bytes:
each column's largest weight is stored exactly (up to float32) and every
weight within ``s[j] / 2``; the matrix stands for ``q * s``.
"""

import warnings

import numpy as np

from ._base import StorageFormat


class SymmetricIntegerFormat(StorageFormat):
    """Symmetric integers of ``bits`` bits, one float32 scale per output column.

    Besides :meth:`store` (rounding each weight to the nearest integer), the
    steps apart, for roundings that choose the integers otherwise (data-aware
    rounding): :meth:`scales_of`, then integers in ``[-largest, largest]``,
    then :meth:`encode`.
    """

    bits = None
    integer = True

    @property
    def largest(self):
        """The largest integer stored: ``2**(bits - 1) - 1``."""
        return 2 ** (self.bits - 1) - 1

    def scales_of(self, matrix):
        """Each column's scale: its largest magnitude over :attr:`largest`."""
        largest = np.max(np.abs(matrix), axis=0, initial=0)
        return (largest / self.largest).astype(np.float32)

    def rounded(self, matrix, scales):
        """``matrix / scales`` rounded to the nearest integers, as int8."""
        # An all-zero column is stored as zeros; its scale only has to be nonzero.
        divisor = np.where(scales > 0, scales, 1).astype(matrix.dtype)
        q = np.clip(np.rint(matrix / divisor), -self.largest, self.largest)
        return q.astype(np.int8)

    def encode(self, q):
        """The stored values of the integers ``q`` (int8, n_in x n_out)."""
        return np.ascontiguousarray(q, dtype=np.int8)

    def integers(self, values, scales):
        """The integers (int8, ``n_in x n_out``) stored ``values`` hold."""
        return values

    def store(self, matrix):
        scales = self.scales_of(matrix)
        return self.encode(self.rounded(matrix, scales)), scales

    def round_trip(self, matrix):
        scales = self.scales_of(matrix).astype(matrix.dtype)
        return self.rounded(matrix, scales) * scales

    def as_float(self, values, scales):
        return self.integers(values, scales).astype(np.float32)

    def shape(self, values, scales):
        return self.integers(values, scales).shape

    def c_values(self, values):
        return [str(int(value)) for value in np.ravel(values)]

    def onnx_weights(self, graph, values, scales):
        # Not DequantizeLinear: onnxruntime fuses it with the MatMul into a
        # product that also quantizes the activations (0.03 off in
        # probability on digits).
        integers, op_version = self._onnx_integers(graph, values, scales)
        as_float = graph.node(
            "Cast", [integers], to=graph.proto_dtype, op_version=op_version
        )
        return graph.node("Mul", [as_float, graph.constant("scales", scales)])

    def _onnx_integers(self, graph, values, scales):
        """An initializer of the integers, and the ``Cast`` version that reads it."""
        return graph.stored("weights", self.integers(values, scales)), None


class Int8Format(SymmetricIntegerFormat):
    """int8: integers in ``[-127, 127]``, one per byte.

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
    bits = 8
    c_type = "signed char"
    c_kernel = "svdmlp_affine_i8"


class Int4Format(SymmetricIntegerFormat):
    """int4: integers in ``[-7, 7]``, two per byte.

    Row ``i`` of the stored array holds ``q[i, 2k]`` in the low four bits of
    byte ``k`` and ``q[i, 2k + 1]`` in the high four (two's complement), a
    zero nibble after an odd last column. The scales give the number of
    columns.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._formats import get_format
    >>> int4 = get_format("int4")
    >>> values, scales = int4.store(np.array([[1.0, -0.5, 7.0], [-7.0, 0.2, 0.0]]))
    >>> values.shape, values.dtype.name  # 2 rows of 3 columns, 2 bytes a row
    ((2, 2), 'uint8')
    >>> int4.integers(values, scales)
    array([[ 1, -7,  7],
           [-7,  3,  0]], dtype=int8)
    """

    name = "int4"
    bits = 4
    c_type = "unsigned char"
    c_kernel = "svdmlp_affine_i4"

    def encode(self, q):
        q = np.asarray(q, dtype=np.int8)
        if q.shape[1] % 2:
            q = np.hstack([q, np.zeros((q.shape[0], 1), dtype=np.int8)])
        nibbles = q.astype(np.uint8) & 0xF
        return np.ascontiguousarray(nibbles[:, 0::2] | (nibbles[:, 1::2] << 4))

    def integers(self, values, scales):
        nibbles = np.empty((values.shape[0], 2 * values.shape[1]), dtype=np.int8)
        nibbles[:, 0::2] = values & 0xF
        nibbles[:, 1::2] = values >> 4
        # Two's complement of four bits.
        nibbles = (nibbles ^ 8) - 8
        return np.ascontiguousarray(nibbles[:, : len(scales)])

    def _onnx_integers(self, graph, values, scales):
        return int4_initializer(graph, self.integers(values, scales))


def int4_initializer(graph, q):
    """An ONNX initializer of the int4 integers ``q``, and the ``Cast`` version.

    INT4 from opset 21 (packed as :class:`Int4Format` packs a row, over the
    flattened array); before, int8 and a warning that says so.
    """
    if graph.opset < 21:
        warnings.warn(
            f"ONNX opset {graph.opset} has no INT4 tensors (opset 21 has): "
            "the 4-bit weights are stored as int8, twice their bytes. Convert "
            "with target_opset=21 or later to keep them in 4 bits.",
            UserWarning,
            stacklevel=2,
        )
        return graph.stored("weights", q), None
    from onnx import TensorProto, helper

    packed = Int4Format().encode(q.reshape(1, -1)).tobytes()
    proto = helper.make_tensor(
        graph.name("weights"), TensorProto.INT4, q.shape, packed, raw=True
    )
    return graph.tensor(proto), 21  # Cast reads INT4 from opset 21
