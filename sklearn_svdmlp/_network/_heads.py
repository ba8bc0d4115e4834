"""The head retrained above a truncated layer: one adapter per kind of head.

:func:`head_adapter` is the one place that asks which estimator a head is;
it returns a :class:`Head` (linear, one linear model per label, a network,
or any other predictor), and everything else asks the adapter: its output,
its size, and its layers for fine-tuning and for the runtimes that only have
layers. A head that cannot do what is asked fails in one place,
:meth:`Head.require_layers`, with :class:`UnsupportedHeadError`.
"""

import numpy as np
from sklearn.base import is_regressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor

from .._compat import NEIGHBORS_TRAINING_DATA, Tree
from ._layers import DenseLayer, mlp_layers
from ._output import OutputSpec

# Heads whose size expected_n_params knows before they are fitted.
_COUNTED_HEADS = (LogisticRegression, Ridge)

# What fine-tuning supports, and what the runtimes that only have layers
# (quantize, C, ONNX) support, for the error messages.
_TRAINABLE = (
    "a linear model with coef_ and intercept_ (LogisticRegression, "
    "RidgeClassifier, LinearSVC, SGDClassifier, Perceptron, Ridge, "
    "LinearRegression ...), one such classifier per label for multilabel "
    "targets, or an MLPClassifier or MLPRegressor"
)
_EXACT = (
    "a linear model whose probabilities are the softmax of its output "
    "(LogisticRegression, one per label for multilabel targets), a "
    "linear regressor (Ridge, LinearRegression ...), or an "
    "MLPClassifier or MLPRegressor (not per label)"
)


class UnsupportedHeadError(ValueError, TypeError):
    """A truncation's head cannot be used as asked.

    Raised when fine-tuning, ``quantize``, :func:`~sklearn_svdmlp.export_c`
    or the ONNX export needs the head as network layers and it has none (a
    tree, nearest neighbours ...), when they must compute its probabilities
    exactly and cannot (``RidgeClassifier``, ``LinearSVC`` ...), or when the
    head gives other outputs than the network (it was fitted on fewer
    classes than a frozen network knows). A subclass of both ``ValueError``
    and ``TypeError``, so that code catching either catches it.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp import SVDCompressedMLPClassifier, UnsupportedHeadError
    >>> from sklearn_svdmlp import export_c
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(
    ...     MLPClassifier((8,), max_iter=500, random_state=0),
    ...     method="truncated", rank=2, head=RidgeClassifier(),
    ... ).fit(X, y)
    >>> try:
    ...     export_c(model)
    ... except UnsupportedHeadError as error:
    ...     print(str(error)[:60])
    export_c needs a head that its layers compute exactly: a lin
    """


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


