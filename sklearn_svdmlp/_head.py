"""The classifier retrained on a truncated layer's activations, and its cost."""

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import label_binarize

from ._compat import NEIGHBORS_TRAINING_DATA, Tree
from ._layers import DenseLayer, mlp_layers

# Heads whose size head_n_params knows before they are fitted.
_COUNTED_HEADS = (LogisticRegression, Ridge)


def make_head(head, multilabel):
    """An unfitted copy of ``head``.

    ``None`` means ``LogisticRegression(max_iter=1000)``: the default 100
    iterations often stop short on unscaled hidden activations.

    Multilabel targets get one copy per label through ``MultiOutputClassifier``.

    Examples
    --------
    >>> from sklearn_svdmlp._head import make_head
    >>> make_head(None, multilabel=False)
    LogisticRegression(max_iter=1000)
    """
    head = LogisticRegression(max_iter=1000) if head is None else clone(head)
    return MultiOutputClassifier(head) if multilabel else head


def head_predict_proba(head, activations, multilabel):
    """Probabilities in ``MLPClassifier``'s layout.

    Multilabel: one column per label, the probability that it is on.
    """
    if multilabel:
        return np.column_stack(
            [
                _positive_column(proba, estimator.classes_)
                for proba, estimator in zip(
                    head.predict_proba(activations), head.estimators_, strict=True
                )
            ]
        )
    return head.predict_proba(activations)


def _positive_column(proba, classes):
    """Probability that a label is on; zero if its head only ever saw it off."""
    on = np.flatnonzero(classes == 1)
    return proba[:, on[0]] if len(on) else np.zeros(len(proba), dtype=proba.dtype)


def _stored(value, size):
    """What ``value`` stores, measured by ``size(array)``, through containers."""
    if isinstance(value, np.ndarray):
        return size(value) if value.dtype.kind in "fc" else 0
    if isinstance(value, Tree):
        return size(value.threshold) + size(value.value)
    if isinstance(value, (list, tuple)):
        return sum(_stored(item, size) for item in value)
    if hasattr(value, "get_params") and hasattr(value, "__dict__"):
        return _stored_in(value, size)
    return 0


def _stored_in(estimator, size):
    # A linear regressor fitted on one target keeps its intercept_ as a
    # scalar; other scalars (loss_, best_loss_ ...) are not parameters.
    intercept = getattr(estimator, "intercept_", [])
    scalar = size(np.asarray(intercept)) if np.ndim(intercept) == 0 else 0
    return scalar + sum(
        _stored(value, size)
        for name, value in vars(estimator).items()
        if (name.endswith("_") and name != "classes_")
        or name == NEIGHBORS_TRAINING_DATA
    )


def stored_floats(estimator):
    """Floating-point numbers a fitted estimator stores, ``classes_`` aside.

    The fitted (``_``-suffixed) floating-point arrays: for linear models
    ``coef_.size + intercept_.size``; for networks the sizes of ``coefs_`` and
    ``intercepts_``; for trees the thresholds and leaf values; nested
    estimators are counted through. Nearest-neighbour models keep their
    training set (``_fit_X``), which is counted too.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_svdmlp._head import stored_floats
    >>> X, y = load_iris(return_X_y=True)
    >>> stored_floats(LogisticRegression(max_iter=500).fit(X, y))  # 4 x 3 + 3
    15
    """
    return _stored_in(estimator, np.size)


def stored_bytes(estimator):
    """Bytes of the numbers :func:`stored_floats` counts, at their dtype.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_svdmlp._head import stored_bytes
    >>> X, y = load_iris(return_X_y=True)
    >>> stored_bytes(LogisticRegression(max_iter=500).fit(X, y))  # 15 float64
    120
    """
    return _stored_in(estimator, lambda array: array.nbytes)


def head_n_params(head, width, y):
    """What an unfitted ``head`` will store on ``width`` inputs, or ``None``.

    Known before fitting for the default heads: ``LogisticRegression`` (one
    row of weights and an intercept per class, one for two classes; one
    per label in a ``MultiOutputClassifier``) and ``Ridge`` (one per
    target), both with ``fit_intercept=True``.
    ``y`` gives the classes, labels or targets.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_svdmlp._head import head_n_params
    >>> head_n_params(LogisticRegression(), 8, np.array([0, 1, 2, 1]))  # 3 x (8 + 1)
    27
    """
    if isinstance(head, MultiOutputClassifier):
        per_label = head_n_params(head.estimator, width, np.array([0, 1]))
        return None if per_label is None else per_label * np.shape(y)[1]
    if type(head) not in _COUNTED_HEADS or not head.get_params()["fit_intercept"]:
        return None
    if isinstance(head, LogisticRegression):
        n_classes = len(np.unique(y))
        n_outputs = 1 if n_classes == 2 else n_classes
    else:
        n_outputs = 1 if np.ndim(y) == 1 else np.shape(y)[1]
    return n_outputs * (width + 1)


def head_multiply_adds(head):
    """Multiply-adds per sample for linear and network heads, else ``None``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_svdmlp._head import head_multiply_adds
    >>> X, y = load_iris(return_X_y=True)
    >>> head_multiply_adds(LogisticRegression(max_iter=500).fit(X, y))
    12
    """
    if isinstance(head, MultiOutputClassifier):
        counts = [head_multiply_adds(estimator) for estimator in head.estimators_]
        return None if None in counts else sum(counts)
    if hasattr(head, "coef_"):
        return int(np.size(head.coef_))
    if hasattr(head, "coefs_"):
        return int(sum(coef.size for coef in head.coefs_))
    return None


