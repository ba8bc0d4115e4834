"""Scorers that read a fitted model's size, for model selection.

They look inside what a search or a user wraps the model in: a
``Pipeline`` (its last step), a ``TransformedTargetRegressor`` (its fitted
``regressor_``) and a ``FrozenEstimator`` (the model it wraps), nested in
any order.
"""

from ._unwrap import scored_model


def compression_ratio_scorer(estimator, X=None, y=None):
    """The compression ratio of a fitted model, as a scorer for model selection.

    It returns ``compression_ratio_`` (the network's parameters over the
    compressed model's) and ignores ``X`` and ``y``. Add it to the scoring of
    a ``GridSearchCV`` to record each candidate's size next to its score, for
    instance to plot them with :meth:`CompressionCurveDisplay.from_cv_results`.

    Parameters
    ----------
    estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or wrapper
        A fitted compressed model, or one inside a fitted ``Pipeline`` (its
        last step), ``TransformedTargetRegressor`` (its ``regressor_``) or
        ``FrozenEstimator``, nested in any order.
    X : array-like, default=None
        Ignored; there to match the scorer signature.
    y : array-like, default=None
        Ignored; there to match the scorer signature.

    Returns
    -------
    compression_ratio : float
        The model's ``compression_ratio_``, ``n_params_original_ / n_params_``:
        higher means smaller.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp import SVDCompressedMLPClassifier, compression_ratio_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(
    ...     MLPClassifier((20,), max_iter=2000, random_state=0), random_state=0
    ... )
    >>> search = GridSearchCV(
    ...     model,
    ...     {"rank": [1, 2]},
    ...     scoring={
    ...         "accuracy": "accuracy",
    ...         "compression_ratio": compression_ratio_scorer,
    ...     },
    ...     refit="accuracy",
    ...     cv=3,
    ... ).fit(X, y)
    >>> search.cv_results_["mean_test_compression_ratio"].round(2)
    array([1.52, 1.24])
    """
    return scored_model(estimator).compression_ratio_


def byte_compression_ratio_scorer(estimator, X=None, y=None):
    """The compression ratio in bytes of a fitted model, as a scorer.

    It returns ``n_bytes_original_ / n_bytes_`` (the network's bytes over
    the bytes the compressed model stores, with ``quantize``) and ignores
    ``X`` and ``y``; see :func:`compression_ratio_scorer`.

    Parameters
    ----------
    estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or wrapper
        A fitted compressed model, or one inside a fitted ``Pipeline`` (its
        last step), ``TransformedTargetRegressor`` (its ``regressor_``) or
        ``FrozenEstimator``, nested in any order.
    X : array-like, default=None
        Ignored; there to match the scorer signature.
    y : array-like, default=None
        Ignored; there to match the scorer signature.

    Returns
    -------
    byte_compression_ratio : float

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp import (
    ...     SVDCompressedMLPClassifier,
    ...     byte_compression_ratio_scorer,
    ... )
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(
    ...     MLPClassifier((20,), max_iter=2000, random_state=0), rank=1, quantize="int8"
    ... ).fit(X, y)
    >>> round(byte_compression_ratio_scorer(model), 2)
    4.79
    """
    model = scored_model(estimator)
    return model.n_bytes_original_ / model.n_bytes_
