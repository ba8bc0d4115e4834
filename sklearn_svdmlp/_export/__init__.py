"""Exports: the C runtime and the writer of a model's C file, and ONNX.

The ONNX converters (:mod:`._onnx`, needing the ``onnx`` extra) are
imported only by :mod:`sklearn_svdmlp.onnx`.
"""

from ._c import c_runtime_dir, export_c
from ._quantize import quantize_input

__all__ = ["c_runtime_dir", "export_c", "quantize_input"]
