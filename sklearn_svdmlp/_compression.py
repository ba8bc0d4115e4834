"""Build a compressed network from the original one, layer by layer.

Plain functions over lists of layers and arrays. With
``svd_on="activations"`` each layer is factored on the training data that
reaches it through the layers already compressed below it; with
``svd_on="outputs"`` it is first refit so that, from those inputs, it gives
what the original network computes there
(:func:`~sklearn_svdmlp._compensation.compensating_fit`).
"""

import numbers

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from ._compensation import compensating_fit
from ._factorization import factor_layer, matrix_to_factor, singular_values, svd
from ._layers import DenseLayer, FactoredLayer, _activate, _affine
from ._network import CompressedNetwork
from ._rank_selection import layer_rank, requested_rank


def _weights(sample_weight, n_samples):
    if sample_weight is None:
        return np.full(n_samples, 1.0 / n_samples)
    return np.asarray(sample_weight, dtype=np.float64) / np.sum(sample_weight)


def _mean_rows(H, weights):
    return np.asarray(safe_sparse_dot(weights, H)).ravel()


def activation_directions(
    H,
    coef,
    intercept,
    centered,
    sample_weight=None,
    rank=None,
    solver="full",
    random_state=None,
):
    """Right singular vectors and values of a layer's pre-activations on data.

    The pre-activations are ``Z = H @ coef + intercept``; their rows are
    weighted by the square root of ``sample_weight``, and with ``centered``
    their weighted mean is removed first (a PCA of ``Z``). ``rank``,
    ``solver`` and ``random_state`` are passed to
    :func:`~sklearn_svdmlp._factorization.svd`.

    Returns
    -------
    singular_values : ndarray of shape (k,)
    right_vectors : ndarray of shape (k, n_out)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression import activation_directions
    >>> H = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> s, vt = activation_directions(H, np.eye(2), np.zeros(2), centered=False)
    >>> s.shape, vt.shape
    ((2,), (2, 2))
    """
    weights = _weights(sample_weight, H.shape[0])
    Z = safe_sparse_dot(H, coef)
    Z += intercept
    if centered:
        Z -= weights @ Z
    Z *= np.sqrt(weights)[:, np.newaxis]
    _, s, vt = svd(Z, rank, solver, random_state)
    return s, vt


def factor_on_activations(
    H, coef, intercept, rank, bias, sample_weight=None, directions=None
):
    """Factors that best reproduce a layer's pre-activations on the data ``H``.

    With ``bias="separate"`` the factors are ``W V_r`` and ``V_r^T`` where
    ``V_r`` holds the top principal directions of the centered
    pre-activations ``Z = H W + b``, and the bias is refit to
    ``mean(Z) - mean(H) W V_r V_r^T``: ``Z`` is then replaced by its best
    rank-``r``-plus-constant approximation on ``H`` (a PCA reconstruction).
    With ``bias="augment"``, ``V_r`` comes from the uncentered ``Z`` and the
    bias folds into ``left_intercept = b V_r``.

    ``directions``, the ``(singular_values, right_vectors)`` of
    :func:`activation_directions` when already computed, saves recomputing.

    Returns the same tuple as :func:`~sklearn_svdmlp._factorization.factor_layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression import factor_on_activations
    >>> rng = np.random.default_rng(0)
    >>> H = rng.normal(size=(50, 6))
    >>> left, left_b, right, b, s = factor_on_activations(
    ...     H, rng.normal(size=(6, 5)), rng.normal(size=5), rank=2, bias="separate")
    >>> left.shape, right.shape, b.shape
    ((6, 2), (2, 5), (5,))
    """
    if directions is None:
        directions = activation_directions(
            H, coef, intercept, bias == "separate", sample_weight
        )
    s, vt = directions
    right = np.ascontiguousarray(vt[:rank], dtype=coef.dtype)
    left = np.ascontiguousarray(coef @ right.T)
    if bias == "augment":
        return left, (intercept @ right.T).astype(coef.dtype), right, None, s
    mean_input = _mean_rows(H, _weights(sample_weight, H.shape[0]))
    mean_output = mean_input @ coef + intercept
    refit_intercept = mean_output - (mean_input @ left) @ right
    return left, None, right, refit_intercept.astype(coef.dtype), s