# What fine-tuning and the ONNX export support, for their error messages.
SUPPORTED_HEADS = (
    "a linear model with coef_ and intercept_ (LogisticRegression, "
    "RidgeClassifier, LinearSVC, SGDClassifier, Perceptron, Ridge, "
    "LinearRegression ...), one such classifier per label for multilabel "
    "targets, or an MLPClassifier or MLPRegressor"
)


def _is_linear(head):
    """A fitted linear model: its output is ``X @ coef_.T + intercept_``."""
    return hasattr(head, "coef_") and hasattr(head, "intercept_")


def probabilities_are_layers(head):
    """Whether :func:`head_layers` compute the head's probabilities (or predictions).

    True for regressors and networks, and for ``LogisticRegression``, whose
    probabilities are the softmax (logistic for two classes) of its linear
    function. Other linear classifiers have no probabilities, or others
    (``SGDClassifier`` normalizes one-vs-rest ones): their layers give the
    same labels, not the same probabilities.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression, RidgeClassifier
    >>> from sklearn_svdmlp._head import probabilities_are_layers
    >>> probabilities_are_layers(LogisticRegression())
    True
    >>> probabilities_are_layers(RidgeClassifier())
    False
    """
    if isinstance(head, MultiOutputClassifier):
        return all(probabilities_are_layers(e) for e in head.estimators_)
    return is_regressor(head) or isinstance(head, (LogisticRegression, MLPClassifier))


def head_layers(head):
    """A fitted head as network layers for fine-tuning, or ``None``.

    A linear classifier (``LogisticRegression``, ``RidgeClassifier``,
    ``LinearSVC`` ...) becomes one softmax layer (logistic for two classes),
    whose most probable class is the classifier's prediction; per-label
    linear classifiers in a ``MultiOutputClassifier`` one logistic layer; a
    linear regressor (such as ``Ridge``) one identity layer; a multi-layer
    perceptron (``MLPClassifier`` or ``MLPRegressor``) its own layers. Other
    heads give ``None``. The arrays are copies.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_svdmlp._head import head_layers
    >>> X, y = load_iris(return_X_y=True)
    >>> [(layer.shape, layer.activation) for layer in
    ...  head_layers(LogisticRegression(max_iter=500).fit(X, y))]
    [((4, 3), 'softmax')]
    """
    if isinstance(head, MultiOutputClassifier):
        if not all(_is_linear(estimator) for estimator in head.estimators_):
            return None
        coef = np.hstack([estimator.coef_.T for estimator in head.estimators_])
        intercept = np.hstack([estimator.intercept_ for estimator in head.estimators_])
        return [DenseLayer(coef, intercept, "logistic")]
    if _is_linear(head):
        # One output per row of coef_ (a single target or two classes may
        # store a 1-d coef_ and a scalar intercept_).
        coef = np.atleast_2d(head.coef_).T.copy()
        intercept = np.broadcast_to(head.intercept_, coef.shape[1]).astype(coef.dtype)
        if is_regressor(head):
            activation = "identity"
        else:
            activation = "logistic" if coef.shape[1] == 1 else "softmax"
        return [DenseLayer(coef, intercept, activation)]
    if hasattr(head, "coefs_") and hasattr(head, "out_activation_"):
        return [layer.copy() for layer in mlp_layers(head)]
    return None


def layers_with_head(layers, head, what, n_outputs, error=TypeError):
    """``layers``, then ``head``'s as layers, for a runtime that only has layers.

    The head must be one whose layers compute its output exactly
    (:func:`probabilities_are_layers`) and give the network's ``n_outputs``
    (a head fitted on fewer classes than a frozen network knows does not);
    otherwise ``error`` is raised with a message that starts with ``what``.
    """
    if head is None:
        return list(layers)
    extra = head_layers(head)
    if extra is None or not probabilities_are_layers(head):
        raise error(
            f"{what} needs a head that its layers compute exactly: a linear "
            "model whose probabilities are the softmax of its output "
            "(LogisticRegression, one per label for multilabel targets), a "
            "linear regressor (Ridge, LinearRegression ...), or an "
            f"MLPClassifier or MLPRegressor (not per label); got "
            f"{type(head).__name__}."
        )
    if extra[-1].shape[1] != n_outputs:
        raise error(
            f"{what}: the head gives {extra[-1].shape[1]} outputs but the network "
            f"{n_outputs} (a frozen network knows classes the training data "
            "lacks); this is not supported."
        )
    return [*layers, *extra]


def set_head_layers(head, layers):
    """Write fine-tuned ``layers`` (from :func:`head_layers`) back into ``head``."""
    if isinstance(head, MultiOutputClassifier):
        (layer,) = layers
        for j, estimator in enumerate(head.estimators_):
            estimator.coef_ = layer.coef[:, j : j + 1].T.copy()
            estimator.intercept_ = layer.intercept[j : j + 1].copy()
    elif _is_linear(head):
        (layer,) = layers
        coef = np.ascontiguousarray(layer.coef.T)
        head.coef_ = coef.ravel() if np.ndim(head.coef_) == 1 else coef
        intercept = layer.intercept.copy()
        scalar = np.ndim(head.intercept_) == 0
        head.intercept_ = float(intercept[0]) if scalar else intercept
    else:
        head.coefs_ = [layer.coef for layer in layers]
        head.intercepts_ = [layer.intercept for layer in layers]


def head_targets(head, y):
    """``y`` encoded as the head's output layer predicts it."""
    if isinstance(head, MultiOutputClassifier):
        return np.asarray(y)
    if is_regressor(head):
        return np.asarray(y, dtype=float).reshape(len(y), -1)
    return label_binarize(y, classes=head.classes_)
