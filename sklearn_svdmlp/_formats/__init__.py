"""Storage formats: how a weight matrix is kept, one class per format.

float64 (the networks' own), float32, float16, int8 and int4 are registered here;
``register_format`` adds another.
"""

from ._base import (
    QUANTIZE_OPTIONS,
    StorageFormat,
    float_format,
    get_format,
    register_format,
    unregister_format,
)
from ._floats import Float16Format, Float32Format, Float64Format
from ._integers import Int4Format, Int8Format, SymmetricIntegerFormat

for _format in (
    Float64Format(),
    Float32Format(),
    Float16Format(),
    Int8Format(),
    Int4Format(),
):
    register_format(_format)

__all__ = [
    "QUANTIZE_OPTIONS",
    "StorageFormat",
    "SymmetricIntegerFormat",
    "float_format",
    "get_format",
    "register_format",
    "unregister_format",
]
