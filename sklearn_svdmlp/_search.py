"""The searches behind ``rank="auto"``: plain functions over candidate models.

``target_ratio`` (:func:`compress_to_ratio`) keeps the most of the network
within a parameter budget; ``max_score_drop`` (:func:`search_score_drop`)
finds the smallest model whose score stays within a drop of the network's.
Candidates come from :func:`~sklearn_svdmlp._model.build_model`; scores from
a callable the estimator passes in. Nothing here knows about estimators.
"""

import numpy as np

from ._layers import total_params
from ._model import build_model, full_spectra
from ._rank_selection import allocate_ranks, breakeven_rank, cut_requests, default_cut


def largest_passing(low, high, passes):
    """The largest integer in ``[low, high]`` that ``passes``, by bisection.

    ``passes`` is assumed to hold up to some value and fail above it; it is
    called about ``log2(high - low + 2)`` times.

    Returns
    -------
    value : int or None
        ``None`` when no value tried passes.

    Examples
    --------
    >>> from sklearn_svdmlp._search import largest_passing
    >>> largest_passing(1, 100, lambda value: value * value <= 50)
    7
    >>> print(largest_passing(1, 100, lambda value: False))
    None
    """
    best = None
    while low <= high:
        middle = (low + high) // 2
        if passes(middle):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    return best


def compress_to_ratio(original, settings, target_ratio):
    """The model that reaches ``target_ratio`` while keeping the most.

    Plain SVD allocates ranks over all layers at once
    (:func:`~sklearn_svdmlp._rank_selection.allocate_ranks`): costs come from
    the formulas, and one model is built. Truncation takes the widest cut of
    the last hidden layer that reaches the ratio, by bisection over the
    width: a head's size is only known once it is fitted.

    Parameters
    ----------
    original : list of DenseLayer
    settings : CompressionSettings
    target_ratio : float > 1

    Returns
    -------
    model : CompressedModel

    Raises
    ------
    ValueError
        If no model reaches the ratio.
    """
    spectra = full_spectra(original, settings)
    n_params_original = total_params(original)
    if settings.method == "svd":
        shapes = [layer.shape for layer in original]
        try:
            requests = allocate_ranks(
                spectra, shapes, settings.bias, n_params_original / target_ratio
            )
        except ValueError as error:
            raise ValueError(
                f"target_ratio={target_ratio} cannot be reached: {error}"
            ) from None
        return build_model(original, requests, settings, spectra)

    cut = default_cut(len(original))
    tried = {}

    def reaches(width):
        model = build_model(
            original, cut_requests(len(original), width, cut), settings, spectra
        )
        tried[width] = model
        return model.compression_ratio >= target_ratio

    best = largest_passing(1, original[cut].shape[1], reaches)
    if best is None:
        raise ValueError(
            f"target_ratio={target_ratio} cannot be reached: truncating "
            f"layer {cut} to one unit gives a compression ratio of "
            f"{tried[1].compression_ratio:.2f}. Cut a lower layer with a list "
            "rank, or use method='svd'."
        )
    return tried[best]


def candidate_ranks(limit):
    """Ranks 1, 2, 4, ... below ``limit``, and ``limit`` itself.

    Examples
    --------
    >>> from sklearn_svdmlp._search import candidate_ranks
    >>> candidate_ranks(20)
    [1, 2, 4, 8, 16, 20]
    >>> candidate_ranks(0)
    []
    """
    ranks, rank = [], 1
    while rank < limit:
        ranks.append(rank)
        rank *= 2
    return ranks + [limit] if limit >= 1 else ranks


