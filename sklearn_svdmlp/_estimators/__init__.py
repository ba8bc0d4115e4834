"""The estimators: scikit-learn's API over the compression, and its searches.

Validation, choosing and fitting the network, orchestration of
:mod:`sklearn_svdmlp._compression`, prediction, the summary, the searches
behind ``rank="auto"``, the scorers, and compressing a fitted pipeline. The
only package that knows about scikit-learn's estimator API.
"""

from ._base import BaseSVDCompressedMLP
from ._classifier import SVDCompressedMLPClassifier
from ._fitted_pipeline import compress_pipeline
from ._inputs import reads_kept_inputs
from ._regressor import SVDCompressedMLPRegressor
from ._scoring import byte_compression_ratio_scorer, compression_ratio_scorer
from ._summary import ModelSummary
from ._unwrap import (
    checked_steps,
    compressed_step,
    model_and_scaler,
    steps_before,
)

__all__ = [
    "BaseSVDCompressedMLP",
    "ModelSummary",
    "SVDCompressedMLPClassifier",
    "SVDCompressedMLPRegressor",
    "byte_compression_ratio_scorer",
    "checked_steps",
    "compress_pipeline",
    "compressed_step",
    "model_and_scaler",
    "compression_ratio_scorer",
    "reads_kept_inputs",
    "steps_before",
]
