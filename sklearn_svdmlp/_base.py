"""What both estimators share: validation, orchestration, compression, summary.

The classifier and the regressor subclass :class:`BaseSVDCompressedMLP` and
supply what differs: the network type, the targets, the default head and how
the output becomes a prediction.
"""

import copy
import numbers
import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d, get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_memory,
    has_fit_parameter,
    validate_data,
)

from ._budget_search import layer_sensitivity, search_under_drop
from ._compressed_network import CompressedNetwork, network_from_mlp
from ._compression import (
    activation_spectra,
    factored_network,
    truncated_network,
    weight_spectra,
)
from ._fine_tuning import fine_tune
from ._head import (
    head_layers,
    head_multiply_adds,
    head_targets,
    set_head_layers,
    stored_floats,
)
from ._rank_selection import (
    allocate_ranks,
    breakeven_rank,
    is_rank_request,
    truncation_layer,
)
from ._summary import format_table, layer_row

_OPTIONAL_FITTED_ATTRIBUTES = (
    "sensitivity_",
    "baseline_score_",
    "validation_score_",
    "loss_curve_",
)


def _fit_network(network, X, y, sample_weight):
    """Fit ``network``; module level so ``joblib.Memory`` can cache it."""
    if sample_weight is None:
        return network.fit(X, y)
    return network.fit(X, y, sample_weight=sample_weight)


def _without_optimizer(estimator, copies):
    """``estimator``, or a shallow copy of it without an MLP's ``_optimizer``."""
    if isinstance(estimator, FrozenEstimator):
        inner = _without_optimizer(estimator.estimator, copies)
        if inner is estimator.estimator:
            return estimator
        if id(estimator) not in copies:
            copies[id(estimator)] = FrozenEstimator(inner)
        return copies[id(estimator)]
    if not hasattr(estimator, "_optimizer"):
        return estimator
    if id(estimator) not in copies:
        network = copy.copy(estimator)
        del network._optimizer
        copies[id(estimator)] = network
    return copies[id(estimator)]


