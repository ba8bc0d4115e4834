"""Which inputs a compressed network reads: the ones its first layer needs most.

The first layer's pre-activations are ``Z = X W + b``. Reading only the
inputs ``kept``, the layer computes ``X[:, kept] W' + b'``; choosing
``kept`` and refitting ``W'`` and ``b'`` are pure functions of the training
data and the first layer.

Choosing (:func:`input_order`, :func:`choose_inputs` its first inputs):

- ``"importance"``: each input's standard deviation times the norm of its
  row of ``W``, one input at a time;
- ``"pivoted-qr"``: column-subset selection, the pivots of a QR
  factorization with column pivoting of the centred data, each column
  scaled by its row norm: an input is worth what it adds beyond the inputs
  already chosen, so of two copies only one is kept;
- ``"forward"``: greedy forward selection of the inputs from which a least
  squares fit best gives the centred pre-activations ``Z``, each step the
  input that lowers the residual most, computed by updating one orthogonal
  basis and the residual's correlations (no least squares per candidate).

Refitting (:func:`first_layer_on`): ``"means"`` moves each dropped input's
mean into the bias; ``"least-squares"`` refits the kept inputs' weights
and the bias to the original pre-activations (the ridge fit of
``svd_on="outputs"``, :func:`~._compensation.compensating_fit`, shrunk
toward the means' fold, its ridge chosen by generalized cross-validation, so
that where the refit does not help it falls back to the means), so that a
dropped input is compensated by the kept ones correlated with it.

The defaults, ``"forward"`` and ``"least-squares"``, are what
``benchmarks/inputs.py`` measured best (the benchmarks page, "Choosing the
inputs"): on the MNIST-like digits' 784-100-50-10 network, three seeds, at
120x fewer bytes than float64 with 10 epochs of fine-tuning, keeping 300 /
200 / 100 / 50 inputs lost 0.44 / 0.52 / -0.15 / 0.44 accuracy points
(``"pivoted-qr"``: 0.59 / 0.89 / 0.74 / 0.74; every input: 5.26). The refit
matters most: with the means folded, the 300 most important inputs lost
14.15 points before compressing, refit by least squares 0.89.
"""

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from .._network._inputs import constant_features
from ._compensation import compensating_fit

# The ways of choosing inputs `choose_inputs` offers.
INPUT_CHOICES = ("importance", "pivoted-qr", "forward")
# The ways `first_layer_on` makes up for the inputs it drops.
INPUT_REFITS = ("means", "least-squares")
# A column whose part outside the inputs already chosen is below this
# fraction of its norm adds nothing but rounding error.
_DEPENDENT = 1e-10


