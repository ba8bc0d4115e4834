"""What the classifier checks of its labels and its head."""

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier


def check_known_labels(network, y):
    """Raise ``ValueError`` if a frozen ``network`` does not know ``y``'s labels."""
    if y.ndim == 2:
        known = y.shape[1] == len(network.classes_)
    else:
        known = np.isin(np.unique(y), network.classes_).all()
    if not known:
        raise ValueError(
            "y has labels the frozen network in estimator was not trained on; "
            f"it knows {network.classes_.tolist()}."
        )


def classification_head(head, y):
    """The unfitted head of a truncation, for labels ``y``: ``head`` checked.

    ``None`` is ``LogisticRegression(max_iter=1000)``; multilabel ``y``
    fits one per label.
    """
    if head is None:
        head = LogisticRegression(max_iter=1000)
    elif is_classifier(head):
        head = clone(head)
    else:
        raise TypeError(
            "head must be a classifier (such as LogisticRegression) or None; "
            f"got {type(head).__name__}."
        )
    return MultiOutputClassifier(head) if y.ndim == 2 else head
