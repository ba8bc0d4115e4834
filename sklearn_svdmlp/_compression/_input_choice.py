"""Which inputs a compressed network reads: the ones its first layer needs most.

An input left out is replaced by its mean on the training data: what it adds
to the first pre-activation moves into the first bias, and its row of the
first weight matrix is not stored. Choosing which inputs to keep is a pure
function of the training data and the first weight matrix.
"""

import numpy as np

from .._network._inputs import constant_features

# The ways of choosing inputs `choose_inputs` offers.
INPUT_CHOICES = ("importance",)


def input_importance(X, weights):
    """Each input's standard deviation times the norm of its first-layer row.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data, as the first layer reads it.
    weights : ndarray of shape (n_features, n_units)
        The first weight matrix.

    Returns
    -------
    importance : ndarray of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._input_choice import input_importance
    >>> X = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 2.5]])
    >>> input_importance(X, np.ones((3, 2))).round(3).tolist()
    [1.414, 0.0, 0.354]
    """
    return np.std(X, axis=0) * np.linalg.norm(weights, axis=1)


def choose_inputs(X, weights, n_kept, *, method="importance"):
    """The indices, in order, of the ``n_kept`` inputs the first layer keeps.

    Inputs constant on ``X`` are never kept (their value is in the bias).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data, as the first layer reads it.
    weights : ndarray of shape (n_features, n_units)
        The first weight matrix.
    n_kept : int
        How many inputs to keep, at most the number not constant on ``X``.
    method : {"importance"}, default="importance"
        ``"importance"``: the largest :func:`input_importance`.

    Returns
    -------
    kept : ndarray of shape (n_kept,), int64
        Sorted indices of the inputs kept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._input_choice import choose_inputs
    >>> X = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 2.5]])
    >>> choose_inputs(X, np.ones((3, 2)), 1).tolist()
    [0]
    """
    if method not in INPUT_CHOICES:
        raise ValueError(f"method must be one of {INPUT_CHOICES}; got {method!r}.")
    varying = np.flatnonzero(~constant_features(X))
    if not 0 <= n_kept <= varying.size:
        raise ValueError(
            f"n_kept must be between 0 and the {varying.size} inputs not "
            f"constant on X; got {n_kept}."
        )
    importance = input_importance(X[:, varying], weights[varying])
    best = np.argsort(-importance, kind="stable")[:n_kept]
    return np.sort(varying[best]).astype(np.int64)


def first_layer_on(X, weights, bias, kept):
    """The first layer's weights and bias when it reads only the inputs ``kept``.

    Each input left out is replaced by its mean on ``X``: what it adds to the
    pre-activations moves into the bias.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data, as the first layer reads it.
    weights : ndarray of shape (n_features, n_units)
        The first weight matrix.
    bias : ndarray of shape (n_units,)
        The first bias.
    kept : ndarray of int
        Sorted indices of the inputs kept (:func:`choose_inputs`).

    Returns
    -------
    weights : ndarray of shape (len(kept), n_units)
    bias : ndarray of shape (n_units,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._input_choice import first_layer_on
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> W, b = first_layer_on(X, np.ones((2, 1)), np.zeros(1), np.array([0]))
    >>> W.tolist(), b.tolist()
    ([[1.0]], [2.0])
    """
    dropped = np.setdiff1d(np.arange(weights.shape[0]), kept)
    mean = np.mean(X[:, dropped], axis=0)
    return weights[kept].copy(), bias + mean @ weights[dropped]
