"""The classifier: MLPClassifier networks, class labels and probabilities."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.neural_network import MLPClassifier
from sklearn.utils.multiclass import check_classification_targets

from ._base import BaseSVDCompressedMLP
from ._classification import check_known_labels, classification_head
from ._prediction import ProbabilityMixin


class SVDCompressedMLPClassifier(
    ProbabilityMixin, ClassifierMixin, BaseSVDCompressedMLP
):
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
        ``MLPClassifier`` is cloned and fitted on the data given to
        :meth:`fit` (a fitted one warns). A ``sklearn.frozen.FrozenEstimator``
        wrapping a fitted ``MLPClassifier`` is used as it is: never refit,
        never modified; ``X``'s feature names must be the ones it was fitted
        with. For a fitted ``Pipeline``, see :func:`compress_pipeline`.
    method : {"svd", "truncated"}, default="svd"
        ``"svd"`` factors every layer and keeps its width; ``"truncated"``
        cuts one hidden layer and retrains a head above it.
    rank : int, float, list, tuple, "auto" or None, default=0.8
        How much of each layer to keep.

        - ``int >= 1``: at most that many singular values per hidden layer,
          the output layer left dense (the user guide measures why);
        - ``float`` in ``(0, 1)``: the smallest rank holding that fraction of
          each hidden layer's energy (sum of squared singular values), the
          output layer left dense;
        - a list or tuple with one entry per weight matrix (``int``, ``float``
          or ``None`` for a layer left dense). With ``method="truncated"``
          exactly one entry, at a hidden layer, is not ``None``: it says which
          layer is cut and how far;
        - ``None``: no compression; the model predicts what the network does;
        - ``"auto"``: chosen for you, under ``target_ratio``, ``target_bytes``
          or ``max_score_drop``.

        A rank above what a layer allows is capped. With ``method="svd"`` a
        layer is left dense unless factoring stores fewer numbers (about
        ``rank < n_in * n_out / (n_in + n_out)``). With ``method="truncated"``
        an ``int`` or ``float`` rank cuts the last hidden layer.
        :attr:`ranks_` shows what was used.
    bias : {"separate", "augment"}, default="separate"
        ``"separate"`` factors ``W`` and keeps the bias ``b`` as it is;
        ``"augment"`` factors ``[W; b]``, folding the bias into the factors.
    head : classifier or None, default=None
        With ``method="truncated"``, the classifier retrained on the truncated
        layer's activations; ``None`` means ``LogisticRegression(max_iter=1000)``
        (the default 100 iterations often stop short on unscaled hidden
        activations). For multilabel targets one copy per label is fitted
        through ``MultiOutputClassifier``. Only used with
        ``method="truncated"``: with ``method="svd"`` a head warns that it is
        ignored.
    target_ratio : float > 1 or None, default=None
        With ``rank="auto"``: reach ``compression_ratio_ >= target_ratio``
        keeping as much as possible. Plain SVD allocates ranks over all layers
        at once: among the choices that fit the budget (a rank where
        factoring saves, or dense, per layer) it takes the one that maximises
        the product over layers of the fraction of energy kept (a heuristic
        of what the network keeps), solved exactly by dynamic programming up
        to a budget of 2,000,000 numbers, on costs rounded up to coarser units
        above that. Truncation cuts the deepest hidden layer that can reach
        the ratio, at the widest width that does.
    target_bytes : int >= 1 or None, default=None
        With ``rank="auto"``: the stored model takes at most ``target_bytes``
        bytes (``n_bytes_``: weights, scales, biases, a head, the runs of the
        inputs read), keeping as much as possible: ranks allocated as for
        ``target_ratio``, each choice costed in bytes in its layer's format.
        With ``quantize="auto"``, every assignment of int8 or int4 to the
        layers (at most 16; beyond, or for a truncation, one format for all)
        gets its own allocation, and the one that scores best on the
        held-out data (``X_val`` or ``validation_fraction``) is kept, ties
        going to the one closest to the network's probabilities on the
        training data (:attr:`candidates_`). Too small for any model is an
        error.
    max_score_drop : float >= 0 or None, default=None
        With ``rank="auto"``: the smallest model found whose validation score
        is at most ``max_score_drop`` below the uncompressed network's. The
        validation data is ``X_val, y_val`` when passed to :meth:`fit`,
        otherwise a held-out ``validation_fraction`` of the training data,
        used for nothing else. The bound holds on that data, not on new data:
        on a few hundred rows one row is worth several tenths of a point (a
        warning says when one row is worth more than half of
        ``max_score_drop``), and a ``FrozenEstimator``'s network has most
        likely seen the held-out part (a warning says so: pass ``X_val``).
        The search assumes the score falls as ranks shrink; see
        :attr:`sensitivity_`. In the score's units: above 1 with accuracy or
        balanced accuracy (their range) it is refused. The split being
        random, integer sample weights are not repeated rows. With
        ``quantize="auto"``: the fewest bytes within the drop, each
        assignment of formats (as for ``target_bytes``) searched over byte
        budgets from the network's size down by 8% at a time, by bisection.
    svd_on : {"weights", "activations", "outputs"}, default="weights"
        ``"weights"`` factors each weight matrix, as the Keras MNIST
        experiment and the wine blog post do. ``"activations"`` chooses each
        layer's factors to best reproduce its pre-activations on the training
        data that reaches it through the layers already compressed below (the
        top principal directions of the pre-activations, centered with
        ``bias="separate"``, the bias refit); energy fractions then refer to
        the spectrum of each layer's pre-activations in the original network.
        ``"outputs"`` compensates for the error made below: above the first
        layer changed, each layer is first refit by ridge least squares
        (shrunk toward the layer as it was, the ridge chosen by generalized
        cross-validation) to give, from the inputs the compressed layers
        below hand it, the pre-activations the *original* network computes
        there, then factored as with ``"activations"``. It loses the least at
        tight budgets (``benchmarks/frontier.py``); for a truncation, which
        changes no layer below its cut, it is ``"activations"``. The user
        guide gives the formulas.
    keep_inputs : int, float, "auto" or None, default=None
        How many inputs the compressed model reads: every one (``None``; a
        quantized first layer still skips those constant on the training
        data where that saves bytes), that many (``int >= 1``) or that
        fraction of the inputs not constant on the training data (``float``
        in ``(0, 1]``, rounded up); more than those is an error. Chosen once,
        before compressing, as the first layer needs them most (user guide),
        the first layer refitted on them by least squares (user guide);
        all that follows works on the inputs kept (:attr:`inputs_kept_`),
        as do the counts and :func:`export_c` (``<name>_predict_kept``).
        ``"auto"``, with ``rank="auto"`` and ``target_bytes`` or
        ``max_score_drop`` (elsewhere it warns and is ``None``): the search
        runs for 1, 1/2, 1/4, 1/8 and 1/16 of those inputs (rounded up), then
        for the counts halfway (geometrically) to the best one's neighbours
        (below the fewest: to half of it), each scored as stored; kept: the
        best score on every row the fit has (the rows compressed on and the
        held-out ones) within ``target_bytes`` (ties: fewer inputs), or the
        fewest bytes within ``max_score_drop`` of the network's own score on
        the held-out data (:attr:`input_candidates_`), before fine-tuning:
        up to seven searches.
    fine_tune_epochs : int >= 0, default=0
        Epochs of further training of the compressed model as it is stored:
        each factored layer's two factors are trained as two matrices; with
        ``method="truncated"`` the kept layers, the truncated layer and the
        head (a linear classifier with ``predict_proba`` or an
        ``MLPClassifier``) are trained together. The network's own settings
        are used (``solver`` "adam" or "sgd", Adam for "lbfgs" networks;
        ``learning_rate_init``, ``alpha``, ``batch_size``, ``shuffle``, and
        early stopping when it used ``early_stopping``, on ``X_val`` if given,
        else on its ``validation_fraction``), with ``MLPClassifier``'s loss.
        The step size warms up, then decays linearly to the last step; Adam's
        peak is up to 10 times the network's (the user guide says how it is
        set). With held-out data (``X_val``; a scoring search's hold-out,
        unless the network is a ``FrozenEstimator``; or the early-stopping
        split), the start, as stored, is kept if it scores higher there
        (``fine_tune_kept_start_``).
    fine_tune_distillation : float in [0, 1], default=0.0
        Knowledge distillation while fine-tuning: the targets become
        ``(1 - fine_tune_distillation) * labels + fine_tune_distillation *
        P``, with ``P`` the original network's probabilities on the training
        data. Early stopping still scores against the labels; ``loss_curve_``
        is the loss against the mixed targets. Only used with
        ``fine_tune_epochs > 0`` (otherwise it warns); a bool is refused. It
        changed ``benchmarks/frontier.py``'s drop less than its noise.
    validation_fraction : float in (0, 1) or None, default=None
        With ``rank="auto"`` and ``max_score_drop`` (or ``target_bytes`` with
        ``quantize="auto"`` or ``keep_inputs="auto"``), and no ``X_val``: the
        share of the training data held out to score candidates; ``None``
        means 0.1 (fine-tuning's early stopping holds out the network's own
        ``validation_fraction``). Set elsewhere it warns that it is ignored;
        with ``X_val``, it is an error.
    scoring : str, callable or None, default=None
        Scorer for ``max_score_drop`` and ``quantize="auto"``; ``None`` is
        accuracy.
    svd_solver : {"auto", "full", "randomized"}, default="auto"
        How layers are decomposed where the rank is known before the SVD (an
        int rank): LAPACK's exact SVD, scikit-learn's ``randomized_svd`` of
        the top triplets (within 1% of the optimal error on the matrices
        tested), or ``"auto"``: randomized for matrices at least 1000 on both
        sides at a rank of at most an eighth of the smaller side (2.5 to 7
        times faster there). Energy fractions need whole spectra, so full SVDs
        (``"randomized"`` with no int rank warns that it is not used). Where
        the randomized SVD ran, :attr:`singular_values_` holds only the
        values it computed.
    quantize : {"float32", "float16", "int8", "int4", "auto"} or None, default=None
        How the compressed model stores its weight matrices. ``None`` keeps
        the network's own dtype; ``"float32"`` and ``"float16"`` round every
        weight to that type; ``"int8"`` stores each matrix as integers in
        ``[-127, 127]`` with one float32 scale per output column (a column's
        largest weight maps to 127), ``"int4"`` in ``[-7, 7]``, two to a
        byte, with the same scales; ``"auto"`` chooses int8 or int4 for each
        layer (with ``rank="auto"`` and ``target_bytes`` or
        ``max_score_drop``). Biases are then float32. Inputs constant on the
        training data are not stored where that saves bytes (their
        contribution goes into the first bias; such an input is not read at
        prediction). The forward pass computes in float32 from exactly the
        stored values: the model you evaluate is the one you deploy. A
        truncated model's head is stored as layers at the end of
        :attr:`network_` (``head_`` is then ``None``): it must be linear or a
        multi-layer perceptron. Searches score and count candidates as
        stored, and fine-tuning trains the model as stored (each batch with
        the weights rounded to nearest, the gradient applied to the float
        weights, straight through): the stored model is the one trained.
    rounding : {"data-aware", "nearest"}, default="data-aware"
        How an integer format's integers are chosen: each weight to the
        nearest step of its column, or (``"data-aware"``) one input's weights
        at a time, each rounding error moved onto the weights of the inputs
        not yet rounded so that the layer's outputs on the training data stay
        closest (GPTQ), each layer on its inputs as stored below it; the
        scales are the same. A matrix of more than 4,096 inputs and a float
        format are rounded to nearest; a fine-tuned model is already on its
        integers, which either rule keeps. The user guide measures both.
    integer_only : bool, default=False
        With ``quantize="int8"`` (or ``"int4"``, ``"auto"``: 4-bit weights,
        two to a byte in C too): compute with integers only, as a
        microcontroller without a floating-point unit does. Activations are
        int8 too, each tensor's scale and zero point calibrated on the
        training data ``fit`` compresses on (its rows of positive weight);
        each step sums in int32 and rescales with a fixed-point multiplier
        and shift; a ReLU is the clamp at the zero point, a logistic or tanh
        hidden layer a 256-entry table; the output layer gives int16 logits.
        ``predict``, ``score`` and the searches compute exactly what
        :func:`export_c`'s C computes, to the bit (after a ``StandardScaler``
        in a ``Pipeline``, folded into the C file's float32 input
        quantization, an input on a rounding boundary may land one step
        apart); ``predict_proba`` applies the output activation to the
        logits in float32. :meth:`summary` shows every step's scales; the
        user guide gives the arithmetic.
    keep_original : bool, default=False
        Keep the network that was compressed, as ``estimator_``, in the
        fitted and the saved model. By default a fitted model keeps what it
        predicts, exports and summarizes with, so that a saved model is sized
        by the compressed one: not the network's weights, not even a
        ``FrozenEstimator``'s (saved unfitted, with its parameters).
    memory : str, joblib.Memory or None, default=None
        Caches the fitted network, as ``Pipeline(memory=...)`` caches its
        transformers: a path or a ``joblib.Memory``. The cache key is the
        unfitted network's parameters (``random_state`` included) and the
        training data, so a ``GridSearchCV`` over ``rank``, ``method`` or any
        other compression parameter fits the network once per fold. The cache
        directory must be one that every worker can reach, and should be
        cleared after upgrading scikit-learn or this package.
    verbose : int, default=0
        Print the progress of ``rank="auto"``'s search (each candidate tried,
        its size and score, the best so far) and of fine-tuning (each epoch's
        loss), as ``MLPClassifier`` does.
    random_state : int, RandomState instance or None, default=None
        Unless ``None``, passed on as the ``random_state`` of the network
        that is fitted and of the head, overriding theirs; an int is passed as
        it is, a ``RandomState`` draws one int. ``None`` leaves theirs. It
        also drives the validation split and fine-tuning's shuffling (falling
        back to the network's ``random_state`` when ``None``).

    Attributes
    ----------
    estimator_ : MLPClassifier
        With ``keep_original=True``: the network that was compressed (for a
        ``FrozenEstimator``, the very network it wraps).
    network_ : CompressedNetwork
        The compressed layers and their forward pass.
    layers_ : list of DenseLayer, FactoredLayer or QuantizedLayer
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
        ``svd_on="activations"``, the layer's pre-activations on the data,
        centered with ``bias="separate"``; with ``"outputs"``, those of the
        refit layer; except at a truncation's cut,
        which uses the uncentered ones). Where the randomized solver ran,
        only the top values it computed.
    sensitivity_ : list of dict
        With ``max_score_drop``: per weight matrix, ``{"ranks", "scores"}``,
        the validation score with that layer alone compressed at each rank
        tried (empty where no rank saves and at the output layer; for
        ``"truncated"``, the widths tried at each hidden layer: the full
        width, then a bisection).
    baseline_score_ : float
        With ``max_score_drop``: the uncompressed network's validation score.
    validation_score_ : float
        With ``max_score_drop`` (or ``target_bytes`` with ``quantize="auto"``):
        the chosen model's validation score, before fine-tuning.
    candidates_ : list of dict
        With ``target_bytes`` or ``quantize="auto"``: each model the search
        in bytes built, as ``formats`` (one per layer), ``ranks``,
        ``n_bytes`` and ``score`` (``None`` where nothing is scored), and
        with ``max_score_drop``, ``holds``.
    input_candidates_ : list of dict
        With ``keep_inputs="auto"``: per count of inputs tried, ``n_inputs``,
        the chosen search's ``n_bytes`` and ``n_params`` as stored, its
        ``score`` on the held-out data and ``score_all_rows`` on those and
        the rows compressed on, and with ``max_score_drop``, ``holds``.
    loss_curve_ : list of float
        With ``fine_tune_epochs``: the training loss of each epoch.
    fine_tune_scores_ : list of float or None
        With ``fine_tune_epochs`` and held-out data (see
        ``fine_tune_epochs``): the accuracy on it before fine-tuning, then
        after each epoch, of the model as trained (a ``quantize`` format's
        weights rounded to nearest). Training keeps the last epoch (with
        ``early_stopping``, the first best of these); ``None`` without
        held-out data.
    fine_tune_kept_start_ : bool or None
        With ``fine_tune_epochs``: whether the model fine-tuning started from
        scored higher on the held-out data than the fine-tuned one, both as
        stored, with ``scoring``, and was kept instead; ``None`` without
        held-out data.
    output_spec_ : OutputSpec
        What the network's outputs are (``kind``: ``"binary"``,
        ``"multiclass"`` or ``"multilabel"``; ``activation``; ``n_outputs``)
        and how they become labels and probabilities: the one rule that
        prediction, fine-tuning, :func:`export_c` and the ONNX export follow.
    n_params_original_ : int
        Weights plus biases of the network.
    n_params_ : int
        Numbers actually stored by the compressed model, the head included.
    compression_ratio_ : float
        ``n_params_original_ / n_params_``.
    n_bytes_original_ : int
        Bytes of the network's weights and biases, at their dtype.
    n_bytes_ : int
        Bytes of every array the compressed model stores: weights, biases,
        scales, the runs of the inputs read and the head.
    inputs_kept_ : ndarray of shape (n_inputs_read,), int64
        Sorted indices of the inputs read; ``feature_names_in_[inputs_kept_]``.
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
    >>> fewer = SVDCompressedMLPClassifier(FrozenEstimator(mlp), rank=[16, None],
    ...                                    keep_inputs=48).fit(X_train, y_train)
    >>> len(fewer.inputs_kept_), fewer.n_params_, f"{fewer.score(X_test, y_test):.3f}"
    (48, 3478, '0.973')
    """

    _network_type = MLPClassifier

    def _check_targets(self, y):
        check_classification_targets(y)
        return y

    def _target_attributes(self):
        return {"classes_": self.estimator_.classes_}

    def _check_frozen_targets(self, network, y):
        check_known_labels(network, y)

    def _stratify(self, y):
        return y if y.ndim == 1 and np.unique(y).size > 1 else None

    def _new_head(self, y):
        return classification_head(self.head, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = (
            self._network_tags().classifier_tags.multi_label
        )
        return tags
