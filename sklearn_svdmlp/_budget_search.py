"""Search for the smallest model whose score stays within a drop of the network's.

Pure functions over callbacks: ``evaluate(requests)`` builds and scores a
candidate with one rank request per layer, ``n_params(requests)`` says what
it would store. Nothing here knows about estimators.
"""

import numpy as np


def candidate_ranks(limit):
    """Ranks 1, 2, 4, ... below ``limit``, and ``limit`` itself.

    Examples
    --------
    >>> from sklearn_svdmlp._budget_search import candidate_ranks
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
    >>> from sklearn_svdmlp._budget_search import layer_sensitivity
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
    """Per layer, the smallest rank whose own drop is at most ``threshold``."""
    requests = []
    for layer in sensitivity:
        fits = np.flatnonzero(baseline - layer["scores"] <= threshold)
        requests.append(int(layer["ranks"][fits[0]]) if len(fits) else None)
    return requests


def search_under_drop(sensitivity, baseline, max_drop, evaluate, n_params):
    """The smallest combination of layer ranks whose score drops at most ``max_drop``.

    Each threshold ``t`` on the single-layer drops picks, per layer, the
    smallest rank that alone costs at most ``t``. A larger ``t`` gives a
    smaller model; a bisection over the thresholds finds the largest whose
    combined model still holds the bound, so the search costs a few
    evaluations of combined models.

    Returns
    -------
    requests : list of (int or None)
        All ``None`` (no compression) when no candidate holds the bound.
    score : float
        The chosen model's score.

    Examples
    --------
    >>> from sklearn_svdmlp._budget_search import layer_sensitivity, search_under_drop
    >>> def evaluate(requests):
    ...     return 1 - sum(1 / r for r in requests if r is not None) / 10
    >>> def n_params(requests):
    ...     return sum(100 if r is None else 10 * r for r in requests)
    >>> sensitivity = layer_sensitivity(evaluate, [8, 8])
    >>> search_under_drop(sensitivity, 1.0, 0.06, evaluate, n_params)
    ([4, 4], 0.95)
    """
    thresholds = np.unique(
        np.concatenate([baseline - layer["scores"] for layer in sensitivity] + [[0.0]])
    )
    thresholds = thresholds[thresholds <= max_drop]
    best = ([None] * len(sensitivity), baseline)
    low, high = 0, len(thresholds) - 1
    while low <= high:
        middle = (low + high) // 2
        requests = requests_for_threshold(sensitivity, baseline, thresholds[middle])
        score = evaluate(requests)
        if baseline - score <= max_drop:
            if n_params(requests) < n_params(best[0]):
                best = (requests, score)
            low = middle + 1
        else:
            high = middle - 1
    return best
