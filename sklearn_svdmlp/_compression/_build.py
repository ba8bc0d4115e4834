"""Build a compressed network from the original one and a plan, in one pass.

Plain functions over lists of layers and arrays. The ranks come from the
:class:`~sklearn_svdmlp._compression._plan.Plan`; the decompositions of the
original network from
:class:`~sklearn_svdmlp._compression._spectra.NetworkSpectra`. With
``svd_on="activations"`` each layer is factored on the training data that
reaches it through the layers already compressed below it; with
``svd_on="outputs"`` it is first refit so that, from those inputs, it gives
what the original network computes there
(:func:`~sklearn_svdmlp._compression._compensation.compensating_fit`).
"""

import numpy as np

from .._network import CompressedNetwork, DenseLayer, FactoredLayer, activate, affine
from ._compensation import compensating_fit
from ._factorization import factor_layer
from ._plan import cut_requests, make_plan
from ._rank_selection import requested_rank
from ._spectra import (
    NetworkSpectra,
    activation_directions,
    decompose,
    mean_rows,
    sample_weights,
)


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

    Returns the same tuple as
    :func:`~sklearn_svdmlp._compression._factorization.factor_layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._build import factor_on_activations
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
    mean_input = mean_rows(H, sample_weights(sample_weight, H.shape[0]))
    mean_output = mean_input @ coef + intercept
    refit_intercept = mean_output - (mean_input @ left) @ right
    return left, None, right, refit_intercept.astype(coef.dtype), s


def _factored_layers(original, plan, spectra, compensate):
    """The layers of plain SVD, their ranks, and the spectrum each was cut from.

    A layer keeps its planned rank, or fewer directions where the data
    reaching it holds fewer.
    """
    X, bias, sample_weight = spectra.X, spectra.bias, spectra.sample_weight
    layers, ranks, reported, H = [], [], [], X
    # The original network's inputs to the current layer, while they differ
    # from H (the compressed network's); None while they are the same.
    original_H = None
    for index, (layer, rank) in enumerate(zip(original, plan.ranks, strict=True)):
        changed_below = original_H is not None or (
            X is not None and any(r is not None for r in plan.ranks[:index])
        )
        if original_H is not None:
            Z = affine(original_H, layer.coef, layer.intercept)
            coef, intercept = compensating_fit(
                H, Z, layer.coef, layer.intercept, sample_weight
            )
            original_H = activate(Z, layer.activation)  # Z is not needed again
            dtype = layer.coef.dtype
            layer = DenseLayer(
                coef.astype(dtype), intercept.astype(dtype), layer.activation
            )
        if changed_below:  # the data reaching the layer is not the original's
            u, s, vt = decompose(
                layer,
                plan.triplets_of(index),
                bias,
                H,
                bias == "separate",
                sample_weight,
                spectra.svd_solver,
                spectra.random_state,
            )
        else:
            u, s, vt = spectra.layer(index, plan.triplets_of(index))
        coef, intercept = layer.coef, layer.intercept
        if rank is not None:
            rank = requested_rank(rank, s)
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
        reported.append(s)
    return layers, ranks, reported


def _truncated_layers(original, plan, spectra):
    """The layers kept below the cut and the cut layer, and the cut's spectrum.

    The cut layer computes ``f((H W + b) V_r)``; ``V_r`` holds the top right
    singular vectors of ``W`` or ``[W; b]``, or of the layer's uncentered
    pre-activations on the data.
    """
    cut = plan.cut
    kept = [layer.copy() for layer in original[:cut]]
    layer = original[cut]
    _, s, vt = spectra.cut(cut, plan.triplets_of(cut))
    directions = vt[: plan.ranks[cut]].T.astype(layer.coef.dtype)
    truncated = DenseLayer(
        np.ascontiguousarray(layer.coef @ directions),
        layer.intercept @ directions,
        layer.activation,
    )
    return [*kept, truncated], s


def build_network(original, plan, spectra, compensate=False):
    """The compressed network ``plan`` describes.

    Parameters
    ----------
    original : list of DenseLayer
        The network's layers (never written to).
    plan : Plan
    spectra : NetworkSpectra
        The original network's decompositions (and the data, bias, solver
        and seed they were made with).
    compensate : bool, default=False
        With data, for plain SVD: above the first layer changed, each layer
        is first refit (:func:`compensating_fit`) to the original network's
        pre-activations there from the inputs the compressed layers below
        give it, then factored on those inputs; a layer left dense keeps the
        refit. The factors so undo part of the error made below instead of
        passing it upward. A truncation changes no layer below its cut.

    Returns
    -------
    network : CompressedNetwork
        For a truncation, the layers up to the cut one (the head follows).
    ranks : list of (int or None)
        The plan's, except where the data reaching a layer (through the
        compressed layers below) holds fewer directions than planned: then
        that many.
    spectra : list of ndarray
        Plain SVD: the singular values each layer was (or would be) factored
        from: ``W`` or ``[W; b]``, or the pre-activations on the data
        reaching it (with ``compensate``, the refit layer's). A truncation:
        those of the cut layer only. Where the randomized solver ran, only
        the top ones it computed.
    """
    if plan.is_truncation:
        layers, spectrum = _truncated_layers(original, plan, spectra)
        return CompressedNetwork(layers), list(plan.ranks), [spectrum]
    layers, ranks, reported = _factored_layers(original, plan, spectra, compensate)
    return CompressedNetwork(layers), ranks, reported


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
    """Plain SVD from rank requests: plan, then build.

    Parameters
    ----------
    original : list of DenseLayer
        The network's layers (never written to).
    requests : list of (int, float or None)
        One rank request per layer (see
        :func:`~sklearn_svdmlp._compression._plan.make_plan`).
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
        See :func:`build_network`.

    Returns
    -------
    network : CompressedNetwork
    ranks : list of (int or None)
    spectra : list of ndarray
        See :func:`build_network`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression._build import factored_network
    >>> rng = np.random.default_rng(0)
    >>> original = [DenseLayer(rng.normal(size=(20, 30)), np.zeros(30), "relu"),
    ...             DenseLayer(rng.normal(size=(30, 3)), np.zeros(3), "softmax")]
    >>> network, ranks, spectra = factored_network(original, [4, 4], "separate")
    >>> ranks, [len(s) for s in spectra]
    ([4, None], [20, 3])
    """
    spectra = NetworkSpectra(original, bias, X, sample_weight, svd_solver, random_state)
    plan = make_plan("svd", requests, spectra, bias)
    return build_network(original, plan, spectra, compensate)


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
    """Keep the layers below ``cut`` and cut layer ``cut`` to a few units: plan, build.

    ``request`` (an int or an energy fraction) is resolved against the
    spectrum the cut keeps directions of (:func:`build_network`); the other
    parameters are as in :func:`factored_network`.

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
    >>> from sklearn_svdmlp._compression._build import truncated_network
    >>> rng = np.random.default_rng(0)
    >>> original = [DenseLayer(rng.normal(size=(20, 30)), np.zeros(30), "relu"),
    ...             DenseLayer(rng.normal(size=(30, 3)), np.zeros(3), "softmax")]
    >>> network, rank, spectrum = truncated_network(original, 0, 5, "separate")
    >>> [layer.shape for layer in network.layers], rank
    ([(20, 5)], 5)
    """
    spectra = NetworkSpectra(original, bias, X, sample_weight, svd_solver, random_state)
    requests = cut_requests(len(original), request, cut)
    plan = make_plan("truncated", requests, spectra, bias)
    network, ranks, (spectrum,) = build_network(original, plan, spectra)
    return network, ranks[cut], spectrum
