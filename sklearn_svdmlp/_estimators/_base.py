"""What both estimators share: validation, choosing the network, orchestration.

The work is done by plain functions: :func:`~sklearn_svdmlp._compression.compress`
plans and builds a compressed model, :mod:`._search` searches over such
models for ``rank="auto"``, and fine-tuning trains one further. The
classifier and the regressor subclass :class:`BaseSVDCompressedMLP` and
supply what differs: the network type, the targets and the default head.
"""

import numbers
from abc import ABCMeta, abstractmethod

from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import get_scorer_names

from .._compat import HasMethods, Interval, StrOptions, _fit_context
from .._compression import ROUNDINGS, stored_model
from .._formats import QUANTIZE_OPTIONS
from .._network import OutputSpec, mlp_layers
from .._split import split_off
from .._warnings import warn
from ._fine_tuned import fine_tuned
from ._input_search import compressed_on_inputs
from ._inputs import KEEP_INPUTS
from ._parameters import (
    auto_search,
    check_parameter_use,
    is_scored,
    seed_from,
)
from ._prediction import PredictionMixin
from ._search import quiet
from ._summary import SummaryMixin, original_table
from ._validation_data import (
    check_validation_data,
    checked_fit_data,
    validation_warnings,
    warn_unscaled,
)
from ._wrapped_network import (
    WrappedNetworkMixin,
    network_takes_sample_weight,
    network_to_compress,
)

# Share held out for a search that scores, unless validation_fraction says.
_DEFAULT_VALIDATION_FRACTION = 0.1


def _forget_fit(estimator):
    """Drop every fitted attribute: a fit starts from none; one failing leaves none."""
    for name in [name for name in vars(estimator) if name.endswith("_")]:
        delattr(estimator, name)


