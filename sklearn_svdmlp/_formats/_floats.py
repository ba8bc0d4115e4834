"""Floating-point formats: float64 and float32 as they are, float16 as its bits."""

import numpy as np

from ._base import StorageFormat


class _FloatFormat(StorageFormat):
    """Each weight rounded to a float type; no scales."""

    dtype = None

    def store(self, matrix):
        return np.ascontiguousarray(matrix, dtype=self.dtype), None

    def onnx_weights(self, graph, values, scales):
        return graph.constant("weights", values)


class Float64Format(_FloatFormat):
    """float64, the networks' own type: what ``quantize=None`` keeps.

    Written to C as ``float``, the type the C runtime computes in: each
    value converted once, as the device would convert it before every
    multiply, so the results are the same and no ``double`` arithmetic (a
    software routine on most microcontrollers) is left.
    """

    name = "float64"
    quantizable = False
    dtype = np.dtype(np.float64)
    bias_dtype = np.dtype(np.float64)
    c_type = "float"
    c_kernel = "svdmlp_affine_f32"

    def c_values(self, values):
        return Float32Format().c_values(np.asarray(values, dtype=np.float32))

    def c_nbytes(self, values):
        return 4 * np.size(values)


class Float32Format(_FloatFormat):
    """float32: half of float64's bytes, 7 significant digits."""

    name = "float32"
    dtype = np.dtype(np.float32)
    c_type = "float"
    c_kernel = "svdmlp_affine_f32"

    def c_values(self, values):
        return [f"{value:.9e}f" for value in np.ravel(values)]


class Float16Format(_FloatFormat):
    """float16 (IEEE half precision), written to C as its 16 bits."""

    name = "float16"
    dtype = np.dtype(np.float16)
    c_type = "unsigned short"
    c_kernel = "svdmlp_affine_f16"

    def c_values(self, values):
        bits = np.ravel(np.asarray(values, dtype=np.float16).view(np.uint16))
        return [str(int(value)) for value in bits]

    def onnx_weights(self, graph, values, scales):
        # Kept as float16 in the file, computed at the graph's type.
        stored = graph.stored("weights", values)
        return graph.node("Cast", [stored], to=graph.proto_dtype)
