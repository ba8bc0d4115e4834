"""The compression algorithms: from the original network to a compressed model.

Pure functions over layers and arrays: factorization and the spectra it
reads, rank selection and allocation, the plan (what each layer becomes)
and the build that follows it, error-compensating refits, storing in a
format, and fine-tuning. Nothing here knows about estimators.
"""

from ._fine_tuning import fine_tune_model
from ._model import (
    CompressedModel,
    CompressionSettings,
    TrainingData,
    build_model,
    compress,
    network_spectra,
    plan_model,
)
from ._plan import Plan, cut_requests, default_cut
from ._quantization import ROUNDINGS, stored_model
from ._rank_selection import allocate_ranks, breakeven_rank

__all__ = [
    "ROUNDINGS",
    "CompressedModel",
    "CompressionSettings",
    "Plan",
    "TrainingData",
    "allocate_ranks",
    "breakeven_rank",
    "build_model",
    "compress",
    "cut_requests",
    "default_cut",
    "fine_tune_model",
    "network_spectra",
    "plan_model",
    "stored_model",
]
