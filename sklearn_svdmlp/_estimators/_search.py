"""The searches behind ``rank="auto"``: plain functions over candidate models.

``target_ratio`` (:func:`compress_to_ratio`) keeps the most of the network
within a parameter budget; ``max_score_drop`` (:func:`search_score_drop`)
finds the smallest model whose score stays within a drop of the network's.
Each candidate is planned and built by
:func:`~sklearn_svdmlp._compression.compress`, on the original network's
decompositions, computed once for the whole search; scores come from a
callable the estimator passes in, and progress goes to ``report`` (a
callable taking a line of text). Nothing here knows about estimators.
"""

from functools import partial

import numpy as np

from .._compression import (
    allocate_ranks,
    breakeven_rank,
    compress,
    cut_requests,
    default_cut,
)
from .._network import dense_n_params, expected_n_params, total_params


def quiet(message):
    """The default ``report``: say nothing."""


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
    >>> from sklearn_svdmlp._estimators._search import largest_passing
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


def _truncation_n_params(original, cut, width, settings, data):
    """What cutting layer ``cut`` to ``width`` stores, from the cost formulas.

    ``None`` when the head's size is only known once it is fitted.
    """
    head = expected_n_params(settings.head, width, data.y)
    if head is None:
        return None
    n_in = original[cut].shape[0]
    return total_params(original[:cut]) + dense_n_params(n_in, width) + head


def compress_to_ratio(
    original, settings, data, decompositions, target_ratio, report=quiet
):
    """The model that reaches ``target_ratio`` while keeping the most.

    Plain SVD allocates ranks over all layers at once
    (:func:`~sklearn_svdmlp._rank_selection.allocate_ranks`): costs come from
    the formulas, and one model is built. Truncation cuts the deepest hidden
    layer that can reach the ratio (so that the most of the network is kept),
    at the widest width that does, by bisection over the width. The cost
    formulas give each width's size where the head's is known before it is
    fitted (``LogisticRegression`` and ``Ridge``, the defaults); otherwise
    each candidate is built.

    Parameters
    ----------
    original : list of DenseLayer
    settings : CompressionSettings
    data : TrainingData
    decompositions : NetworkSpectra
        The original network's decompositions, shared by the candidates.
    target_ratio : float > 1
    report : callable, default=no report
        Takes a line of progress.

    Returns
    -------
    model : CompressedModel

    Raises
    ------
    ValueError
        If no model reaches the ratio.
    """
    spectra = decompositions.full()
    n_params_original = total_params(original)
    budget = n_params_original / target_ratio
    if settings.method == "svd":
        shapes = [layer.shape for layer in original]
        try:
            requests = allocate_ranks(spectra, shapes, settings.bias, budget)
        except ValueError as error:
            raise ValueError(
                f"target_ratio={target_ratio} cannot be reached: the network "
                f"stores {n_params_original:,} numbers, so the model may store "
                f"{n_params_original} / {target_ratio}; {error}"
            ) from None
        report(f"target_ratio={target_ratio}: ranks {requests}")
        return compress(original, requests, settings, data, decompositions)

    n_layers = len(original)
    built = {}

    def candidate(cut, width):
        if (cut, width) not in built:
            requests = cut_requests(n_layers, width, cut)
            built[cut, width] = compress(
                original, requests, settings, data, decompositions
            )
        return built[cut, width]

    def reaches(cut, width):
        n_params = _truncation_n_params(original, cut, width, settings, data)
        if n_params is None:
            n_params = candidate(cut, width).n_params
        report(
            f"target_ratio={target_ratio}: layer {cut} cut to {width} units "
            f"stores {n_params:,} numbers (ratio {n_params_original / n_params:.2f})"
        )
        return n_params <= budget

    default_cut(n_layers)  # a truncation needs a hidden layer
    for cut in range(n_layers - 2, -1, -1):
        # Wider than the spectrum builds the same capped model.
        widest = min(original[cut].shape[1], len(spectra[cut]))
        width = largest_passing(1, widest, partial(reaches, cut))
        if width is not None:
            return candidate(cut, width)
    raise ValueError(
        f"target_ratio={target_ratio} cannot be reached: truncating the first "
        "hidden layer to one unit gives a compression ratio of "
        f"{candidate(0, 1).compression_ratio:.2f}. Use method='svd', whose "
        "factors also shrink the layers below the cut."
    )


