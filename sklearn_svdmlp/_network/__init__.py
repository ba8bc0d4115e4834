"""The compressed network: its layers, their costs, its output rule and heads.

Numerical objects over arrays: a stack of layers (dense, factored, or kept
in a storage format) with its forward pass and counts, the
:class:`OutputSpec` that says what the outputs mean, and the adapters of
the heads a truncation retrains. Nothing here knows about estimators.
"""

from ._costs import (
    dense_n_params,
    factored_n_params,
    layer_n_bytes,
    total_bytes,
    total_params,
)
from ._heads import (
    Head,
    UnsupportedHeadError,
    expected_n_params,
    head_adapter,
)
from ._inputs import InputSelection, constant_features
from ._int_arithmetic import fixed_point
from ._integer import IntegerLayer, IntegerNetwork, IntegerStep
from ._layers import (
    AffineStep,
    DenseLayer,
    FactoredLayer,
    activate,
    affine,
    mlp_layers,
)
from ._network import CompressedNetwork
from ._output import OutputSpec, loss_of_activation
from ._quantized import QuantizedLayer

__all__ = [
    "AffineStep",
    "CompressedNetwork",
    "DenseLayer",
    "FactoredLayer",
    "Head",
    "IntegerLayer",
    "IntegerNetwork",
    "IntegerStep",
    "InputSelection",
    "OutputSpec",
    "QuantizedLayer",
    "UnsupportedHeadError",
    "activate",
    "constant_features",
    "affine",
    "dense_n_params",
    "expected_n_params",
    "factored_n_params",
    "fixed_point",
    "head_adapter",
    "layer_n_bytes",
    "loss_of_activation",
    "mlp_layers",
    "total_bytes",
    "total_params",
]