def weight_spectra(layers, bias):
    """Singular values of each dense layer's ``W`` (or ``[W; b]``)."""
    return [
        singular_values(matrix_to_factor(layer.coef, layer.intercept, bias))
        for layer in layers
    ]


def activation_spectra(layers, X, bias, sample_weight=None):
    """Singular values of each dense layer's pre-activations on ``X``, uncompressed."""
    spectra, H = [], X
    for layer in layers:
        s, _ = activation_directions(
            H, layer.coef, layer.intercept, bias == "separate", sample_weight
        )
        spectra.append(s)
        H = layer.forward(H)
    return spectra


def _known_rank(request, shape, bias, n_samples=None):
    """The rank an int request asks of a layer's SVD, capped; else ``None``.

    The cap is the most the decomposed matrix's rank can be: ``W`` (or
    ``[W; b]``), or with ``n_samples`` the pre-activations ``H W + b`` on
    that many rows, whose rank the bias can raise by one.
    """
    if not isinstance(request, numbers.Integral):
        return None
    n_in, n_out = shape
    if n_samples is None:
        return min(int(request), n_in + (bias == "augment"), n_out)
    return min(int(request), n_in + 1, n_out, n_samples)


def _decompose(
    layer, request, bias, H, centered, sample_weight, svd_solver, random_state
):
    """SVD of what a layer is compressed from: its weights, or its data.

    With ``H`` (the data reaching the layer) it is the layer's pre-activations
    on ``H`` (:func:`activation_directions`); otherwise ``W`` or ``[W; b]``.
    An int ``request`` tells a randomized solver how many triplets to find.

    Returns
    -------
    left_vectors : ndarray or None
        ``None`` for pre-activations, whose left vectors are never needed.
    singular_values, right_vectors : ndarray
    """
    known = _known_rank(request, layer.shape, bias, None if H is None else H.shape[0])
    if H is None:
        matrix = matrix_to_factor(layer.coef, layer.intercept, bias)
        return svd(matrix, known, svd_solver, random_state)
    s, vt = activation_directions(
        H,
        layer.coef,
        layer.intercept,
        centered,
        sample_weight,
        known,
        svd_solver,
        random_state,
    )
    return None, s, vt


