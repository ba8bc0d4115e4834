"""Refit a layer to what the original network computes, from other inputs.

With ``svd_on="outputs"`` each layer above the first compressed one receives
inputs ``H'`` that differ from the original network's ``H``. Before it is
factored, the layer is refit so that, from ``H'``, it gives the original
pre-activations ``Z = H W + b``: a ridge least-squares fit shrunk toward the
layer as it was, with the ridge chosen by generalized cross-validation.
"""

import numpy as np
from scipy import linalg

from .._warnings import warn

# The ridges tried, relative to the mean weighted variance of the input
# columns: from a fit that is plain least squares on well-spanned data to
# one that keeps the layer as it was.
RELATIVE_RIDGES = np.logspace(-7, 4, 23)


def _generalized_cv(s, projected, total, n_samples, ridges):
    """Index of the ridge with the smallest generalized cross-validation error.

    ``s`` are the singular values of the weighted, centered inputs,
    ``projected`` the weighted, centered targets in their left singular
    basis, ``total`` the targets' total weighted sum of squares and
    ``n_samples`` the sample count. The criterion (Golub, Heath and Wahba,
    1979) is ``mean squared residual / (1 - dof / n_samples) ** 2``, with
    ``dof`` the ridge's degrees of freedom plus one for the intercept. A
    ridge that leaves no degrees of freedom is never chosen; if none leaves
    any, the largest is, with a warning.
    """
    energy = np.sum(np.square(projected), axis=1)
    fraction = np.square(s) / (np.square(s)[np.newaxis, :] + ridges[:, np.newaxis])
    # What no direction of the inputs explains, plus what each ridge leaves.
    unexplained = max(total - np.sum(energy), 0.0)
    residual = unexplained + np.square(1 - fraction) @ energy
    spare = 1 - (1 + fraction.sum(axis=1)) / n_samples
    positive = spare > 0
    if not np.any(positive):
        warn(
            f"svd_on='outputs': {n_samples:g} samples (the sum of sample_weight, "
            "which counts as repeated rows) leave no degrees of freedom to refit "
            "a layer; it keeps its weights and only its bias is refit."
        )
        return len(ridges) - 1
    criterion = np.full(len(ridges), np.inf)
    criterion[positive] = residual[positive] / np.square(spare[positive])
    return int(np.argmin(criterion))


def compensating_fit(
    H, Z, prior_coef, prior_intercept, sample_weight=None, ridges=RELATIVE_RIDGES
):
    """Affine map that best gives ``Z`` from ``H``, shrunk toward a prior one.

    Solves ``min sum_i w_i ||Z_i - H_i A - c||^2 + lam ||A - W||^2`` over
    ``A`` and an unpenalized intercept ``c``, with ``W = prior_coef`` (the
    layer as it was) and ``w`` the normalized sample weights. It is a ridge
    fit of the residual ``R = Z - H W - b``: with ``U diag(s) V^T`` the SVD
    of the weighted, centered ``H``,
    ``A = W + V diag(s / (s**2 + lam)) U^T (sqrt(w) * R_centered)``, never a
    matrix inverse. ``lam`` is ``ridges * sum(s**2) / n_in`` (relative to
    the mean weighted variance of ``H``'s columns), the one with the
    smallest generalized cross-validation error; ``sample_weight`` counts
    as repeated rows there (the sample count is its sum, so scaling the
    weights changes the choice, as it changes ``MLPClassifier``'s ``alpha``
    penalty). A large ``lam`` gives back the prior weights (the intercept
    still takes the mean residual): where the data barely spans a
    direction, or there are few samples for the inputs, ``A`` stays near
    ``W``.
    Directions whose singular values are below rounding error are left at
    ``W``. Computed in float64.

    Parameters
    ----------
    H : ndarray of shape (n_samples, n_in)
        The inputs a layer receives from the compressed layers below.
    Z : ndarray of shape (n_samples, n_out)
        The pre-activations the original network computes at that layer.
    prior_coef : ndarray of shape (n_in, n_out)
    prior_intercept : ndarray of shape (n_out,)
        The layer as it was.
    sample_weight : ndarray of shape (n_samples,), default=None
    ridges : array-like of float, default=RELATIVE_RIDGES
        The relative ridges generalized cross-validation chooses from.

    Returns
    -------
    coef : ndarray of shape (n_in, n_out)
    intercept : ndarray of shape (n_out,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._compensation import compensating_fit
    >>> H = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]])
    >>> Z = H @ [[2.0], [-1.0]] + 3.0
    >>> coef, intercept = compensating_fit(H, Z, np.zeros((2, 1)), np.zeros(1))
    >>> np.round(coef.ravel(), 4), np.round(intercept, 4)
    (array([ 2., -1.]), array([3.]))
    """
    H = np.asarray(H, dtype=np.float64)
    prior_coef = np.asarray(prior_coef, dtype=np.float64)
    R = np.asarray(Z, dtype=np.float64) - H @ prior_coef
    R -= np.asarray(prior_intercept, dtype=np.float64)
    if sample_weight is None:
        n_samples, weights = H.shape[0], np.full(H.shape[0], 1.0 / H.shape[0])
    else:
        n_samples = float(np.sum(sample_weight))
        weights = np.asarray(sample_weight, dtype=np.float64) / n_samples
    mean_input, mean_residual = weights @ H, weights @ R
    root = np.sqrt(weights)[:, np.newaxis]
    u, s, vt = linalg.svd(
        (H - mean_input) * root, full_matrices=False, check_finite=False
    )
    # Directions below rounding (as numpy.linalg.lstsq's cut) are dropped.
    kept = s > s[:1] * max(H.shape) * np.finfo(s.dtype).eps
    u, s, vt = u[:, kept], s[kept], vt[kept]
    weighted_residual = (R - mean_residual) * root
    projected = u.T @ weighted_residual
    scaled = np.asarray(ridges, dtype=np.float64) * np.sum(np.square(s)) / H.shape[1]
    penalty = scaled[
        _generalized_cv(
            s, projected, np.sum(np.square(weighted_residual)), n_samples, scaled
        )
    ]
    shrink = s / (np.square(s) + penalty)
    coef = prior_coef + vt.T @ (shrink[:, np.newaxis] * projected)
    intercept = prior_intercept + mean_residual - mean_input @ (coef - prior_coef)
    return coef, intercept
