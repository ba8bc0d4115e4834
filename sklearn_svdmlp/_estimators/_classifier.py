"""The classifier: MLPClassifier networks, class labels and probabilities."""

import numpy as np
from sklearn.base import ClassifierMixin, clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from .._network import head_adapter
from ._base import BaseSVDCompressedMLP


def _head_has_predict_proba(estimator):
    """``predict_proba`` exists unless a truncation head lacks it."""
    if hasattr(estimator, "head_"):
        head = estimator.head_
    elif estimator.method == "truncated":
        head = estimator.head
    else:
        head = None
    return head is None or hasattr(head, "predict_proba")


class SVDCompressedMLPClassifier(ClassifierMixin, BaseSVDCompressedMLP):
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

    max_score_drop : float >= 0 or None, default=None
        With ``rank="auto"``: the smallest model found whose validation score
        is at most ``max_score_drop`` below the uncompressed network's. The
        validation data is ``X_val, y_val`` when passed to :meth:`fit`,
        otherwise a held-out ``validation_fraction`` of the training data,
        used for nothing else (the network, if fitted here, the head, the
        data-aware factors and fine-tuning see the rest). The bound holds on
        that data, not on new data: on a few hundred rows one row is worth
        several tenths of a point (a warning says when one row is worth more
        than half of ``max_score_drop``), and a ``FrozenEstimator``'s network
        has most likely seen the held-out part (a warning says so: pass
        ``X_val``). The search assumes the score falls as ranks shrink; see
        :attr:`sensitivity_`. Because the split is random, integer sample
        weights are then not equivalent to repeated rows.

    svd_on : {"weights", "activations", "outputs"}, default="weights"
        ``"weights"`` factors each weight matrix, as the Keras MNIST
        experiment and the wine blog post do; a truncation then keeps the top
        right singular vectors of ``W`` (of ``[W; b]`` with
        ``bias="augment"``), which are the pre-activations' principal
        directions only for whitened inputs. ``"activations"`` chooses each
        layer's factors to best reproduce its pre-activations on the training
        data that reaches it through the layers already compressed below:
        with ``bias="separate"`` the top principal directions of the
        (centered) pre-activations, with the bias refit; with
        ``bias="augment"`` the top right singular vectors of the uncentered
        ones. With ``method="truncated"`` the kept directions are the top
        right singular vectors of the uncentered pre-activations, whatever
        ``bias``. Energy fractions then refer to the spectrum of each
        layer's pre-activations in the original network (its own layers
        below, uncompressed): ranks are decided before anything is
        compressed, and a layer keeps fewer directions only where the data
        the compressed layers below hand it holds fewer.
        ``"outputs"`` compensates for the error made below: above
        the first layer changed, each layer is first refit by ridge least
        squares to give, from the inputs the compressed layers below hand it,
        the pre-activations the *original* network computes there, then
        factored as with ``"activations"`` (a layer left dense keeps the
        refit). The ridge shrinks toward the layer as it was and is chosen by
        generalized cross-validation, so with few samples for a layer's
        width the refit stays near the original (see the user guide for the
        formula). It loses the least at tight budgets
        (``benchmarks/frontier.py``). A truncation changes no layer below its
        cut, so there it is the same as ``"activations"``.

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

    fine_tune_distillation : float in [0, 1], default=0.0
        Knowledge distillation while fine-tuning: the targets become
        ``(1 - fine_tune_distillation) * labels + fine_tune_distillation *
        P``, with ``P`` the original network's probabilities on the training
        data, so that the compressed network also learns which other classes
        the original finds likely. Early stopping still scores against the
        labels; ``loss_curve_`` is then the loss against the mixed targets,
        which does not reach 0. Only used with ``fine_tune_epochs > 0``
        (otherwise a value above 0 warns that it is ignored); a bool is
        refused, not read as 0 or 1. ``0`` trains on the labels alone: on
        ``benchmarks/frontier.py`` distillation changed the fine-tuned drop by
        less than the noise between runs.

    validation_fraction : float in (0, 1) or None, default=None
        With ``rank="auto"`` and ``max_score_drop``, and no ``X_val`` given to
        :meth:`fit`: the share of the training data held out to judge the
        bound; ``None`` means 0.1. That is its only meaning (fine-tuning's
        early stopping holds out the network's own ``validation_fraction``).
        Set in another configuration it warns that it is ignored; set
        together with ``X_val``, it is an error.

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
        times faster. Energy fractions need whole spectra, so full SVDs
        (``"randomized"`` with no int rank warns that it is not used). Where
        the randomized SVD ran, :attr:`singular_values_` holds only the
        values it computed.

    quantize : {"float32", "float16", "int8"} or None, default=None
        How the compressed model stores its weight matrices, after
        compression and fine-tuning. ``None`` keeps the network's own dtype;
        ``"float32"`` and ``"float16"`` round every weight matrix to that
        type; ``"int8"`` stores each as integers in ``[-127, 127]`` with one
        float32 scale per output column (symmetric: a column's largest weight
        maps to 127). Biases are then float32. The forward pass computes in
        float32 from exactly the stored values, so the model you evaluate is
        the one you deploy. A truncated model's head is stored as layers too,
        at the end of :attr:`network_` (``head_`` is then ``None``), which
        needs a head whose layers compute it: ``LogisticRegression``, a linear
        regressor or a multi-layer perceptron. With ``rank="auto"`` and
        ``max_score_drop``, candidates are scored as stored.

    integer_only : bool, default=False
        With ``quantize="int8"``: compute with integers only, as a
        microcontroller without a floating-point unit does. Activations are int8
        too, each tensor with a scale and a zero point calibrated on the
        training data ``fit`` compresses on (all of its rows of positive weight:
        the ranges must hold what the network meets; one pass over them costs
        less than the compression); each step sums in int32 and rescales with a
        fixed-point multiplier and shift (rounded half up, saturating); a ReLU
        is the clamp at the zero point, a logistic or tanh hidden layer a
        256-entry table; the output layer gives int16 logits. A factored layer
        is two integer products with an int8 intermediate of width ``rank``;
        inputs constant on the training data are not read (their weights times
        their value go into the first bias). ``predict`` and ``score`` compute
        exactly what :func:`export_c`'s C computes, to the bit, and so do the
        searches (after a ``StandardScaler`` in a ``Pipeline``, which the C file
        folds into its float32 input quantization, an input on a rounding
        boundary may land one step apart); ``predict_proba`` applies the output
        activation to the logits in float32. :attr:`summary` shows every step's
        scales. A truncation's head is quantized the same way (it must be one
        whose layers compute it).

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
        The network that was compressed (for a ``FrozenEstimator``, the very
        network it wraps).
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
        With ``max_score_drop``: the chosen model's validation score, before
        fine-tuning.
    loss_curve_ : list of float
        With ``fine_tune_epochs``: the training loss of each epoch.
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
        int8 scales and the head.
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

    _network_type = MLPClassifier

    def _check_targets(self, y):
        check_classification_targets(y)
        return y

    def _target_attributes(self):
        return {"classes_": self.estimator_.classes_}

    def _check_frozen_targets(self, network, y):
        if y.ndim == 2:
            known = y.shape[1] == len(network.classes_)
        else:
            known = np.isin(np.unique(y), network.classes_).all()
        if not known:
            raise ValueError(
                "y has labels the frozen network in estimator was not trained on; "
                f"it knows {network.classes_.tolist()}."
            )

    def _stratify(self, y):
        return y if y.ndim == 1 and np.unique(y).size > 1 else None

    def _new_head(self, y):
        if self.head is None:
            head = LogisticRegression(max_iter=1000)
        elif is_classifier(self.head):
            head = clone(self.head)
        else:
            raise TypeError(
                "head must be a classifier (such as LogisticRegression) or None; "
                f"got {type(self.head).__name__}."
            )
        return MultiOutputClassifier(head) if y.ndim == 2 else head

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
        output = self._network_output(X)
        if self.head_ is not None:
            return head_adapter(self.head_).predict_proba(output, self.classes_)
        return self.output_spec_.predict_proba(output)

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = (
            self._network_tags().classifier_tags.multi_label
        )
        return tags
