"""Using a fitted compressed model: checking the input, running the stored network.

:class:`PredictionMixin` gives both estimators ``layers_``, ``predict`` and the
checked forward pass their other prediction methods build on;
:class:`ProbabilityMixin` gives the classifier its probabilities.
"""

import numpy as np
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .._network import head_adapter


def _needs_no_conversion(X, estimator):
    """Whether ``validate_data(estimator, X, reset=False)`` would leave ``X`` as is.

    True for a plain, non-empty 2-D float64 or float32 NumPy array of finite
    values with the width seen in ``fit``, for a model fitted without column
    names. Anything else goes through ``validate_data``, which raises or warns
    as usual. (On one row, ``validate_data`` takes longer than the network:
    55 us in scikit-learn 1.9.)
    """
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype.type in (np.float64, np.float32)
        and X.shape[0] > 0
        and X.shape[1] == estimator.n_features_in_
        and not hasattr(estimator, "feature_names_in_")
        # Any NaN or infinity makes the sum non-finite (as check_array tests).
        and np.isfinite(X.sum(dtype=np.float64))
    )


class PredictionMixin:
    """Prediction for the compressed estimators.

    Expects the fitted ``network_``, ``head_`` and ``output_spec_``, which
    turns the stored network's output into predictions.
    """

    @property
    def layers_(self):
        """The stored layers, ``network_.layers``: read or export the weights.

        A list of :class:`DenseLayer`, :class:`FactoredLayer` or (with
        ``quantize``) :class:`QuantizedLayer`, input first. With
        ``method="truncated"`` the last one is the truncated layer and the
        head follows in :attr:`head_`; with ``quantize`` too, the head's
        layers follow it here instead.
        """
        return self.network_.layers

    def _checked_input(self, X):
        """``X`` as the stored network takes it, once fitted and checked."""
        if not hasattr(self, "network_"):  # (check_is_fitted costs a tags lookup)
            check_is_fitted(self)
        if not _needs_no_conversion(X, self):
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
        return X

    def _network_output(self, X):
        """What the stored network computes on ``X``, once fitted and checked."""
        X = self._checked_input(X)  # checks that the model is fitted first
        return self.network_.forward(X)

    def predict(self, X):
        """Predict with the compressed model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (or a multilabel indicator matrix) for the
            classifier, predicted targets for the regressor.
        """
        X = self._checked_input(X)
        if self.head_ is not None:
            return head_adapter(self.head_).predict(self.network_.forward(X))
        return self.network_.predictions(X, self.output_spec_)


def _head_has_predict_proba(estimator):
    """``predict_proba`` exists unless a truncation head lacks it."""
    if hasattr(estimator, "head_"):
        head = estimator.head_
    elif estimator.method == "truncated":
        head = estimator.head
    else:
        head = None
    return head is None or hasattr(head, "predict_proba")


class ProbabilityMixin:
    """``predict_proba`` and ``predict_log_proba`` of the classifier."""

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