def layer_sensitivity(evaluate, limits):
    """Score against rank for each layer, compressing that layer alone.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(requests) -> score`` for one rank request (or ``None``)
        per layer.
    limits : list of int
        Per layer, the largest rank worth trying (0: the layer stays dense).

    Returns
    -------
    sensitivity : list of dict
        Per layer, ``{"ranks": ndarray, "scores": ndarray}``.

    Examples
    --------
    >>> from sklearn_svdmlp._search import layer_sensitivity
    >>> def evaluate(requests):  # a made-up score: higher ranks score higher
    ...     return 1 - sum(1 / r for r in requests if r is not None)
    >>> layer_sensitivity(evaluate, [4, 0])[0]["ranks"]
    array([1, 2, 4])
    """
    sensitivity = []
    for i, limit in enumerate(limits):
        ranks = candidate_ranks(limit)
        scores = []
        for rank in ranks:
            requests = [None] * len(limits)
            requests[i] = rank
            scores.append(evaluate(requests))
        sensitivity.append(
            {
                "ranks": np.array(ranks, dtype=int),
                "scores": np.array(scores, dtype=float),
            }
        )
    return sensitivity


def requests_for_threshold(sensitivity, baseline, threshold):
    """Per layer, the smallest rank whose own drop is at most ``threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._search import requests_for_threshold
    >>> sensitivity = [{"ranks": np.array([1, 2, 4]),
    ...                 "scores": np.array([0.5, 0.8, 0.9])}]
    >>> requests_for_threshold(sensitivity, 0.9, 0.1), requests_for_threshold(
    ...     sensitivity, 0.9, -1.0)
    ([2], [None])
    """
    requests = []
    for layer in sensitivity:
        fits = np.flatnonzero(baseline - layer["scores"] <= threshold)
        requests.append(int(layer["ranks"][fits[0]]) if len(fits) else None)
    return requests


def search_score_drop(original, settings, max_score_drop, score):
    """The smallest model whose score is at most ``max_score_drop`` below the network's.

    First each layer alone is compressed at ranks 1, 2, 4, ... (for a
    truncation, the cut layer at those widths) to measure its sensitivity.
    For a truncation, the narrowest width within the drop is taken. For plain
    SVD, each threshold ``t`` on the single-layer drops picks, per layer, the
    smallest rank that alone costs at most ``t``; a larger ``t`` gives a
    smaller model, and a bisection over the thresholds finds the largest
    whose combined model still holds the bound, in a few evaluations of
    combined models.

    Parameters
    ----------
    original : list of DenseLayer
    settings : CompressionSettings
    max_score_drop : float >= 0
    score : callable
        ``score(model) -> float``, higher is better, on held-out data.

    Returns
    -------
    model : CompressedModel
        Uncompressed when no candidate holds the bound.
    sensitivity : list of dict
        See :func:`layer_sensitivity`.
    baseline_score : float
        The uncompressed network's score.
    model_score : float
        The chosen model's score.
    """
    spectra = full_spectra(original, settings)
    n_layers = len(original)

    def evaluate(requests):
        return score(build_model(original, requests, settings, spectra))

    baseline = evaluate([None] * n_layers)
    if settings.method == "svd":
        limits = [
            min(breakeven_rank(layer.shape, settings.bias), len(spectrum))
            for layer, spectrum in zip(original, spectra, strict=True)
        ]
    else:
        cut = default_cut(n_layers)
        limits = [0] * n_layers
        limits[cut] = original[cut].shape[1]
    sensitivity = layer_sensitivity(evaluate, limits)

    if settings.method == "truncated":
        scores = sensitivity[cut]
        fits = np.flatnonzero(baseline - scores["scores"] <= max_score_drop)
        width = int(scores["ranks"][fits[0]]) if len(fits) else None
        model_score = float(scores["scores"][fits[0]]) if len(fits) else baseline
        requests = cut_requests(n_layers, width, cut)
        return (
            build_model(original, requests, settings, spectra),
            sensitivity,
            baseline,
            model_score,
        )

    thresholds = np.unique(
        np.concatenate([baseline - layer["scores"] for layer in sensitivity] + [[0.0]])
    )
    thresholds = thresholds[thresholds <= max_score_drop]
    holding = []

    def holds(index):
        requests = requests_for_threshold(sensitivity, baseline, thresholds[index])
        model = build_model(original, requests, settings, spectra)
        model_score = score(model)
        if baseline - model_score > max_score_drop:
            return False
        holding[:] = [model, model_score]
        return True

    if largest_passing(0, len(thresholds) - 1, holds) is None:
        holding[:] = [build_model(original, [None] * n_layers, settings), baseline]
    return holding[0], sensitivity, baseline, holding[1]