def factored_network(
    original,
    requests,
    bias,
    X=None,
    sample_weight=None,
    svd_solver="full",
    random_state=None,
    compensate=False,
):
    """Plain SVD: factor each layer where its rank request pays.

    Parameters
    ----------
    original : list of DenseLayer
        The network's layers (never written to).
    requests : list of (int, float or None)
        One rank request per layer, resolved by
        :func:`~sklearn_svdmlp._rank_selection.layer_rank` against the
        spectrum the layer is factored from.
    bias : {"separate", "augment"}
    X : array-like or sparse matrix, default=None
        Training data. ``None`` factors the weights; otherwise each layer is
        factored on the data reaching it through the layers already
        compressed below (:func:`factor_on_activations`).
    sample_weight : ndarray, default=None
    svd_solver : {"full", "randomized", "auto"}, default="full"
        Used where a layer's request is an int (its rank is known before the
        SVD); an energy fraction needs the whole spectrum, so a full SVD.
    random_state : int, RandomState instance or None, default=None
        For the randomized solver.
    compensate : bool, default=False
        With ``X``: above the first layer changed, each layer is first
        refit (:func:`~sklearn_svdmlp._compensation.compensating_fit`) to
        the original network's pre-activations there from the inputs the
        compressed layers below give it, then factored on those inputs; a
        layer left dense keeps the refit. The factors so undo part of the
        error made below instead of passing it upward.

    Returns
    -------
    network : CompressedNetwork
    ranks : list of (int or None)
    spectra : list of ndarray
        Singular values of the matrix each layer was (or would be) factored
        from: ``W`` or ``[W; b]``, or the pre-activations on ``X`` (with
        ``compensate``, the refit layer's). Where the randomized solver ran,
        only the top ones it computed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression import factored_network
    >>> rng = np.random.default_rng(0)
    >>> original = [DenseLayer(rng.normal(size=(20, 30)), np.zeros(30), "relu"),
    ...             DenseLayer(rng.normal(size=(30, 3)), np.zeros(3), "softmax")]
    >>> network, ranks, spectra = factored_network(original, [4, 4], "separate")
    >>> ranks, [len(s) for s in spectra]
    ([4, None], [20, 3])
    """
    layers, ranks, spectra, H = [], [], [], X
    # The original network's inputs to the current layer, while they differ
    # from H (the compressed network's); None while they are the same.
    original_H = None
    for layer, request in zip(original, requests, strict=True):
        if original_H is not None:
            Z = _affine(original_H, layer.coef, layer.intercept)
            coef, intercept = compensating_fit(
                H, Z, layer.coef, layer.intercept, sample_weight
            )
            original_H = _activate(Z, layer.activation)  # Z is not needed again
            dtype = layer.coef.dtype
            layer = DenseLayer(
                coef.astype(dtype), intercept.astype(dtype), layer.activation
            )
        coef, intercept = layer.coef, layer.intercept
        u, s, vt = _decompose(
            layer,
            request,
            bias,
            H,
            bias == "separate",
            sample_weight,
            svd_solver,
            random_state,
        )
        rank = layer_rank(request, s, coef.shape, bias)
        if rank is None:
            new = layer.copy()
        elif X is None:
            *factors, _ = factor_layer(coef, intercept, rank, bias, (u, s, vt))
            new = FactoredLayer(*factors, layer.activation)
        else:
            *factors, _ = factor_on_activations(
                H, coef, intercept, rank, bias, sample_weight, (s, vt)
            )
            new = FactoredLayer(*factors, layer.activation)
        if compensate and original_H is None and rank is not None:
            original_H = layer.forward(H)
        if X is not None:
            H = new.forward(H)
        layers.append(new)
        ranks.append(rank)
        spectra.append(s)
    return CompressedNetwork(layers), ranks, spectra


def truncated_network(
    original,
    cut,
    request,
    bias,
    X=None,
    sample_weight=None,
    svd_solver="full",
    random_state=None,
):
    """Keep the layers below ``cut`` and cut layer ``cut`` to a few units.

    The new layer computes ``f((H W + b) V_r)``; ``V_r`` holds the top right
    singular vectors of ``W`` or ``[W; b]`` (``X=None``), or of the layer's
    pre-activations on ``X`` (weighted by ``sample_weight``). ``request`` (an
    int or an energy fraction) is resolved against that spectrum;
    ``svd_solver`` and ``random_state`` are as in :func:`factored_network`.

    Returns
    -------
    network : CompressedNetwork
    rank : int
        Units kept.
    spectrum : ndarray
        Singular values behind ``V_r``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression import truncated_network
    >>> rng = np.random.default_rng(0)
    >>> original = [DenseLayer(rng.normal(size=(20, 30)), np.zeros(30), "relu"),
    ...             DenseLayer(rng.normal(size=(30, 3)), np.zeros(3), "softmax")]
    >>> network, rank, spectrum = truncated_network(original, 0, 5, "separate")
    >>> [layer.shape for layer in network.layers], rank
    ([(20, 5)], 5)
    """
    kept = [layer.copy() for layer in original[:cut]]
    layer = original[cut]
    H = None if X is None else CompressedNetwork(kept).forward(X)
    _, s, vt = _decompose(
        layer, request, bias, H, False, sample_weight, svd_solver, random_state
    )
    rank = requested_rank(request, s)
    directions = vt[:rank].T.astype(layer.coef.dtype)
    truncated = DenseLayer(
        np.ascontiguousarray(layer.coef @ directions),
        layer.intercept @ directions,
        layer.activation,
    )
    return CompressedNetwork([*kept, truncated]), rank, s