def candidate_ranks(limit):
    """Ranks 1, 2, 4, ... below ``limit``, and ``limit`` itself.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._search import candidate_ranks
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
    >>> from sklearn_svdmlp._estimators._search import layer_sensitivity
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
    >>> from sklearn_svdmlp._estimators._search import requests_for_threshold
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


def search_score_drop(
    original,
    settings,
    data,
    decompositions,
    max_score_drop,
    score,
    report=quiet,
    baseline=None,
):
    """The smallest model whose score is at most ``max_score_drop`` below the network's.

    Plain SVD: first each layer alone is compressed at ranks 1, 2, 4, ... to
    measure its sensitivity. Each threshold ``t`` on these single-layer drops
    picks, per layer, the smallest rank that alone costs at most ``t``; a
    larger ``t`` gives a smaller model, and a bisection over the thresholds
    finds the largest whose combined model still holds the bound, in a few
    evaluations of combined models.

    Truncation: for each hidden layer, the narrowest of the widths 1, 2, 4,
    ... (and the full width) that holds the bound, by bisection, trying the
    full width first: if even that fails, no width is tried. The smallest of
    these models is taken. Both bisections assume the score falls as the
    model shrinks; the "smallest model" is the smallest the search tried.

    Parameters
    ----------
    original : list of DenseLayer
    settings : CompressionSettings
    data : TrainingData
    decompositions : NetworkSpectra
        The original network's decompositions, shared by the candidates.
    max_score_drop : float >= 0
    score : callable
        ``score(model) -> float``, higher is better, on held-out data.
    report : callable, default=no report
        Takes a line of progress.
    baseline : float, default=None
        The score the drop is measured from; ``None`` takes the score of the
        uncompressed candidate (which differs when ``score`` scores models as
        stored in fewer bits).

    Returns
    -------
    model : CompressedModel
        Uncompressed when no candidate holds the bound.
    sensitivity : list of dict
        Per layer, ``{"ranks", "scores"}``: the ranks (or widths) tried with
        that layer alone compressed, increasing, and the scores.
    baseline_score : float
        The uncompressed network's score.
    model_score : float
        The chosen model's score.
    """
    spectra = decompositions.full()
    n_layers = len(original)
    uncompressed = compress(original, [None] * n_layers, settings, data, decompositions)
    best = [uncompressed, score(uncompressed)]
    if baseline is None:
        baseline = best[1]
    report(
        f"max_score_drop={max_score_drop}: uncompressed network scores {baseline:.4f}"
    )

    def evaluate(requests):
        model = compress(original, requests, settings, data, decompositions)
        model_score = score(model)
        holds = baseline - model_score <= max_score_drop
        if holds and model.n_params < best[0].n_params:
            best[:] = [model, model_score]
        report(
            f"max_score_drop={max_score_drop}: ranks {model.ranks}, "
            f"{model.n_params:,} parameters, score {model_score:.4f} "
            f"({'holds' if holds else 'fails'}); best so far "
            f"{best[0].n_params:,} parameters"
        )
        return model_score

    if settings.method == "truncated":
        sensitivity = [
            _narrowest_holding_width(
                evaluate,
                n_layers,
                cut,
                min(original[cut].shape[1], len(spectra[cut])),  # wider: capped
                baseline,
                max_score_drop,
            )
            if cut < n_layers - 1
            else {"ranks": np.array([], dtype=int), "scores": np.array([])}
            for cut in range(n_layers)
        ]
        return best[0], sensitivity, baseline, best[1]

    limits = [
        min(breakeven_rank(layer.shape, settings.bias), len(spectrum))
        for layer, spectrum in zip(original, spectra, strict=True)
    ]
    sensitivity = layer_sensitivity(evaluate, limits)
    thresholds = np.unique(
        np.concatenate([baseline - layer["scores"] for layer in sensitivity] + [[0.0]])
    )
    thresholds = thresholds[thresholds <= max_score_drop]

    def combined_holds(index):
        requests = requests_for_threshold(sensitivity, baseline, thresholds[index])
        return baseline - evaluate(requests) <= max_score_drop

    largest_passing(0, len(thresholds) - 1, combined_holds)
    return best[0], sensitivity, baseline, best[1]


def _narrowest_holding_width(evaluate, n_layers, cut, limit, baseline, max_drop):
    """Cut layer ``cut`` at candidate widths, widest first, then by bisection.

    Returns the widths tried and their scores, as :func:`layer_sensitivity`.
    """
    widths = candidate_ranks(limit)[::-1]  # widest first
    scores = {}

    def holds(index):
        width = widths[index]
        scores[width] = evaluate(cut_requests(n_layers, width, cut))
        return baseline - scores[width] <= max_drop

    if holds(0):
        largest_passing(1, len(widths) - 1, holds)
    tried = sorted(scores)
    return {
        "ranks": np.array(tried, dtype=int),
        "scores": np.array([scores[width] for width in tried], dtype=float),
    }
