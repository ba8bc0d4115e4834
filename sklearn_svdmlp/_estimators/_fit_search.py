"""The search ``rank="auto"`` runs inside ``fit``, with the estimator's parameters.

:class:`FitSearch` binds the pure searches (:mod:`._search`,
:mod:`._byte_search`) to one fit: its network, settings, training data and
shared decompositions, the estimator's way of storing a candidate and of
scoring it on the held-out data. It records what the estimator reports
after the fit (``sensitivity_``, ``baseline_score_``, ``validation_score_``,
``candidates_``).
"""

from functools import cached_property

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring

from .._compression import compress
from .._formats import float_format
from .._network import total_params
from .._warnings import warn
from ._byte_search import (
    BudgetTooSmallError,
    compress_to_bytes,
    format_assignments,
    smallest_within_drop,
)
from ._search import compress_to_ratio, search_score_drop


class FitSearch:
    """One fit's search.

    Parameters
    ----------
    estimator : BaseSVDCompressedMLP
        Being fitted: its parameters, ``_stored`` and ``_score``.
    kind : str or None
        What :func:`~._parameters.auto_search` returned.
    original : list of DenseLayer
    settings : CompressionSettings
    data : TrainingData
    spectra : NetworkSpectra
    report : callable

    Attributes
    ----------
    validation : tuple
        ``(X, y, sample_weight)`` candidates are scored on, for a search
        that scores.
    stored : CompressedModel or None
        The chosen model as stored, where the search stored it (a search in
        bytes): without fine-tuning, the fit keeps it as it is.
    reserved_bytes : int
        Bytes the fitted model stores beside a candidate's: the runs of the
        inputs kept (``keep_inputs``), which candidates do not read yet.
    baseline : float or None
        The score ``max_score_drop`` is measured from, where it is not the
        uncompressed network's on these inputs (with ``keep_inputs``: the
        original network's on all of them, the same for every count).
    n_params_original : int or None
        The parameters ``target_ratio`` divides, where they are not
        ``original``'s (with ``keep_inputs``: the network's on all its inputs).
    """

    def __init__(self, estimator, kind, original, settings, data, spectra, report):
        self.estimator, self.kind = estimator, kind
        self.original, self.settings, self.data = original, settings, data
        self.spectra, self.report = spectra, report
        self.validation = self.stored = None
        self.reserved_bytes = 0
        self.baseline = self.n_params_original = None

    def score(self, model, validation=None):
        """The score of ``model`` (stored) on the held-out data, or ``validation``."""
        estimator = self.estimator
        scorer = check_scoring(estimator, scoring=estimator.scoring)
        if validation is None:
            validation = self.validation
        return estimator._score(model, scorer, *validation)

    def _fidelity(self, stored):
        """How close ``stored`` is to the network on the training data (higher: closer).

        The mean log-likelihood of the network's probabilities under the
        model's (per label for multilabel targets), or minus the mean squared
        difference of a regressor's predictions; ``None`` for a model with no
        probabilities. Many rows and no labels: what ties on a few hundred
        held-out rows are broken by.
        """
        estimator = self.estimator
        X, network = self.data.X, estimator.estimator_
        holder = estimator._holding(stored)
        if not is_classifier(estimator):
            error = holder.predict(X) - network.predict(X)
            return -float(np.mean(np.square(error)))
        if not hasattr(holder, "predict_proba"):
            return None
        P = network.predict_proba(X)
        Q = np.clip(holder.predict_proba(X), 1e-12, 1 - 1e-12)
        likelihood = P * np.log(Q)
        if estimator.output_spec_.kind == "multilabel":
            likelihood += (1 - P) * np.log(1 - Q)
        return float(np.mean(np.sum(likelihood, axis=1)))

    def _store(self, model, formats):
        """``model`` stored as the fit will store it: ``formats`` are for "auto"."""
        if self.estimator.quantize != "auto":
            formats = None
        return self.estimator._stored(model, self.data, formats)

    @cached_property
    def _uncompressed(self):
        """The network as a compressed model of no rank, built once."""
        return compress(
            self.original,
            [None] * len(self.original),
            self.settings,
            self.data,
            self.spectra,
        )

    def _baseline(self):
        """The uncompressed network's score, as it is (not stored), or ``baseline``."""
        if self.baseline is not None:
            return self.baseline
        return self._uncompressed_score

    @cached_property
    def _uncompressed_score(self):
        """The score of the network on these inputs, uncompressed."""
        return self.score(self._uncompressed)

    def to_ratio(self):
        """``target_ratio``: the model of the most energy within the parameters.

        The ratio is against the network on all its inputs: on fewer, the
        reduced network's share of that budget.
        """
        target = self.estimator.target_ratio
        if self.n_params_original is not None:
            reduced = total_params(self.original)
            target = max(1.0, target * reduced / self.n_params_original)
        return compress_to_ratio(
            self.original,
            self.settings,
            self.data,
            self.spectra,
            target,
            self.report,
        )

    def smallest_within_drop(self):
        """``max_score_drop`` with one format: the fewest parameters that hold."""
        estimator = self.estimator
        model, *found = search_score_drop(
            self.original,
            self.settings,
            self.data,
            self.spectra,
            estimator.max_score_drop,
            lambda model: self.score(self._store(model, None)),
            self.report,
            self._baseline(),
        )
        estimator.sensitivity_, estimator.baseline_score_ = found[:2]
        estimator.validation_score_ = found[2]
        if all(rank is None for rank in model.ranks):
            self._warn_uncompressed()
        return model

    def _warn_uncompressed(self):
        estimator = self.estimator
        kept = "network"
        if self.baseline is not None:  # reduced to the inputs kept
            if self.baseline - self._uncompressed_score <= estimator.max_score_drop:
                return  # it holds the drop, and nothing smaller does
            kept = (
                f"network reduced to its {self.data.X.shape[1]} inputs kept "
                f"(keep_inputs={estimator.keep_inputs!r}), which itself scores "
                f"{self._uncompressed_score:.4f} against the network's "
                f"{self.baseline:.4f},"
            )
        warn(
            f"No compressed model stays within max_score_drop="
            f"{estimator.max_score_drop} on the validation data; the {kept} "
            "is kept uncompressed."
        )

    def _assignments(self):
        """The assignments of formats to the stored layers tried."""
        quantize = self.estimator.quantize
        if quantize is None:  # the network's own type
            quantize = float_format(self.original[0].coef.dtype).name
        return format_assignments(len(self.original), self.settings.method, quantize)

    def _counted(self, candidates):
        """``candidates`` with their bytes as the fitted model would count them."""
        for candidate in candidates:
            candidate["n_bytes"] += self.reserved_bytes
        return candidates

    def best_within_bytes(self):
        """``target_bytes``: the best stored model within the bytes, and its formats.

        With one format, the model of the most energy; with ``quantize="auto"``,
        the best scoring of the assignments of formats.
        """
        estimator = self.estimator
        scored = estimator.quantize == "auto"
        try:
            model, formats, self.stored, candidates = compress_to_bytes(
                self.original,
                self.settings,
                self.data,
                self.spectra,
                estimator.target_bytes - self.reserved_bytes,
                self._assignments(),
                self._store,
                self.score if scored else None,
                self.report,
                self._fidelity if scored else None,
            )
        except BudgetTooSmallError as error:
            if not self.reserved_bytes:
                raise
            # The user's numbers: the budget and the runs of the inputs kept.
            smallest = error.smallest + self.reserved_bytes
            raise BudgetTooSmallError(
                f"target_bytes={estimator.target_bytes} is smaller than any model "
                f"reading {self.data.X.shape[1]} inputs (keep_inputs="
                f"{estimator.keep_inputs!r}): the smallest stores {smallest:,} "
                f"bytes ({error.smallest:,} and {self.reserved_bytes:,} of the "
                "runs of inputs read). Raise target_bytes or keep fewer inputs.",
                smallest,
            ) from None
        estimator.candidates_ = self._counted(candidates)
        if scored:
            estimator.validation_score_ = max(
                candidate["score"] for candidate in candidates
            )
        return model, (formats if estimator.quantize == "auto" else None)

    def fewest_bytes_within_drop(self):
        """``max_score_drop`` with ``quantize="auto"``: the fewest bytes that hold."""
        estimator = self.estimator
        baseline = self._baseline()
        estimator.baseline_score_ = baseline

        def holds(stored):
            value = self.score(stored)
            return baseline - value <= estimator.max_score_drop, value

        full = self._store(self._uncompressed, ("int8",) * len(self.original))
        model, formats, candidates = smallest_within_drop(
            self.original,
            self.settings,
            self.data,
            self.spectra,
            self._assignments(),
            self._store,
            holds,
            full.n_bytes,
            self.report,
        )
        estimator.candidates_ = self._counted(candidates)
        if model is None:
            self._warn_uncompressed()
            estimator.validation_score_ = self.score(full)
            return self._uncompressed, ("int8",) * len(self.original)
        estimator.validation_score_ = max(
            candidate["score"]
            for candidate in candidates
            if candidate["holds"]
            and candidate["formats"] == formats
            and candidate["ranks"] == model.ranks
        )
        return model, formats
