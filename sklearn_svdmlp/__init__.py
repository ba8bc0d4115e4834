"""Make trained scikit-learn neural networks smaller with the SVD.

:class:`SVDCompressedMLPClassifier` wraps an ``MLPClassifier`` (and
:class:`SVDCompressedMLPRegressor` an ``MLPRegressor``) and stores its weight
matrices as thin low-rank factors, or cuts a hidden layer and retrains a head
above it. :class:`SingularValuesDisplay` and :class:`CompressionCurveDisplay`
draw what was kept and what it cost (matplotlib, the ``plot`` extra).
:func:`compress_pipeline` compresses the network at the end of a fitted
``Pipeline``, its other steps frozen.
"""

from ._estimators import (
    ModelSummary,
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    byte_compression_ratio_scorer,
    compress_pipeline,
    compression_ratio_scorer,
)
from ._export import c_runtime_dir, export_c, quantize_input
from ._network import (
    CompressedNetwork,
    DenseLayer,
    FactoredLayer,
    OutputSpec,
    QuantizedLayer,
    UnsupportedHeadError,
)
from ._plot import CompressionCurveDisplay, SingularValuesDisplay

__version__ = "0.1.0"

__all__ = [
    "CompressedNetwork",
    "CompressionCurveDisplay",
    "DenseLayer",
    "FactoredLayer",
    "ModelSummary",
    "OutputSpec",
    "QuantizedLayer",
    "SVDCompressedMLPClassifier",
    "SVDCompressedMLPRegressor",
    "SingularValuesDisplay",
    "UnsupportedHeadError",
    "__version__",
    "byte_compression_ratio_scorer",
    "c_runtime_dir",
    "compress_pipeline",
    "compression_ratio_scorer",
    "export_c",
    "quantize_input",
]
