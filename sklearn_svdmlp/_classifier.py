"""The scikit-learn estimator: validation, orchestration and the public API."""

import copy
import numbers
import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.utils import check_random_state, column_or_1d, get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
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
from ._fine_tuning import encoded_accuracy, fine_tune
from ._head import (
    head_layers,
    head_multiply_adds,
    head_predict_proba,
    head_targets,
    make_head,
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


def _head_has_predict_proba(estimator):
    """``predict_proba`` exists unless a truncation head lacks it."""
    if hasattr(estimator, "head_"):
        head = estimator.head_
    elif estimator.method == "truncated":
        head = estimator.head
    else:
        head = None
    return head is None or hasattr(head, "predict_proba")


class SVDCompressedMLPClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """An ``MLPClassifier`` made smaller with the singular value decomposition.

    Two methods are offered. ``method="svd"`` replaces each weight matrix ``W``
    by two thin factors ``(U_r S_r)(V_r^T)``: the layer widths stay, so the
    rest of the network is reused and nothing is retrained. ``method="truncated"``
    cuts one hidden layer down to ``r`` units (its pre-activations projected
    on their top ``r`` directions) and replaces the layers above it by a
    ``head`` classifier retrained on the training data.

    Parameters
    ----------
    estimator : MLPClassifier, FrozenEstimator or None, default=None
        The network to compress. ``None`` means ``MLPClassifier()``. An
        ``MLPClassifier`` (fitted or not) is cloned and fitted on the data
        given to :meth:`fit`. A ``sklearn.frozen.FrozenEstimator`` wrapping a
        fitted ``MLPClassifier`` is used as it is: never refit, never modified.

    method : {"svd", "truncated"}, default="svd"
        ``"svd"`` factors every layer and keeps its width; ``"truncated"``
        cuts one hidden layer and retrains a head above it.

    rank : int, float, list, tuple, "auto" or None, default=0.8
        How much of each layer to keep.

        - ``int >= 1``: at most that many singular values per layer;
        - ``float`` in ``(0, 1)``: the smallest rank whose singular values hold
          that fraction of the layer's energy (sum of squared singular values);
        - a list or tuple with one entry per weight matrix (``int``, ``float``
          or ``None`` for a layer left dense). With ``method="truncated"``
          exactly one entry, at a hidden layer, is not ``None``: it says which
          layer is cut and how far;
        - ``None``: no compression; the model predicts what the network does;
        - ``"auto"``: chosen for you, under ``target_ratio`` or ``max_score_drop``.

        A rank above what a layer allows is capped. With ``method="svd"`` a
        layer is left dense where factoring would not store fewer numbers,
        that is unless ``rank < n_in * n_out / (n_in + n_out)`` (about, the
        bias aside). With ``method="truncated"`` an ``int`` or ``float`` rank
        cuts the last hidden layer. :attr:`ranks_` shows what was used.

    bias : {"separate", "augment"}, default="separate"
        ``"separate"`` factors ``W`` and keeps the bias ``b`` as it is;
        ``"augment"`` factors ``[W; b]`` so the bias is folded into the factors.

    head : classifier or None, default=None
        With ``method="truncated"``, the classifier retrained on the truncated
        layer's activations; ``None`` means ``LogisticRegression(max_iter=1000)``. For
        multilabel targets one copy per label is fitted through
        ``MultiOutputClassifier``. Ignored with ``method="svd"``.

    target_ratio : float > 1 or None, default=None
        With ``rank="auto"``: reach ``compression_ratio_ >= target_ratio``
        keeping as much as possible. Plain SVD allocates ranks over all layers
        at once, greedily by the fraction of a layer's energy each singular
        value keeps per number it costs (a layer is made dense where that
        pays better, and left dense where no rank saves). Truncation takes the
        widest cut that reaches the ratio.

    max_score_drop : float >= 0 or None, default=None
        With ``rank="auto"``: the smallest model whose score on a held-out
        ``validation_fraction`` of the training data is at most
        ``max_score_drop`` below the uncompressed network's. The held-out part
        is used for nothing else (the network, if fitted here, the head, the
        data-aware factors and fine-tuning see the rest). See
        :attr:`sensitivity_`. Because that split is random, integer sample
        weights are then not equivalent to repeated rows.

    svd_on : {"weights", "activations"}, default="weights"
        ``"weights"`` factors each weight matrix (the source documents'
        method). ``"activations"`` chooses each layer's factors to best
        reproduce its pre-activations on the training data that reaches it
        through the layers already compressed below, refitting the bias
        (``bias="separate"``); with ``method="truncated"`` it chooses the kept
        directions the same way. Energy fractions then refer to the
        pre-activations' spectrum.

    fine_tune_epochs : int >= 0, default=0
        Epochs of further training of the compressed model as it is stored:
        each factored layer's two factors are trained as two matrices; with
        ``method="truncated"`` the kept layers, the truncated layer and the
        head (a linear classifier with ``predict_proba`` or an
        ``MLPClassifier``) are trained together. The network's own settings
        are used (``solver`` "adam" or "sgd", Adam for "lbfgs" networks;
        ``learning_rate_init``, ``alpha``, ``batch_size``, ``shuffle``, and
        early stopping on its ``validation_fraction`` when it used
        ``early_stopping``), with ``MLPClassifier``'s loss.

    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held out to score candidates when
        ``max_score_drop`` is set.

    scoring : str, callable or None, default=None
        Scorer for ``max_score_drop``; ``None`` is accuracy.

    svd_solver : {"auto", "full", "randomized"}, default="auto"
        How layers are decomposed where the rank is known before the SVD (an
        int rank): ``"full"`` is LAPACK's exact SVD; ``"randomized"`` is
        scikit-learn's ``randomized_svd`` of the top singular triplets, much
        faster on wide layers, with a reconstruction error within 1% of the
        optimal one on the matrices tested; ``"auto"`` takes the randomized
        SVD for matrices at least 1000 on both sides at a rank of at most an
        eighth of the smaller side, where it was measured to be 2.5 to 7
        times faster. Energy fractions and
        ``rank="auto"`` need whole spectra, so full SVDs. Where the randomized
        SVD ran, :attr:`singular_values_` holds only the values it computed.

    memory : str, joblib.Memory or None, default=None
        Caches the fitted network, as ``Pipeline(memory=...)`` caches its
        transformers: a path or a ``joblib.Memory``. The cache key is the
        unfitted network's parameters (``random_state`` included) and the
        training data, so a ``GridSearchCV`` over ``rank``, ``method`` or any
        other compression parameter fits the network once per fold. The cache
        directory must be one that every worker can reach (a shared
        filesystem on a cluster), and should be cleared after upgrading
        scikit-learn or this package. A ``FrozenEstimator`` is never fitted,
        so never cached.

    verbose : int, default=0
        Print fine-tuning progress per epoch, as ``MLPClassifier`` does.

    random_state : int, RandomState instance or None, default=None
        Unless ``None``, passed on as the ``random_state`` of the network
        that is fitted and of the head, overriding theirs; an int is passed as
        it is, a ``RandomState`` draws one int. ``None`` leaves theirs. It
        also drives the validation split and fine-tuning's shuffling (falling
        back to the network's ``random_state`` when ``None``).

    Attributes
    ----------
    estimator_ : MLPClassifier
        The network that was compressed (for a ``FrozenEstimator``, the very
        network it wraps).
    network_ : CompressedNetwork
        The compressed layers and their forward pass.
    layers_ : list of DenseLayer or FactoredLayer
        ``network_.layers``: the stored weights, to read or export.
    head_ : classifier or None
        The retrained head (``method="truncated"`` with a rank), else ``None``.
    ranks_ : list of (int or None)
        One entry per weight matrix of the network: the rank kept, ``None``
        where the layer was left dense (or, for ``"truncated"``, is below the
        cut or replaced by the head).
    singular_values_ : list of ndarray
        One per weight matrix: the singular values of the matrix that is or
        would be factored (``W``, or ``[W; b]`` with ``bias="augment"``; with
        ``svd_on="activations"``, the layer's pre-activations on the data).
    sensitivity_ : list of dict
        With ``max_score_drop``: per weight matrix, ``{"ranks", "scores"}``,
        the validation score with that layer alone compressed at each rank
        (empty where no rank saves; for ``"truncated"``, filled at the cut).
    baseline_score_ : float
        With ``max_score_drop``: the uncompressed network's validation score.
    validation_score_ : float
        With ``max_score_drop``: the chosen model's validation score, before
        fine-tuning.
    loss_curve_ : list of float
        With ``fine_tune_epochs``: the training loss of each epoch.
    n_params_original_ : int
        Weights plus biases of the network.
    n_params_ : int
        Numbers actually stored by the compressed model, the head included.
    compression_ratio_ : float
        ``n_params_original_ / n_params_``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`, when they are all strings.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The network compressed here.
    sklearn.frozen.FrozenEstimator : How to pass an already fitted network.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp import SVDCompressedMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> mlp = MLPClassifier((100,), max_iter=300, random_state=0).fit(X_train, y_train)
    >>> model = SVDCompressedMLPClassifier(FrozenEstimator(mlp), rank=[16, None])
    >>> model = model.fit(X_train, y_train)
    >>> model.ranks_
    [16, None]
    >>> print(f"{model.compression_ratio_:.2f}")
    2.01
    >>> print(f"{mlp.score(X_test, y_test):.3f} {model.score(X_test, y_test):.3f}")
    0.976 0.973
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
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
        check_classification_targets(y)
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
        self.classes_ = self.estimator_.classes_
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
        del self._fit_data, self._full_spectra
        self._set_counts()
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
        stratify = y if y.ndim == 1 and np.unique(y).size > 1 else None
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
            Y = network._label_binarizer.transform(y)
        else:
            extra = head_layers(self.head_)
            if extra is None:
                raise ValueError(
                    "fine_tune_epochs with method='truncated' needs a head that is a "
                    "linear classifier with predict_proba (such as "
                    "LogisticRegression) or an MLPClassifier; got "
                    f"{type(self.head_).__name__}."
                )
            layers += extra
            Y = head_targets(self.head_, y)
        if seed is None:
            seed = network.random_state
        validation_score = None
        if network.early_stopping:
            stratify = y if y.ndim == 1 else None
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
                return encoded_accuracy(
                    CompressedNetwork(layers).forward(X_stop), Y_stop
                )

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
            if not isinstance(network, MLPClassifier):
                raise TypeError(
                    "estimator must be an MLPClassifier, a FrozenEstimator wrapping "
                    f"a fitted MLPClassifier, or None; got a FrozenEstimator wrapping "
                    f"{type(network).__name__}."
                )
            check_is_fitted(network)
            self._check_frozen_network_fits(network, X, y)
            return network
        if self.estimator is None:
            network = MLPClassifier()
        elif isinstance(self.estimator, MLPClassifier):
            network = clone(self.estimator)
        else:
            raise TypeError(
                "estimator must be an MLPClassifier, a FrozenEstimator wrapping a "
                f"fitted MLPClassifier, or None; got {type(self.estimator).__name__}."
            )
        if seed is not None:
            network.set_params(random_state=seed)
        fit = check_memory(self.memory).cache(_fit_network)
        return fit(network, X, y, sample_weight)

    @staticmethod
    def _check_frozen_network_fits(network, X, y):
        if network.n_features_in_ != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the frozen network in estimator "
                f"expects {network.n_features_in_}."
            )
        if y.ndim == 2:
            known = y.shape[1] == len(network.classes_)
        else:
            known = np.isin(np.unique(y), network.classes_).all()
        if not known:
            raise ValueError(
                "y has labels the frozen network in estimator was not trained on; "
                f"it knows {network.classes_.tolist()}."
            )

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
            rank_per_layer = [None] * n_weight_matrices
            if n_weight_matrices < 2:
                raise ValueError(
                    "method='truncated' needs a network with at least one hidden layer."
                )
            rank_per_layer[-2] = rank
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
        head = make_head(self.head, multilabel=y.ndim == 2)
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

    # -------------------------------------------------------------- predict
    def _validated(self, X):
        check_is_fitted(self)
        return validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )

    def _is_multilabel(self):
        return self.estimator_._label_binarizer.y_type_.startswith("multilabel")

    def predict(self, X):
        """Predict class labels (or a multilabel indicator matrix).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        X = self._validated(X)
        output = self.network_.forward(X)
        if self.head_ is not None:
            return self.head_.predict(output)
        if output.shape[1] == 1:
            output = output.ravel()
        return self.estimator_._label_binarizer.inverse_transform(output)

    @available_if(_head_has_predict_proba)
    def predict_proba(self, X):
        """Class probabilities, columns ordered as :attr:`classes_`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            For multilabel targets, the probability of each label.
        """
        X = self._validated(X)
        output = self.network_.forward(X)
        if self.head_ is not None:
            multilabel = self._is_multilabel()
            proba = head_predict_proba(self.head_, output, multilabel)
            if multilabel or len(self.head_.classes_) == len(self.classes_):
                return proba
            # A frozen network may know classes the head's training data lacks.
            aligned = np.zeros((proba.shape[0], len(self.classes_)), dtype=proba.dtype)
            aligned[:, np.searchsorted(self.classes_, self.head_.classes_)] = proba
            return aligned
        if output.shape[1] == 1:
            return np.hstack([1 - output, output])
        return output

    @available_if(_head_has_predict_proba)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

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
                    f"{n_in} -> {len(self.classes_)}",
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

        A fitted ``MLPClassifier`` keeps its optimizer (``_optimizer``), only
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
        network = self.estimator
        if isinstance(network, FrozenEstimator):
            network = network.estimator
        network_tags = get_tags(MLPClassifier() if network is None else network)
        tags.input_tags.sparse = network_tags.input_tags.sparse
        tags.classifier_tags.multi_label = network_tags.classifier_tags.multi_label
        return tags