def input_importance(X, weights, sample_weight=None):
    """Each input's standard deviation times the norm of its first-layer row.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data, as the first layer reads it.
    weights : ndarray of shape (n_features, n_units)
        The first weight matrix.
    sample_weight : ndarray of shape (n_samples,), default=None
        The rows' weights (the standard deviation weighted).

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
    centred = X - np.average(X, axis=0, weights=sample_weight)
    variance = np.average(np.square(centred), axis=0, weights=sample_weight)
    return np.sqrt(variance) * np.linalg.norm(weights, axis=1)


def _dense(X):
    """``X`` as a dense array: the choice and the refit centre it anyway."""
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def _data_basis(X, sample_weight=None):
    """The centred ``X``'s columns in an orthonormal basis of its column space.

    ``R`` of a QR factorization: ``R[:, i] @ R[:, j]`` is the centred
    columns' (weighted) inner product, in ``min(n_samples, n_features)`` rows.
    """
    X = np.asarray(X, dtype=np.float64)
    centred = X - np.average(X, axis=0, weights=sample_weight)
    if sample_weight is not None:
        centred *= np.sqrt(np.asarray(sample_weight, dtype=np.float64))[:, np.newaxis]
    if centred.shape[0] <= centred.shape[1]:
        return centred
    return linalg.qr(centred, mode="r", check_finite=False)[0]


def _pivoted_qr_order(X, weights, n_kept, sample_weight=None):
    """The first ``n_kept`` pivots of a pivoted QR of the weighted, centred data.

    Column ``j`` of the centred data is scaled by the norm of row ``j`` of
    ``weights``, so the first pivot is the largest :func:`input_importance`
    and each next one the largest importance left once the columns already
    chosen are projected out. The parameters are :func:`input_order`'s;
    the indices come in the order chosen.
    """
    scaled = _data_basis(X, sample_weight) * np.linalg.norm(weights, axis=1)
    pivots = linalg.qr(scaled, mode="r", pivoting=True, check_finite=False)[1]
    return pivots[:n_kept].astype(np.int64)


def _forward_order(X, weights, n_kept, sample_weight=None):
    """Greedy forward selection of the inputs that best give the pre-activations.

    Each step adds the input that most lowers
    ``min over A of ||Zc - Xc[:, chosen] A||``, with ``Xc`` the centred data
    and ``Zc = Xc @ weights`` the centred pre-activations. The chosen
    inputs' orthonormal basis grows by one column a step; the residuals of
    every input and of ``Zc`` outside it, and their correlations, are
    updated by that column (``O((n_samples + n_units) n_features)`` a
    step), not refit. The parameters are :func:`input_order`'s; the
    indices come in the order chosen.
    """
    inputs = _data_basis(X, sample_weight).copy()
    targets = inputs @ np.asarray(weights, dtype=np.float64)
    correlations = inputs.T @ targets
    norms = np.sum(np.square(inputs), axis=0)
    floor = _DEPENDENT * norms
    available = np.ones(inputs.shape[1], dtype=bool)
    chosen = []
    for _ in range(n_kept):
        useful = available & (norms > floor)
        if not np.any(useful):
            # Every input left lies in the span of those chosen.
            useful = available
        gain = np.full(norms.shape, -np.inf)
        gain[useful] = np.sum(np.square(correlations[useful]), axis=1) / np.maximum(
            norms[useful], np.finfo(np.float64).tiny
        )
        best = int(np.argmax(gain))
        chosen.append(best)
        available[best] = False
        if norms[best] <= floor[best]:
            continue
        column = inputs[:, best] / np.sqrt(norms[best])
        along = column @ inputs
        explained = column @ targets
        inputs -= np.outer(column, along)
        targets -= np.outer(column, explained)
        correlations -= np.outer(along, explained)
        norms = np.maximum(norms - np.square(along), 0.0)
    return np.asarray(chosen, dtype=np.int64)


def _importance_order(X, weights, n_kept, sample_weight=None):
    """The ``n_kept`` largest :func:`input_importance`, largest first."""
    importance = input_importance(X, weights, sample_weight)
    return np.argsort(-importance, kind="stable")[:n_kept]


_ORDERS = {
    "importance": _importance_order,
    "pivoted-qr": _pivoted_qr_order,
    "forward": _forward_order,
}


def input_order(X, weights, n_kept=None, *, method="forward", sample_weight=None):
    """The inputs not constant on ``X``, the one the first layer needs most first.

    Each method adds one input at a time, so its choice of ``n`` inputs is
    the first ``n`` of its order: a search over counts computes the order
    once. Inputs constant on ``X`` are never in it (their value is in the
    bias).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The training data, as the first layer reads it.
    weights : ndarray of shape (n_features, n_units)
        The first weight matrix.
    n_kept : int, default=None
        How long the order, at most the number of inputs not constant on
        ``X``; ``None``: all of them.
    method : {"forward", "pivoted-qr", "importance"}, default="forward"
        ``"forward"``: greedy forward selection of the inputs from which
        least squares best gives the centred pre-activations ``X @ weights``;
        ``"pivoted-qr"``: the pivots of a QR factorization with column
        pivoting of the centred ``X``, each column scaled by its row norm
        in ``weights``; ``"importance"``: the largest
        :func:`input_importance`. The first two keep one of two copies of
        an input, the last both.
    sample_weight : ndarray of shape (n_samples,), default=None
        The rows' weights, as repeated rows.

    Returns
    -------
    order : ndarray of shape (n_kept,), int64
        Indices of the inputs, in the order chosen.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._input_choice import input_order
    >>> X = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [2.0, 2.0, 0.0]])
    >>> [input_order(X, np.ones((3, 1)), method=method).tolist()
    ...  for method in ("forward", "pivoted-qr", "importance")]
    [[0, 2, 1], [0, 2, 1], [0, 1, 2]]
    """
    if method not in INPUT_CHOICES:
        raise ValueError(f"method must be one of {INPUT_CHOICES}; got {method!r}.")
    varying = np.flatnonzero(~constant_features(X))
    n_kept = varying.size if n_kept is None else n_kept
    if not 0 <= n_kept <= varying.size:
        raise ValueError(
            f"n_kept must be between 0 and the {varying.size} inputs not "
            f"constant on X; got {n_kept}."
        )
    X_varying, weights_varying = _dense(X)[:, varying], np.asarray(weights)[varying]
    order = _ORDERS[method](X_varying, weights_varying, n_kept, sample_weight)
    return varying[order].astype(np.int64)


def choose_inputs(X, weights, n_kept, *, method="forward", sample_weight=None):
    """The sorted indices of the ``n_kept`` inputs the first layer keeps.

    The first ``n_kept`` of :func:`input_order`, sorted.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The training data, as the first layer reads it.
    weights : ndarray of shape (n_features, n_units)
        The first weight matrix.
    n_kept : int
        How many inputs to keep, at most the number not constant on ``X``.
    method : {"forward", "pivoted-qr", "importance"}, default="forward"
        How they are chosen, as in :func:`input_order`.
    sample_weight : ndarray of shape (n_samples,), default=None
        The rows' weights, as repeated rows.

    Returns
    -------
    kept : ndarray of shape (n_kept,), int64
        Sorted indices of the inputs kept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._input_choice import choose_inputs
    >>> X = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [2.0, 2.0, 0.0]])
    >>> choose_inputs(X, np.ones((3, 1)), 2, method="importance").tolist()
    [0, 1]
    """
    return np.sort(
        input_order(X, weights, n_kept, method=method, sample_weight=sample_weight)
    )


def first_layer_on(
    X, weights, bias, kept, *, refit="least-squares", sample_weight=None
):
    """The first layer's weights and bias when it reads only the inputs ``kept``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The training data, as the first layer reads it.
    weights : ndarray of shape (n_features, n_units)
        The first weight matrix.
    bias : ndarray of shape (n_units,)
        The first bias.
    kept : ndarray of int
        Sorted indices of the inputs kept (:func:`choose_inputs`).
    refit : {"least-squares", "means"}, default="least-squares"
        ``"means"``: each input left out is replaced by its mean on ``X``,
        what it adds to the pre-activations moved into the bias.
        ``"least-squares"``: the kept inputs' weights and the bias refit so
        that ``X[:, kept] @ weights + bias`` best gives the original
        pre-activations on ``X``, a ridge fit shrunk toward the means' fold
        (:func:`~._compensation.compensating_fit`, its ridge chosen by
        generalized cross-validation: where the refit does not help, it
        stays at the means' fold).
    sample_weight : ndarray of shape (n_samples,), default=None
        The rows' weights, as repeated rows (the means and the fit weighted).

    Returns
    -------
    weights : ndarray of shape (len(kept), n_units)
    bias : ndarray of shape (n_units,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._input_choice import first_layer_on
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> W, b = first_layer_on(X, np.ones((2, 1)), np.zeros(1), [0], refit="means")
    >>> W.tolist(), b.tolist()
    ([[1.0]], [2.0])
    """
    if refit not in INPUT_REFITS:
        raise ValueError(f"refit must be one of {INPUT_REFITS}; got {refit!r}.")
    X, kept = _dense(X), np.asarray(kept, dtype=np.int64)
    weights, bias = np.asarray(weights), np.asarray(bias)
    dropped = np.setdiff1d(np.arange(weights.shape[0]), kept)
    if dropped.size == 0:
        return weights.copy(), bias.copy()
    mean = np.average(X[:, dropped], axis=0, weights=sample_weight)
    folded = bias + mean @ weights[dropped]
    if refit == "means" or kept.size == 0:
        return weights[kept].copy(), folded.astype(bias.dtype)
    coef, intercept = compensating_fit(
        X[:, kept], X @ weights + bias, weights[kept], folded, sample_weight
    )
    # In the network's precision, as the means' fold is.
    return coef.astype(weights.dtype), intercept.astype(bias.dtype)
