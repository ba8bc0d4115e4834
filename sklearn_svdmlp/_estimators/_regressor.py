"""The regressor: MLPRegressor networks, numeric targets and predictions."""

from sklearn.base import RegressorMixin, clone, is_regressor
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor
from sklearn.utils.validation import check_array

from ._base import BaseSVDCompressedMLP


class SVDCompressedMLPRegressor(RegressorMixin, BaseSVDCompressedMLP):
    """An ``MLPRegressor`` made smaller with the singular value decomposition.

    The regression counterpart of :class:`SVDCompressedMLPClassifier`, with the
    same methods, parameters and attributes: ``method="svd"`` stores each weight
    matrix as two thin factors and keeps the network's widths;
    ``method="truncated"`` cuts one hidden layer to a few units and retrains a
    ``head`` regressor above it. See :class:`SVDCompressedMLPClassifier` for
    the full description of each parameter; what differs is listed here.

    Parameters
    ----------
    estimator : MLPRegressor, FrozenEstimator or None, default=None
        The network to compress. ``None`` means ``MLPRegressor()``; an
        ``MLPRegressor`` is cloned and fitted (a fitted one warns); a
        ``FrozenEstimator`` wrapping a fitted ``MLPRegressor`` is used as it
        is, never refit or modified, its feature names checked against ``X``'s.
    method : {"svd", "truncated"}, default="svd"
        ``"svd"`` factors every layer and keeps its width; ``"truncated"``
        cuts one hidden layer and retrains a head above it.
    rank : int, float, list, tuple, "auto" or None, default=0.8
        How much of each layer to keep: at most that many singular values
        (int), a fraction of each layer's energy (float in (0, 1)), both for
        the hidden layers only (the output layer stays dense), one entry
        per weight matrix (list), no compression (``None``), or chosen under
        ``target_ratio``, ``target_bytes`` or ``max_score_drop`` (``"auto"``).
    bias : {"separate", "augment"}, default="separate"
        ``"separate"`` factors ``W`` and keeps ``b``; ``"augment"`` factors
        ``[W; b]``.
    head : regressor or None, default=None
        With ``method="truncated"``, the regressor retrained on the truncated
        layer's activations; ``None`` means ``Ridge()``. With
        ``method="svd"`` a head warns that it is ignored.
    target_ratio : float > 1 or None, default=None
        With ``rank="auto"``: reach ``compression_ratio_ >= target_ratio``
        keeping as much of the network as possible.
    target_bytes : int >= 1 or None, default=None
        With ``rank="auto"``: at most that many bytes stored (``n_bytes_``),
        keeping as much as possible; with ``quantize="auto"``, each layer's
        format and rank chosen together, as for the classifier.
    max_score_drop : float >= 0 or None, default=None
        With ``rank="auto"``: the largest drop allowed in the validation
        score, R^2 unless ``scoring`` says otherwise (with
        ``quantize="auto"``: the fewest bytes within it). Above 1 with R^2 (at
        most 1) it is refused.
    svd_on : {"weights", "activations", "outputs"}, default="weights"
        Factor each weight matrix; choose each layer's factors to best
        reproduce its pre-activations on the training data that reaches it
        through the compressed layers below; or (``"outputs"``) to best
        reproduce the original network's pre-activations from those inputs,
        which undoes part of the error made below (a ridge fit shrunk toward
        the layer as it was, the ridge chosen by generalized
        cross-validation).
    keep_inputs : int, float, "auto" or None, default=None
        How many inputs the compressed model reads: all (``None``), that
        many (``int``) or that fraction of those not constant on the
        training data (``float`` in ``(0, 1]``, rounded up), or, with
        ``rank="auto"`` and ``target_bytes`` or ``max_score_drop``, the best
        of 1, 1/2, 1/4, 1/8 and 1/16 of them, then of the counts halfway to
        the best one's neighbours (below the fewest: to half of it), by the
        classifier's rule (``"auto"``): within ``target_bytes`` the best
        score on the training and held-out rows together.
    fine_tune_epochs : int >= 0, default=0
        Trains the compressed network with ``MLPRegressor``'s loss (squared
        error, or Poisson deviance for ``loss="poisson"``); with
        ``method="truncated"``, together with a linear or ``MLPRegressor``
        head. Step sizes, and the start kept if it scores higher on ``X_val``,
        as in the classifier.
    fine_tune_distillation : float in [0, 1], default=0.0
        Weight of the original network's predictions in the fine-tuning
        targets: ``(1 - fine_tune_distillation) * y + fine_tune_distillation
        * network.predict(X)``. Used only with ``fine_tune_epochs > 0``.
    validation_fraction : float in (0, 1) or None, default=None
        With ``max_score_drop`` (or ``target_bytes`` with
        ``quantize="auto"``) and no ``X_val``: the share of the training data
        held out to score candidates (``None``: 0.1).
    scoring : str, callable or None, default=None
        Scorer for ``max_score_drop`` and ``quantize="auto"``; ``None`` is
        R^2.
    svd_solver : {"auto", "full", "randomized"}, default="auto"
        Exact LAPACK SVD, randomized SVD of the top triplets, or the faster
        of the two for the layer's size and rank.
    quantize : {"float32", "float16", "int8", "int4", "auto"} or None, default=None
        How the weight matrices are stored, after compression and
        fine-tuning: the network's dtype (``None``), float32, float16, int8
        or int4 (two to a byte) with one float32 scale per output column, or
        per layer int8 or int4 chosen by the search (``"auto"``); predictions
        use exactly the stored values, and fine-tuning trains them as stored.
        Inputs constant on the training data are not stored where that
        saves bytes (their contribution goes into the first bias).
    rounding : {"data-aware", "nearest"}, default="data-aware"
        How an integer format's integers are chosen: to keep each layer's
        outputs on the training data closest (GPTQ), or each weight to
        nearest; as for the classifier.
    integer_only : bool, default=False
        With ``quantize="int8"``, ``"int4"`` or ``"auto"``: integer-only
        inference, as for the classifier; each target gets its own int16
        output scale, and the
        predictions are the int16 outputs times it, in float32.
    keep_original : bool, default=False
        Keep the network that was compressed as ``estimator_`` (also when
        saved); by default the model keeps no weights of the network.
    memory : str, joblib.Memory or None, default=None
        Caches the fitted network, as ``Pipeline(memory=...)`` does.
    verbose : int, default=0
        Print the searches' and fine-tuning's progress.
    random_state : int, RandomState instance or None, default=None
        Passed on to the network that is fitted and the head, and drives the
        validation split, the randomized SVD and fine-tuning's shuffling.

    Attributes
    ----------
    estimator_ : MLPRegressor
        With ``keep_original=True``: the network that was compressed.
    network_ : CompressedNetwork
    layers_ : list of DenseLayer, FactoredLayer or QuantizedLayer
    head_ : regressor or None
    ranks_ : list of (int or None)
    singular_values_ : list of ndarray
    n_params_original_ : int
    n_params_ : int
    compression_ratio_ : float
    n_bytes_original_ : int
        Bytes of the network's weights and biases.
    n_bytes_ : int
        Bytes of every array the compressed model stores.
    sensitivity_, baseline_score_, validation_score_ : with ``max_score_drop``
    candidates_ : list of dict
        With ``target_bytes`` or ``quantize="auto"``: the models the search
        in bytes built (``formats``, ``ranks``, ``n_bytes``, ``score``).
    input_candidates_ : list of dict
        With ``keep_inputs="auto"``: each count of inputs tried (``n_inputs``,
        ``n_bytes``, ``n_params``, ``score``, ``score_all_rows``, ``holds``),
        as the classifier's.
    loss_curve_ : list of float
        With ``fine_tune_epochs``.
    fine_tune_scores_ : list of float or None
        R^2 on the held-out data before fine-tuning, then after each epoch
        (see the classifier).
    fine_tune_kept_start_ : bool or None
        Whether the start was kept, scoring higher on the held-out data.
    output_spec_ : OutputSpec
        What the network's outputs are (``kind="regression"``).
    inputs_kept_ : ndarray of shape (n_inputs_read,), int64
        The indices of the inputs the model reads, sorted.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    SVDCompressedMLPClassifier : The same for classification.
    sklearn.neural_network.MLPRegressor : The network compressed here.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_svdmlp import SVDCompressedMLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X, y = scale(X), scale(y)
    >>> mlp = MLPRegressor(hidden_layer_sizes=(64,), solver="lbfgs", random_state=0)
    >>> mlp = mlp.fit(X, y)
    >>> model = SVDCompressedMLPRegressor(FrozenEstimator(mlp), rank=[4, None])
    >>> model = model.fit(X, y)
    >>> model.ranks_, model.n_params_original_, model.n_params_
    ([4, None], 769, 425)
    >>> fewer = SVDCompressedMLPRegressor(
    ...     FrozenEstimator(mlp), rank=[4, None], keep_inputs=8
    ... ).fit(X, y)
    >>> fewer.inputs_kept_.tolist(), fewer.n_params_
    ([0, 1, 2, 3, 4, 7, 8, 9], 417)
    """

    _network_type = MLPRegressor

    def _check_targets(self, y):
        return check_array(
            y, ensure_2d=False, dtype="numeric", ensure_all_finite=True, input_name="y"
        )

    def _target_attributes(self):
        return {}

    def _check_frozen_targets(self, network, y):
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != network.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} targets, but the frozen network in estimator "
                f"predicts {network.n_outputs_}."
            )

    def _stratify(self, y):
        return None

    def _new_head(self, y):
        if self.head is None:
            return Ridge()
        if not is_regressor(self.head):
            raise TypeError(
                "head must be a regressor (such as Ridge) or None; "
                f"got {type(self.head).__name__}."
            )
        return clone(self.head)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = self._network_tags().target_tags.multi_output
        return tags
