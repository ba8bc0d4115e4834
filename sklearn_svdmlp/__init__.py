"""Make trained scikit-learn neural networks smaller with the SVD.

:class:`SVDCompressedMLPClassifier` wraps an ``MLPClassifier`` (and
:class:`SVDCompressedMLPRegressor` an ``MLPRegressor``) and stores its weight
matrices as thin low-rank factors, or cuts a hidden layer and retrains a head
above it. :class:`SingularValuesDisplay` and :class:`CompressionCurveDisplay`
draw what was kept and what it cost (matplotlib, the ``plot`` extra).
"""

from ._c_export import export_c
from ._classifier import SVDCompressedMLPClassifier
from ._layers import DenseLayer, FactoredLayer, QuantizedLayer
from ._network import CompressedNetwork
from ._plot import CompressionCurveDisplay, SingularValuesDisplay
from ._regressor import SVDCompressedMLPRegressor
from ._scoring import byte_compression_ratio_scorer, compression_ratio_scorer

__version__ = "0.1.0"

__all__ = [
    "CompressedNetwork",
    "CompressionCurveDisplay",
    "DenseLayer",
    "FactoredLayer",
    "QuantizedLayer",
    "SVDCompressedMLPClassifier",
    "SVDCompressedMLPRegressor",
    "SingularValuesDisplay",
    "__version__",
    "byte_compression_ratio_scorer",
    "compression_ratio_scorer",
    "export_c",
]
