"""What both estimators share: validation, choosing the network, orchestration.

The work is done by plain functions: :func:`._model.build_model` builds a
compressed model, :mod:`._search` searches over such models for
``rank="auto"``, :mod:`._fine_tuning` trains one further. The classifier and
the regressor subclass :class:`BaseSVDCompressedMLP` and supply what differs:
the network type, the targets, the default head and how the network's output
becomes a prediction.
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import column_or_1d
from sklearn.utils.validation import validate_data

from ._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)
from ._fine_tuning import fine_tune_model
from ._layers import mlp_layers
from ._model import CompressionSettings, build_model, seed_from
from ._prediction import PredictionMixin
from ._quantization import FORMATS, stored_model
from ._rank_selection import auto_search, rank_requests
from ._search import compress_to_ratio, quiet, search_score_drop
from ._summary import SummaryMixin
from ._validation_data import check_validation_data, split_off, validation_warnings
from ._wrapped_network import (
    WrappedNetworkMixin,
    network_takes_sample_weight,
    network_to_compress,
)


def _forget_fit(estimator):
    """Drop every fitted attribute: a fit starts from none; one failing leaves none.

    (Parameters are validated before, as in scikit-learn: an invalid one
    raises with the earlier fit left as it was.)
    """
    for name in [name for name in vars(estimator) if name.endswith("_")]:
        delattr(estimator, name)


class BaseSVDCompressedMLP(
    PredictionMixin,
    WrappedNetworkMixin,
    SummaryMixin,
    MetaEstimatorMixin,
    BaseEstimator,
):
    """Base class of the SVD-compressed multi-layer perceptrons.

    Not for direct use: see :class:`SVDCompressedMLPClassifier` and
    :class:`SVDCompressedMLPRegressor`, whose docstrings describe the
    parameters and attributes.
    """

    # Set by subclasses.
    _network_type = None

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "method": [StrOptions({"svd", "truncated"})],
        "rank": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 1, None, closed="left"),
            # Real, not RealNotInt, which rejects np.float32: no int is in (0, 1).
            Interval(numbers.Real, 0, 1, closed="neither"),
            list,
            tuple,
            None,
        ],
        "bias": [StrOptions({"separate", "augment"})],
        "head": [HasMethods(["fit", "predict"]), None],
        "target_ratio": [Interval(numbers.Real, 1, None, closed="neither"), None],
        "max_score_drop": [Interval(numbers.Real, 0, None, closed="left"), None],
        "svd_on": [StrOptions({"weights", "activations", "outputs"})],
        "fine_tune_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "fine_tune_distillation": [Interval(numbers.Real, 0, 1, closed="both")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "svd_solver": [StrOptions({"auto", "full", "randomized"})],
        "quantize": [StrOptions(set(FORMATS)), None],
        "memory": [None, str, HasMethods(["cache"])],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        method="svd",
        rank=0.8,
        bias="separate",
        head=None,
        target_ratio=None,
        max_score_drop=None,
        svd_on="weights",
        fine_tune_epochs=0,
        fine_tune_distillation=0.0,
        validation_fraction=0.1,
        scoring=None,
        svd_solver="auto",
        quantize=None,
        memory=None,
        verbose=0,
        random_state=None,
    ):
        self.estimator = estimator
        self.method = method
        self.rank = rank
        self.bias = bias
        self.head = head
        self.target_ratio = target_ratio
        self.max_score_drop = max_score_drop
        self.svd_on = svd_on
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_distillation = fine_tune_distillation
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.svd_solver = svd_solver
        self.quantize = quantize
        self.memory = memory
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit (or take) the network, compress it, retrain what the method retrains.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels or a multilabel indicator matrix for the
            classifier, numbers for the regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the network's ``fit`` (unless it is frozen; with
            metadata routing enabled, only if the network requests it) and to
            the head's.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            With ``max_score_drop``: the data the score drop is judged on,
            instead of a ``validation_fraction`` split off ``X``. Use data the
            network was not trained on, above all with a ``FrozenEstimator``.
            Inside a ``Pipeline``, it reaches this model as given, not
            transformed by the steps before it.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of ``X_val``'s rows in the score.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        _forget_fit(self)
        try:
            self._fit(X, y, sample_weight, (X_val, y_val, sample_weight_val))
        except BaseException:
            _forget_fit(self)
            raise
        return self

    def _stored(self, model):
        """``model`` as it is stored: in the ``quantize`` format, if any."""
        return stored_model(model, self.quantize, self.estimator_.coefs_[-1].shape[1])

    def _checked(self, X, y, sample_weight, reset=True):
        """``X``, ``y`` and ``sample_weight`` validated, as ``fit`` takes them."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        return X, self._check_targets(y), sample_weight

    def _fit(self, X, y, sample_weight, validation):
        X, y, sample_weight = self._checked(X, y, sample_weight)
        search = auto_search(
            self.rank, self.target_ratio, self.max_score_drop, self.scoring
        )
        given = check_validation_data(validation, search)
        seed = seed_from(self.random_state)
        report = print if self.verbose else quiet
        weigh_network = network_takes_sample_weight(self, sample_weight)
        if given:
            validation = self._checked(*validation, reset=False)
        elif search == "max_score_drop":
            (X, y, sample_weight), validation = split_off(
                [X, y, sample_weight], self.validation_fraction, seed, self._stratify(y)
            )
        self.estimator_ = network_to_compress(
            self.estimator,
            self._network_type,
            X,
            y,
            sample_weight if weigh_network else None,
            seed=seed,
            memory=self.memory,
            check_targets=self._check_frozen_targets,
        )
        self._set_target_attributes(self.estimator_)
        original = mlp_layers(self.estimator_)
        settings = CompressionSettings(
            self.method,
            self.bias,
            self.svd_on,
            self.svd_solver,
            seed,
            X,
            y,
            sample_weight,
            self._new_head(y) if self.method == "truncated" else None,
        )
        if search == "max_score_drop":
            accuracy = is_classifier(self) and self.scoring in (None, "accuracy")
            for message in validation_warnings(
                self.estimator, given, self.max_score_drop, accuracy, *validation
            ):
                warnings.warn(message, UserWarning, stacklevel=4)
            scorer = check_scoring(self, scoring=self.scoring)
            # Candidates are scored as stored; the drop is measured from the
            # network as it is.
            uncompressed = build_model(original, [None] * len(original), settings)
            model, *found = search_score_drop(
                original,
                settings,
                self.max_score_drop,
                lambda model: self._stored(model).score(scorer, self, *validation),
                report,
                uncompressed.score(scorer, self, *validation),
            )
            self.sensitivity_, self.baseline_score_, self.validation_score_ = found
            if all(rank is None for rank in model.ranks):
                warnings.warn(
                    f"No compressed model stays within max_score_drop="
                    f"{self.max_score_drop} on the validation data; the network "
                    "is kept uncompressed.",
                    UserWarning,
                    stacklevel=4,  # _fit, fit, fit's validation wrapper, the caller
                )
        elif search == "target_ratio":
            model = compress_to_ratio(original, settings, self.target_ratio, report)
        else:
            requests = rank_requests(self.rank, self.method, len(original))
            model = build_model(original, requests, settings)
        if self.fine_tune_epochs:
            model, self.loss_curve_ = fine_tune_model(
                model,
                settings,
                self.estimator_,
                self.fine_tune_epochs,
                network_targets=self._network_targets,
                early_stopping_score=self._early_stopping_score,
                stratify=self._stratify(y),
                distillation=self.fine_tune_distillation,
                verbose=self.verbose,
            )
        head = type(model.head).__name__
        model = self._stored(model)
        if model.compression_ratio < 1:
            warnings.warn(
                f"The compressed model stores more numbers ({model.n_params:,}) "
                f"than the network ({model.n_params_original:,}): its head, "
                f"{head}, outweighs what was cut. Use a "
                "linear head (the default) or compress less.",
                UserWarning,
                stacklevel=4,  # _fit, fit, fit's validation wrapper, the caller
            )
        vars(self).update(model.fitted_attributes())
