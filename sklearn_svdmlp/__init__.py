"""Make trained scikit-learn neural networks smaller with the SVD.

:class:`SVDCompressedMLPClassifier` wraps an ``MLPClassifier`` (and
:class:`SVDCompressedMLPRegressor` an ``MLPRegressor``) and stores its weight
matrices as thin low-rank factors, or cuts a hidden layer and retrains a head
above it.
"""

from ._classifier import SVDCompressedMLPClassifier
from ._compressed_network import CompressedNetwork, DenseLayer, FactoredLayer
from ._regressor import SVDCompressedMLPRegressor

__version__ = "0.1.0"

__all__ = [
    "CompressedNetwork",
    "DenseLayer",
    "FactoredLayer",
    "SVDCompressedMLPClassifier",
    "SVDCompressedMLPRegressor",
    "__version__",
]