class BaseSVDCompressedMLP(
    PredictionMixin,
    WrappedNetworkMixin,
    SummaryMixin,
    MetaEstimatorMixin,
    BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class of the SVD-compressed multi-layer perceptrons.

    Not for direct use: see :class:`SVDCompressedMLPClassifier` and
    :class:`SVDCompressedMLPRegressor`, whose docstrings describe the
    parameters and attributes. A subclass sets ``_network_type`` (the
    network class it compresses) and implements the abstract methods below:
    what differs between classification and regression.
    """

    # The network class compressed: MLPClassifier or MLPRegressor.
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
        "target_bytes": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "max_score_drop": [Interval(numbers.Real, 0, None, closed="left"), None],
        "svd_on": [StrOptions({"weights", "activations", "outputs"})],
        "keep_inputs": KEEP_INPUTS,
        "fine_tune_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "fine_tune_distillation": [Interval(numbers.Real, 0, 1, closed="both")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "svd_solver": [StrOptions({"auto", "full", "randomized"})],
        # The registry's own set: a format registered later is accepted.
        "quantize": [StrOptions(QUANTIZE_OPTIONS), StrOptions({"auto"}), None],
        "rounding": [StrOptions(set(ROUNDINGS))],
        "integer_only": ["boolean"],
        "keep_original": ["boolean"],
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
        target_bytes=None,
        max_score_drop=None,
        svd_on="weights",
        keep_inputs=None,
        fine_tune_epochs=0,
        fine_tune_distillation=0.0,
        validation_fraction=None,
        scoring=None,
        svd_solver="auto",
        quantize=None,
        rounding="data-aware",
        integer_only=False,
        keep_original=False,
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
        self.target_bytes = target_bytes
        self.max_score_drop = max_score_drop
        self.svd_on = svd_on
        self.keep_inputs = keep_inputs
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_distillation = fine_tune_distillation
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.svd_solver = svd_solver
        self.quantize = quantize
        self.rounding = rounding
        self.integer_only = integer_only
        self.keep_original = keep_original
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
            With ``max_score_drop`` (or ``quantize="auto"``): the data the
            candidates are scored on, instead of a ``validation_fraction``
            split off ``X``. With ``fine_tune_epochs``: the data fine-tuning
            is judged on, ending no worse than it started (``fine_tune_scores_``). Use
            data the network was not trained on, above all with a
            ``FrozenEstimator``. A ``Pipeline`` passes it on untransformed
            unless built with ``transform_input=["X_val"]`` (user guide).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of ``X_val``'s rows in the score.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation = (X_val, y_val, sample_weight_val)
        # What the parameters say together, checked (as each one is by its
        # constraint) before the earlier fit is dropped.
        search = auto_search(
            self.rank,
            self.target_ratio,
            self.max_score_drop,
            self.scoring,
            self.target_bytes,
            self.quantize,
        )
        given = check_validation_data(
            validation,
            is_scored(search, self.quantize, self.keep_inputs),
            self.fine_tune_epochs > 0,
        )
        check_parameter_use(self, search, given)
        _forget_fit(self)
        try:
            self._fit(X, y, sample_weight, validation, search, given)
        except BaseException:
            _forget_fit(self)
            raise
        return self

    # What the subclasses supply.

    @abstractmethod
    def _check_targets(self, y):
        """``y`` checked as targets of this kind of estimator."""

    @abstractmethod
    def _check_frozen_targets(self, network, y):
        """Raise ``ValueError`` if a frozen ``network`` cannot predict ``y``."""

    @abstractmethod
    def _target_attributes(self):
        """Fitted attributes about the targets (``classes_``), from ``estimator_``."""

    @abstractmethod
    def _stratify(self, y):
        """Labels to stratify held-out splits by, or ``None``."""

    @abstractmethod
    def _new_head(self, y):
        """The unfitted head of a truncation, checked, for targets ``y``."""

    # The fit.

    def _stored(self, model, data, formats=None):
        """``model`` as stored: in ``formats`` (a search's choice) or ``quantize``.

        Integer-only (if asked) is calibrated on the training data ``data``.
        """
        if formats is not None and len(set(formats)) == 1:
            formats = formats[0]
        return stored_model(
            model,
            self.quantize if formats is None else formats,
            self.output_spec_,
            self.integer_only,
            data.X,
            data.sample_weight,
            self.rounding,
        )

    def _set_model(self, model):
        """Hold ``model``: its fitted attributes, beside the network's."""
        vars(self).update(model.fitted_attributes())

    def _holding(self, model):
        """A new estimator with these parameters, this network, holding ``model``.

        What a search scores a candidate with: ``self`` (being fitted) is
        not changed. It knows the columns by count, not by name, so it takes
        validated data.
        """
        holder = clone(self)
        holder.output_spec_ = self.output_spec_
        holder.n_features_in_ = self.n_features_in_
        vars(holder).update(self._target_attributes())
        holder._set_model(model)
        return holder

    def _score(self, model, scorer, X, y, sample_weight=None):
        """``scorer`` of ``model`` on validated data."""
        # A plain callable scorer may take no sample_weight.
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(self._holding(model), X, y, **weights)

    def _fit(self, X_given, y, sample_weight, validation, search, given):
        X, y, sample_weight = checked_fit_data(self, X_given, y, sample_weight)
        seed = seed_from(self.random_state)
        report = print if self.verbose else quiet
        weigh_network = network_takes_sample_weight(self, sample_weight)
        scored = is_scored(search, self.quantize, self.keep_inputs)
        if given:
            validation = checked_fit_data(self, *validation, reset=False)
        elif scored:
            fraction = self.validation_fraction or _DEFAULT_VALIDATION_FRACTION
            (X, y, sample_weight), validation = split_off(
                [X, y, sample_weight], fraction, seed, self._stratify(y)
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
            X_given=X_given,
        )
        self.output_spec_ = OutputSpec.of_network(self.estimator_)
        warn_unscaled(self, given, (X, y, sample_weight), validation)
        vars(self).update(self._target_attributes())
        original = mlp_layers(self.estimator_)
        self._original_table_ = original_table(original, type(self.estimator_))
        if scored:
            accuracy = is_classifier(self) and self.scoring in (None, "accuracy")
            drop = 0.0 if self.max_score_drop is None else self.max_score_drop
            for message in validation_warnings(
                self.estimator, given, drop, accuracy, *validation
            ):
                warn(message)
        # From here on, on the inputs kept (keep_inputs), until finish.
        inputs, search, data, model, formats = compressed_on_inputs(
            self, X, y, sample_weight, validation, search, scored, seed, report
        )
        validation = inputs.validation
        head = type(model.head).__name__
        if self.fine_tune_epochs:
            # A search's hold-out, unless a frozen network has likely seen it
            # (which favours the start).
            frozen = isinstance(self.estimator, FrozenEstimator)
            held_out = validation if given or (scored and not frozen) else None
            model, self.loss_curve_, self.fine_tune_scores_, kept = fine_tuned(
                self, search, model, formats, data, y, seed, held_out
            )
            self.fine_tune_kept_start_ = kept
        elif search.stored is None:
            model = self._stored(model, data, formats)
        else:  # stored by the search already
            model = search.stored
        model = inputs.finish(model)
        if model.compression_ratio < 1:
            warn(
                f"The compressed model stores more numbers ({model.n_params:,}) "
                f"than the network ({model.n_params_original:,}): its head, "
                f"{head}, outweighs what was cut. Use a "
                "linear head (the default) or compress less."
            )
        self._set_model(model)
        if not self.keep_original:
            del self.estimator_
