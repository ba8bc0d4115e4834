"""Plots in scikit-learn's Display API: spectra, and score against size."""

from ._compression_curve import CompressionCurveDisplay
from ._singular_values import SingularValuesDisplay

__all__ = ["CompressionCurveDisplay", "SingularValuesDisplay"]