class BaseSVDCompressedMLP(MetaEstimatorMixin, BaseEstimator):
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
            Interval(RealNotInt, 0, 1, closed="neither"),
            list,
            tuple,
            None,
        ],
        "bias": [StrOptions({"separate", "augment"})],
        "head": [HasMethods(["fit", "predict"]), None],
        "target_ratio": [Interval(numbers.Real, 1, None, closed="neither"), None],
        "max_score_drop": [Interval(numbers.Real, 0, None, closed="left"), None],
        "svd_on": [StrOptions({"weights", "activations"})],
        "fine_tune_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "validation_fraction": [Interval(RealNotInt, 0, 1, closed="neither")],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "svd_solver": [StrOptions({"auto", "full", "randomized"})],
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
        validation_fraction=0.1,
        scoring=None,
        svd_solver="auto",
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
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.svd_solver = svd_solver
        self.memory = memory
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit (or take) the network, compress it, retrain what the method retrains.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the network's ``fit`` (unless it is frozen) and to the
            head's.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # Attributes only some configurations set must not outlive a refit.
        for name in _OPTIONAL_FITTED_ATTRIBUTES:
            self.__dict__.pop(name, None)
        try:
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                dtype=(np.float64, np.float32),
            )
            if y.ndim == 2 and y.shape[1] == 1:
                y = column_or_1d(y, warn=True)
            y = self._check_targets(y)
            if sample_weight is not None:
                sample_weight = _check_sample_weight(sample_weight, X)
            self._check_auto_parameters()
            seed = self._seed()

            held_out = None
            if self.rank == "auto" and self.max_score_drop is not None:
                X, y, sample_weight, held_out = self._split_validation(
                    X, y, sample_weight, seed
                )
            self.estimator_ = self._fitted_network(X, y, sample_weight, seed)
            self._set_target_attributes(self.estimator_)
            original = network_from_mlp(self.estimator_)
            self.n_params_original_ = original.n_params
            data = (X, sample_weight) if self.svd_on == "activations" else (None, None)
            self._fit_data = (X, y, sample_weight, seed, data)
            self._full_spectra = None

            if self.rank == "auto" and self.max_score_drop is not None:
                self._search_under_drop(original, *held_out)
            elif self.rank == "auto":
                self._compress_to_ratio(original)
            else:
                self._compress(original, self._rank_per_layer(len(original.layers)))
            if self.fine_tune_epochs:
                self._fine_tune()
            self._set_counts()
        except BaseException:
            # No half-fitted model: drop what this fit had set.
            for name in [n for n in vars(self) if n.endswith("_")]:
                delattr(self, name)
            raise
        finally:
            # The training data is only needed while fitting.
            self.__dict__.pop("_fit_data", None)
            self.__dict__.pop("_full_spectra", None)
        return self

    def _check_auto_parameters(self):
        chosen = [
            name
            for name in ("target_ratio", "max_score_drop")
            if getattr(self, name) is not None
        ]
        if self.rank != "auto" and chosen:
            raise ValueError(
                f"{chosen[0]} is only used with rank='auto'; got rank={self.rank!r}. "
                "Set rank='auto' or leave it None."
            )
        if self.rank == "auto" and len(chosen) != 1:
            raise ValueError(
                "rank='auto' needs exactly one of target_ratio (a float > 1) or "
                f"max_score_drop (a float >= 0); got {len(chosen)}."
            )

    def _split_validation(self, X, y, sample_weight, seed):
        stratify = self._stratify(y)
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        try:
            parts = train_test_split(
                *arrays,
                test_size=self.validation_fraction,
                random_state=seed,
                stratify=stratify,
            )
        except ValueError:  # a class too small to stratify
            parts = train_test_split(
                *arrays, test_size=self.validation_fraction, random_state=seed
            )
        train, validation = parts[0::2], parts[1::2]
        if sample_weight is None:
            train, validation = [*train, None], [*validation, None]
        return (*train, tuple(validation))

    # ------------------------------------------------------------ compress
    def _compress(self, original, rank_per_layer):
        """Build network_, head_, ranks_ for one rank request per layer."""
        X, y, sample_weight, seed, data = self._fit_data
        if self.method == "svd" or all(r is None for r in rank_per_layer):
            self.network_, self.ranks_, spectra = factored_network(
                original, rank_per_layer, self.bias, *data, self.svd_solver, seed
            )
            self.singular_values_ = spectra
            self.head_ = None
            return
        cut = truncation_layer(rank_per_layer)
        self.network_, rank, spectrum = truncated_network(
            original, cut, rank_per_layer[cut], self.bias, *data, self.svd_solver, seed
        )
        self.singular_values_ = [*self._full_spectra_of(original)]
        self.singular_values_[cut] = spectrum
        self.ranks_ = [None] * len(original.layers)
        self.ranks_[cut] = rank
        self.head_ = self._fitted_head(X, y, sample_weight, seed)

    def _full_spectra_of(self, original):
        """Every layer's whole spectrum, on the weights or the data; once per fit."""
        if self._full_spectra is None:
            X, _, sample_weight, _, _ = self._fit_data
            self._full_spectra = (
                weight_spectra(original, self.bias)
                if self.svd_on == "weights"
                else activation_spectra(original, X, self.bias, sample_weight)
            )
        return self._full_spectra

    def _current_n_params(self):
        n_params = self.network_.n_params
        if self.head_ is not None:
            n_params += stored_floats(self.head_)
        return n_params

    def _set_counts(self):
        self.n_params_ = self._current_n_params()
        self.compression_ratio_ = self.n_params_original_ / self.n_params_

    def _compress_to_ratio(self, original):
        budget = self.n_params_original_ / self.target_ratio
        if self.method == "svd":
            shapes = [layer.shape for layer in original.layers]
            try:
                ranks = allocate_ranks(
                    self._full_spectra_of(original), shapes, self.bias, budget
                )
            except ValueError as error:
                raise ValueError(
                    f"target_ratio={self.target_ratio} cannot be reached: {error}"
                ) from None
            self._compress(original, ranks)
            return
        # Truncation: the widest cut of the last hidden layer that reaches the
        # ratio, by bisection (the head's size is only known once it is fitted).
        cut = self._cut_layer(len(original.layers))
        low, high, best = 1, original.layers[cut].shape[1], None
        while low <= high:
            middle = (low + high) // 2
            self._compress(original, self._cut_request(len(original.layers), middle))
            if self.n_params_original_ / self._current_n_params() >= self.target_ratio:
                best, low = middle, middle + 1
            else:
                high = middle - 1
        if best is None:
            raise ValueError(
                f"target_ratio={self.target_ratio} cannot be reached: truncating "
                f"layer {cut} to one unit gives a compression ratio of "
                f"{self.n_params_original_ / self._current_n_params():.2f}. Cut a "
                "lower layer with a list rank, or use method='svd'."
            )
        self._compress(original, self._cut_request(len(original.layers), best))

    def _cut_layer(self, n_weight_matrices):
        if n_weight_matrices < 2:
            raise ValueError(
                "method='truncated' needs a network with at least one hidden layer."
            )
        return n_weight_matrices - 2

    def _cut_request(self, n_weight_matrices, rank):
        requests = [None] * n_weight_matrices
        requests[self._cut_layer(n_weight_matrices)] = rank
        return requests

    def _search_under_drop(self, original, X_val, y_val, sample_weight_val):
        scorer = check_scoring(self, scoring=self.scoring)
        n_layers = len(original.layers)

        def evaluate(requests):
            self._compress(original, requests)
            with warnings.catch_warnings():
                # The held-out part was split from the validated array, so it
                # has no column names even when the model was fit on a
                # DataFrame; that is expected here, not the user's mistake.
                warnings.filterwarnings(
                    "ignore", message="X does not have valid feature names"
                )
                return scorer(self, X_val, y_val, sample_weight=sample_weight_val)

        self.baseline_score_ = evaluate([None] * n_layers)
        if self.method == "svd":
            limits = [
                min(breakeven_rank(layer.shape, self.bias), len(spectrum))
                for layer, spectrum in zip(
                    original.layers, self._full_spectra_of(original), strict=True
                )
            ]
        else:
            cut = self._cut_layer(n_layers)
            limits = [0] * n_layers
            limits[cut] = original.layers[cut].shape[1]
        self.sensitivity_ = layer_sensitivity(evaluate, limits)

        def n_params(requests):
            self._compress(original, requests)
            return self._current_n_params()

        if self.method == "svd":
            requests, self.validation_score_ = search_under_drop(
                self.sensitivity_,
                self.baseline_score_,
                self.max_score_drop,
                evaluate,
                n_params,
            )
        else:
            scores = self.sensitivity_[cut]
            fits = np.flatnonzero(
                self.baseline_score_ - scores["scores"] <= self.max_score_drop
            )
            requests = [None] * n_layers
            self.validation_score_ = self.baseline_score_
            if len(fits):
                requests[cut] = int(scores["ranks"][fits[0]])
                self.validation_score_ = float(scores["scores"][fits[0]])
        if all(request is None for request in requests):
            warnings.warn(
                f"No compressed model stays within max_score_drop="
                f"{self.max_score_drop} on the validation data; the network is "
                "kept uncompressed.",
                UserWarning,
                stacklevel=3,
            )
        self._compress(original, requests)

    # ------------------------------------------------------------ fine-tune
    def _fine_tune(self):
        X, y, sample_weight, seed, _ = self._fit_data
        network = self.estimator_
        layers = list(self.network_.layers)
        if self.head_ is None:
            Y = self._network_targets(y)
        else:
            extra = head_layers(self.head_)
            if extra is None:
                raise ValueError(
                    "fine_tune_epochs with method='truncated' needs a head that is a "
                    "linear model (such as LogisticRegression or Ridge) or a "
                    f"multi-layer perceptron; got {type(self.head_).__name__}."
                )
            layers += extra
            Y = head_targets(self.head_, y)
        if seed is None:
            seed = network.random_state
        validation_score = None
        if network.early_stopping:
            stratify = self._stratify(y)
            arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
            parts = train_test_split(
                *arrays,
                test_size=network.validation_fraction,
                random_state=seed,
                stratify=stratify,
            )
            X, X_stop, Y, Y_stop = parts[:4]
            sample_weight = None if sample_weight is None else parts[4]

            def validation_score(layers):
                output = CompressedNetwork(layers).forward(X_stop)
                return self._early_stopping_score(output, Y_stop)

        self.loss_curve_ = fine_tune(
            layers,
            X,
            Y,
            network,
            self.fine_tune_epochs,
            sample_weight,
            seed,
            validation_score,
            self.verbose,
        )
        if self.head_ is not None:
            set_head_layers(self.head_, layers[len(self.network_.layers) :])

    def _seed(self):
        if self.random_state is None or isinstance(self.random_state, numbers.Integral):
            return self.random_state
        return int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )

    def _fitted_network(self, X, y, sample_weight, seed):
        """The network to compress: the frozen one, or a fitted clone."""
        if isinstance(self.estimator, FrozenEstimator):
            network = self.estimator.estimator
            if not isinstance(network, self._network_type):
                raise TypeError(
                    f"estimator must be an {self._network_type.__name__}, a "
                    f"FrozenEstimator wrapping a fitted {self._network_type.__name__}"
                    f", or None; got a FrozenEstimator wrapping "
                    f"{type(network).__name__}."
                )
            check_is_fitted(network)
            self._check_frozen_network_fits(network, X, y)
            return network
        name = self._network_type.__name__
        if self.estimator is None:
            network = self._network_type()
        elif isinstance(self.estimator, self._network_type):
            network = clone(self.estimator)
        else:
            raise TypeError(
                f"estimator must be an {name}, a FrozenEstimator wrapping a "
                f"fitted {name}, or None; got {type(self.estimator).__name__}."
            )
        if seed is not None:
            network.set_params(random_state=seed)
        fit = check_memory(self.memory).cache(_fit_network)
        return fit(network, X, y, sample_weight)

    def _check_frozen_network_fits(self, network, X, y):
        if network.n_features_in_ != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the frozen network in estimator "
                f"expects {network.n_features_in_}."
            )
        self._check_frozen_targets(network, y)

    def _rank_per_layer(self, n_weight_matrices):
        """One rank request per weight matrix, checked against the network."""
        rank = self.rank
        if isinstance(rank, (bool, np.bool_)):
            raise ValueError(
                "rank must be an int >= 1, a float in (0, 1), a list or tuple of "
                "those (or None) with one entry per weight matrix, or None; "
                f"got {rank!r}."
            )
        if isinstance(rank, (list, tuple)):
            if len(rank) != n_weight_matrices:
                raise ValueError(
                    f"rank has {len(rank)} entries but the network has "
                    f"{n_weight_matrices} weight matrices; give one entry per weight "
                    "matrix (int >= 1, float in (0, 1) or None)."
                )
            for entry in rank:
                if entry is not None and not is_rank_request(entry):
                    raise ValueError(
                        f"rank entries must be an int >= 1, a float in (0, 1) or "
                        f"None; got {entry!r}."
                    )
            rank_per_layer = list(rank)
        elif rank is None:
            return [None] * n_weight_matrices
        elif self.method == "truncated":
            rank_per_layer = self._cut_request(n_weight_matrices, rank)
        else:
            rank_per_layer = [rank] * n_weight_matrices

        if self.method == "truncated" and isinstance(rank, (list, tuple)):
            cut = [i for i, entry in enumerate(rank_per_layer) if entry is not None]
            if len(cut) > 1:
                raise ValueError(
                    "With method='truncated', rank must have exactly one entry that "
                    f"is not None (the hidden layer to cut); got {list(rank)!r}."
                )
            if cut == [n_weight_matrices - 1]:
                raise ValueError(
                    "With method='truncated', the output layer cannot be truncated: "
                    "the non-None entry of rank must be at a hidden layer (index 0 to "
                    f"{n_weight_matrices - 2}); got {list(rank)!r}."
                )
        return rank_per_layer

    def _fitted_head(self, X, y, sample_weight, seed):
        head = self._new_head(y)
        if seed is not None and "random_state" in head.get_params():
            head.set_params(random_state=seed)
        activations = self.network_.forward(X)
        if sample_weight is None:
            return head.fit(activations, y)
        if not has_fit_parameter(head, "sample_weight"):
            raise ValueError(
                f"head {type(head).__name__} does not accept sample_weight in fit; "
                "pass a head that does, or no sample_weight."
            )
        return head.fit(activations, y, sample_weight=sample_weight)

    @property
    def layers_(self):
        """The stored layers, ``network_.layers``: read or export the weights.

        A list of :class:`DenseLayer` and :class:`FactoredLayer`, input first.
        With ``method="truncated"`` the last one is the truncated layer; the
        head follows in :attr:`head_`.
        """
        return self.network_.layers

    def _network_output(self, X):
        """What the stored network computes on ``X``, once fitted and checked."""
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        return self.network_.forward(X)

    # -------------------------------------------------------------- summary
    def summary(self):
        """Per-layer table of the original and the compressed network.

        Each layer's shape, rank, parameters (weights plus biases) and
        multiply-adds per sample, with totals, like a Keras model summary.

        Returns
        -------
        text : str

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.neural_network import MLPClassifier
        >>> from sklearn_svdmlp import SVDCompressedMLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> model = SVDCompressedMLPClassifier(
        ...     MLPClassifier((20,), solver="lbfgs", max_iter=500, random_state=0),
        ...     rank=[2, None],
        ... ).fit(X, y)
        >>> print(model.summary())
        Original network (MLPClassifier)
        layer  kind   shape   rank  parameters  multiply-adds
        -----------------------------------------------------
        0      dense  4 x 20  -            100             80
        1      dense  20 x 3  -             63             60
        -----------------------------------------------------
        total                              163            140
        <BLANKLINE>
        Compressed network (method='svd', bias='separate')
        layer  kind      shape       rank  parameters  multiply-adds
        ------------------------------------------------------------
        0      factored  4 x 2 x 20  2             68             48
        1      dense     20 x 3      -             63             60
        ------------------------------------------------------------
        total                                     131            108
        <BLANKLINE>
        compression ratio: 1.24
        """
        check_is_fitted(self)
        original = network_from_mlp(self.estimator_)
        rows = [layer_row(str(i), layer) for i, layer in enumerate(original.layers)]
        # With a head, the last stored layer is the truncated one.
        last = len(self.network_.layers) - 1
        compressed = [
            layer_row(str(i), layer, truncated=self.head_ is not None and i == last)
            for i, layer in enumerate(self.network_.layers)
        ]
        if self.head_ is not None:
            n_in = self.network_.layers[-1].shape[1]
            compressed.append(
                (
                    "head",
                    type(self.head_).__name__,
                    f"{n_in} -> {self._n_outputs()}",
                    "-",
                    stored_floats(self.head_),
                    head_multiply_adds(self.head_),
                )
            )
        return "\n\n".join(
            [
                format_table(
                    f"Original network ({type(self.estimator_).__name__})", rows
                ),
                format_table(
                    f"Compressed network (method={self.method!r}, bias={self.bias!r})",
                    compressed,
                ),
                f"compression ratio: {self.compression_ratio_:.2f}",
            ]
        )

    def __getstate__(self):
        """State for pickle, joblib and skops, without the networks' optimizers.

        A fitted multi-layer perceptron keeps its optimizer (``_optimizer``), only
        used to continue training it with ``partial_fit``, which makes a new
        one when it is missing; skops does not trust its type. The saved state
        holds shallow copies of the networks without it; the networks in use
        are not touched, and a network met twice (a ``FrozenEstimator``'s and
        ``estimator_``) is saved as one object.
        """
        # BaseEstimator's state can be the live __dict__: copy before editing.
        state = dict(super().__getstate__())
        copies = {}
        for name in ("estimator", "estimator_", "head", "head_"):
            if name in state:
                state[name] = _without_optimizer(state[name], copies)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._network_tags().input_tags.sparse
        return tags

    def _network_tags(self):
        network = self.estimator
        if isinstance(network, FrozenEstimator):
            network = network.estimator
        return get_tags(self._network_type() if network is None else network)