class Head:
    """A fitted head of any kind: what every kind answers the same way.

    The base class is the adapter of heads that are none of the kinds below
    (trees, nearest neighbours, ensembles ...): they predict, and are
    counted, but have no layers.

    Parameters
    ----------
    estimator : fitted estimator
        The head itself (used, never modified, except by :meth:`set_layers`).
    """

    def __init__(self, estimator):
        self.estimator = estimator

    @property
    def name(self):
        """The head's class name, for messages."""
        return type(self.estimator).__name__

    def layers(self):
        """The head as network layers (copies), or ``None`` if it has none."""
        return None

    @property
    def layers_are_exact(self):
        """Whether :meth:`layers` compute the head's probabilities or predictions.

        Otherwise they give its labels only (the most probable class is the
        head's prediction).
        """
        return False

    def require_layers(self, purpose, n_outputs=None, exact=False):
        """:meth:`layers`, or :class:`UnsupportedHeadError` saying why not.

        Parameters
        ----------
        purpose : str
            What needs the layers, at the start of the message.
        n_outputs : int, default=None
            The outputs the layers must end with (the network's).
        exact : bool, default=False
            Whether the layers must compute the head's output exactly
            (:attr:`layers_are_exact`), not only its labels.
        """
        layers = self.layers()
        if exact and (layers is None or not self.layers_are_exact):
            raise UnsupportedHeadError(
                f"{purpose} needs a head that its layers compute exactly: "
                f"{_EXACT}; got {self.name}."
            )
        if layers is None:
            raise UnsupportedHeadError(
                f"{purpose} needs a head that is {_TRAINABLE}; got {self.name}."
            )
        if n_outputs is not None and layers[-1].shape[1] != n_outputs:
            raise UnsupportedHeadError(
                f"{purpose}: the head gives {layers[-1].shape[1]} outputs but the "
                f"network {n_outputs} (a frozen network knows classes the "
                "training data lacks); this is not supported."
            )
        return layers

    def set_layers(self, layers):
        """Write fine-tuned ``layers`` (from :meth:`layers`) back into the head."""
        raise UnsupportedHeadError(f"{self.name} has no layers to write back.")

    def output_spec(self, network):
        """The :class:`OutputSpec` of :meth:`layers`, given the ``network``'s.

        What fine-tuning encodes targets with, trains against and stops on.
        """
        if network.kind == "regression":
            return OutputSpec("regression", "identity", self.layers()[-1].shape[1])
        classes = self.estimator.classes_
        if len(classes) == 2:
            return OutputSpec("binary", "logistic", 1, classes)
        return OutputSpec("multiclass", "softmax", len(classes), classes)

    def predict(self, activations):
        """The head's predictions."""
        return self.estimator.predict(activations)

    def predict_proba(self, activations, classes):
        """Probabilities in ``MLPClassifier``'s layout, one column per class.

        ``classes`` are the network's: a frozen network may know classes the
        head's training data lacks, whose probability is then zero.
        """
        proba = self.estimator.predict_proba(activations)
        head_classes = self.estimator.classes_
        if len(head_classes) == len(classes):
            return proba
        aligned = np.zeros((proba.shape[0], len(classes)), dtype=proba.dtype)
        aligned[:, np.searchsorted(classes, head_classes)] = proba
        return aligned

    @property
    def n_params(self):
        """Floating-point numbers the head stores, ``classes_`` aside.

        The fitted (``_``-suffixed) floating-point arrays: for linear models
        ``coef_.size + intercept_.size``; for networks the sizes of
        ``coefs_`` and ``intercepts_``; for trees the thresholds and leaf
        values; nested estimators are counted through. Nearest-neighbour
        models keep their training set (``_fit_X``), which is counted too.
        """
        return _stored_in(self.estimator, np.size)

    @property
    def n_bytes(self):
        """Bytes of the numbers :attr:`n_params` counts, at their dtype."""
        return _stored_in(self.estimator, lambda array: array.nbytes)

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample, where they are known, else ``None``."""
        layers = self.layers()
        if layers is None:
            return None
        return sum(layer.n_multiply_adds for layer in layers)


class LinearHead(Head):
    """A fitted linear model: its output is ``X @ coef_.T + intercept_``.

    A linear classifier becomes one softmax layer (logistic for two
    classes), whose most probable class is its prediction; a linear
    regressor one identity layer.
    """

    def layers(self):
        head = self.estimator
        # One output per row of coef_ (a single target or two classes may
        # store a 1-d coef_ and a scalar intercept_).
        coef = np.atleast_2d(head.coef_).T.copy()
        intercept = np.broadcast_to(head.intercept_, coef.shape[1]).astype(coef.dtype)
        if is_regressor(head):
            activation = "identity"
        else:
            activation = "logistic" if coef.shape[1] == 1 else "softmax"
        return [DenseLayer(coef, intercept, activation)]

    @property
    def layers_are_exact(self):
        # LogisticRegression's probabilities are the softmax (logistic for
        # two classes) of its linear function; other linear classifiers have
        # none, or others (SGDClassifier normalizes one-vs-rest ones).
        return is_regressor(self.estimator) or isinstance(
            self.estimator, LogisticRegression
        )

    def set_layers(self, layers):
        (layer,) = layers
        head = self.estimator
        coef = np.ascontiguousarray(layer.coef.T)
        head.coef_ = coef.ravel() if np.ndim(head.coef_) == 1 else coef
        intercept = layer.intercept.copy()
        scalar = np.ndim(head.intercept_) == 0
        head.intercept_ = float(intercept[0]) if scalar else intercept


class PerLabelHead(Head):
    """One classifier per label (a ``MultiOutputClassifier``), for multilabel targets.

    Linear classifiers per label become one logistic layer, one output per
    label.
    """

    def _linear(self):
        return all(
            hasattr(estimator, "coef_") and hasattr(estimator, "intercept_")
            for estimator in self.estimator.estimators_
        )

    def layers(self):
        if not self._linear():
            return None
        estimators = self.estimator.estimators_
        coef = np.hstack([estimator.coef_.T for estimator in estimators])
        intercept = np.hstack([estimator.intercept_ for estimator in estimators])
        return [DenseLayer(coef, intercept, "logistic")]

    @property
    def layers_are_exact(self):
        return all(
            isinstance(estimator, LogisticRegression)
            for estimator in self.estimator.estimators_
        )

    def set_layers(self, layers):
        (layer,) = layers
        for j, estimator in enumerate(self.estimator.estimators_):
            estimator.coef_ = layer.coef[:, j : j + 1].T.copy()
            estimator.intercept_ = layer.intercept[j : j + 1].copy()

    def output_spec(self, network):
        return OutputSpec("multilabel", "logistic", network.n_outputs, network.classes)

    @property
    def n_multiply_adds(self):
        counts = [
            head_adapter(estimator).n_multiply_adds
            for estimator in self.estimator.estimators_
        ]
        return None if None in counts else sum(counts)

    def predict_proba(self, activations, classes):
        """One column per label: the probability that it is on."""
        return np.column_stack(
            [
                _positive_column(proba, estimator.classes_)
                for proba, estimator in zip(
                    self.estimator.predict_proba(activations),
                    self.estimator.estimators_,
                    strict=True,
                )
            ]
        )


def _positive_column(proba, classes):
    """Probability that a label is on; zero if its head only ever saw it off."""
    on = np.flatnonzero(classes == 1)
    return proba[:, on[0]] if len(on) else np.zeros(len(proba), dtype=proba.dtype)


class NetworkHead(Head):
    """A multi-layer perceptron (``MLPClassifier``, ``MLPRegressor``): its layers."""

    def layers(self):
        return [layer.copy() for layer in mlp_layers(self.estimator)]

    @property
    def layers_are_exact(self):
        return True

    def set_layers(self, layers):
        self.estimator.coefs_ = [layer.coef for layer in layers]
        self.estimator.intercepts_ = [layer.intercept for layer in layers]

    def output_spec(self, network):
        return OutputSpec.of_network(self.estimator)


def head_adapter(head):
    """The :class:`Head` adapter of a fitted head: the one place that tells kinds apart.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_svdmlp._network import head_adapter
    >>> X, y = load_iris(return_X_y=True)
    >>> head = head_adapter(LogisticRegression(max_iter=500).fit(X, y))
    >>> type(head).__name__, head.n_params, head.n_multiply_adds  # 4 x 3 + 3
    ('LinearHead', 15, 12)
    >>> [(layer.shape, layer.activation) for layer in head.layers()]
    [((4, 3), 'softmax')]
    """
    if isinstance(head, MultiOutputClassifier):
        return PerLabelHead(head)
    if isinstance(head, (MLPClassifier, MLPRegressor)):
        return NetworkHead(head)
    if hasattr(head, "coef_") and hasattr(head, "intercept_"):
        return LinearHead(head)
    return Head(head)


def expected_n_params(head, width, y):
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
    >>> from sklearn_svdmlp._network import expected_n_params
    >>> expected_n_params(LogisticRegression(), 8, np.array([0, 1, 2, 1]))  # 3 x 9
    27
    """
    if isinstance(head, MultiOutputClassifier):
        per_label = expected_n_params(head.estimator, width, np.array([0, 1]))
        return None if per_label is None else per_label * np.shape(y)[1]
    if type(head) not in _COUNTED_HEADS or not head.get_params()["fit_intercept"]:
        return None
    if isinstance(head, LogisticRegression):
        n_classes = len(np.unique(y))
        n_outputs = 1 if n_classes == 2 else n_classes
    else:
        n_outputs = 1 if np.ndim(y) == 1 else np.shape(y)[1]
    return n_outputs * (width + 1)
