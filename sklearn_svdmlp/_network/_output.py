"""The output rule: what a network's last layer gives, and what it means.

One :class:`OutputSpec`, made once at fit time from the network, says
whether the outputs are one binary probability, class probabilities,
per-label probabilities or regression targets, and with which activation.
Prediction, fine-tuning (targets, loss, early stopping), the C writer and
the ONNX converter all ask it, and nothing else reads the network's
``out_activation_``.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import r2_score
from sklearn.preprocessing import label_binarize

from .._compat import ACTIVATIONS

# The loss MLPClassifier / MLPRegressor pair with each output activation; with
# each, the gradient at the output is simply output - target.
_LOSS_OF_ACTIVATION = {
    "softmax": "log_loss",
    "logistic": "binary_log_loss",
    "identity": "squared_error",
    "exp": "poisson",
}

KINDS = ("binary", "multiclass", "multilabel", "regression")


def loss_of_activation(activation):
    """The name of scikit-learn's MLP loss for an output ``activation``.

    Examples
    --------
    >>> from sklearn_svdmlp._network import loss_of_activation
    >>> loss_of_activation("softmax")
    'log_loss'
    """
    return _LOSS_OF_ACTIVATION[activation]


@dataclass(frozen=True, eq=False)
class OutputSpec:
    """What a network's outputs are, and how they become predictions.

    Parameters
    ----------
    kind : {"binary", "multiclass", "multilabel", "regression"}
        ``"binary"``: one output, the probability of the second class;
        ``"multiclass"``: one probability per class (softmax);
        ``"multilabel"``: one probability per label; ``"regression"``: the
        predicted targets.
    activation : str
        The output layer's activation (``"logistic"``, ``"softmax"``,
        ``"identity"`` or ``"exp"``).
    n_outputs : int
        Width of the output layer.
    classes : ndarray or None, default=None
        The class labels (for a multilabel network, the label indices), in
        the order of the outputs; ``None`` for regression.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp._network import OutputSpec
    >>> X, y = load_iris(return_X_y=True)
    >>> network = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    >>> spec = OutputSpec.of_network(network)
    >>> spec.kind, spec.activation, spec.n_outputs
    ('multiclass', 'softmax', 3)
    >>> bool((spec.predict(network.predict_proba(X)) == network.predict(X)).all())
    True
    """

    kind: str
    activation: str
    n_outputs: int
    classes: np.ndarray | None = None

    @classmethod
    def of_network(cls, network):
        """The specification of a fitted ``MLPClassifier``'s or ``MLPRegressor``'s."""
        activation = network.out_activation_
        n_outputs = network.n_outputs_
        if not is_classifier(network):
            return cls("regression", activation, n_outputs)
        if activation == "softmax":
            kind = "multiclass"
        else:  # logistic: one output for two classes, or one per label
            kind = "binary" if n_outputs == 1 else "multilabel"
        return cls(kind, activation, n_outputs, network.classes_)

    @property
    def is_classifier(self):
        """Whether the outputs are probabilities of classes or labels."""
        return self.kind != "regression"

    @property
    def n_targets(self):
        """Classes (or labels) of a classifier, targets of a regressor.

        The columns of ``predict_proba``, or of a regressor's predictions.
        """
        return self.n_outputs if self.classes is None else len(self.classes)

    @property
    def loss(self):
        """The name of scikit-learn's MLP loss for these outputs."""
        return loss_of_activation(self.activation)

    def encode(self, y):
        """``y`` as the output layer predicts it: one column per output.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_svdmlp._network import OutputSpec
        >>> OutputSpec("binary", "logistic", 1, np.array(["no", "yes"])).encode(
        ...     ["yes", "no"]).tolist()
        [[1], [0]]
        """
        if self.kind == "regression":
            return np.asarray(y, dtype=float).reshape(len(y), -1)
        return label_binarize(y, classes=self.classes)

    def predict(self, output):
        """Labels (or targets) from the outputs, as the network's ``predict``."""
        if self.kind == "multilabel":
            return (output > 0.5).astype(int)
        if self.kind == "binary":
            return self.classes[(output[:, 0] > 0.5).astype(int)]
        if self.kind == "multiclass":
            return self.classes[np.argmax(output, axis=1)]
        return output[:, 0] if output.shape[1] == 1 else output

    def predict_from_logits(self, logits):
        """Predictions from the output layer's values before its activation.

        The same labels as :meth:`predict` of the activated outputs, decided
        on the logits (a logistic output is above 0.5 where its logit is
        above 0), as integer-only inference decides them; a regressor's
        targets are the activation of the logits.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_svdmlp._network import OutputSpec
        >>> spec = OutputSpec("binary", "logistic", 1, np.array(["no", "yes"]))
        >>> spec.predict_from_logits(np.array([[-0.5], [2.0]])).tolist()
        ['no', 'yes']
        """
        if self.kind == "multilabel":
            return (logits > 0).astype(int)
        if self.kind == "binary":
            return self.classes[(logits[:, 0] > 0).astype(int)]
        if self.kind == "multiclass":
            return self.classes[np.argmax(logits, axis=1)]
        output = np.array(logits, copy=True)
        ACTIVATIONS[self.activation](output)
        return output[:, 0] if output.shape[1] == 1 else output

    def predict_proba(self, output):
        """Class probabilities from the outputs, one column per class or label."""
        if self.kind == "binary":
            return np.hstack([1 - output, output])
        return output

    def score(self, output, Y, sample_weight=None):
        """How well ``output`` matches ``Y`` (as :meth:`encode` gives it).

        Accuracy for classifiers (every label right, for multilabel), R^2
        for regression: what early stopping follows.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_svdmlp._network import OutputSpec
        >>> spec = OutputSpec("multiclass", "softmax", 2, np.array([0, 1]))
        >>> spec.score(np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0, 1], [0, 1]]))
        0.5
        """
        if self.kind == "regression":
            return r2_score(Y, output, sample_weight=sample_weight)
        if self.kind == "multiclass":
            right = np.argmax(output, axis=1) == np.argmax(Y, axis=1)
        else:
            right = np.all((output > 0.5) == Y.astype(bool), axis=1)
        return float(np.average(right, weights=sample_weight))
