"""Storage formats: how a weight matrix is kept, one class per format.

float64 (the networks' own), float32, float16 and int8 are registered here;
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
from ._int8 import Int8Format

for _format in (Float64Format(), Float32Format(), Float16Format(), Int8Format()):
    register_format(_format)

__all__ = [
    "QUANTIZE_OPTIONS",
    "StorageFormat",
    "float_format",
    "get_format",
    "register_format",
    "unregister_format",
]
