"""The searches in bytes: ``target_bytes``, and ``quantize="auto"``.

A stored model's bytes depend on each layer's rank and storage format
together. For one assignment of formats to layers, :func:`fit_to_bytes`
allocates ranks with the energy model of ``target_ratio``
(:func:`~sklearn_svdmlp._compression.allocate_ranks`) with each choice
costed in the bytes it stores in its layer's format, builds the model and
stores it, counting what is stored (``n_bytes``). ``quantize="auto"`` tries
several assignments (:func:`format_assignments`) and keeps the best on
held-out data (:func:`compress_to_bytes`), or the smallest within a score
drop (:func:`smallest_within_drop`). Nothing here knows about estimators:
``store(model, formats)`` and ``score(stored)`` are passed in.
"""

import itertools

import numpy as np

from .._compression import (
    allocate_ranks,
    breakeven_rank,
    compress,
    cut_requests,
    default_cut,
)
from .._formats import get_format
from .._network import InputSelection, constant_features, layer_n_bytes
from ._search import largest_passing, quiet


class BudgetTooSmallError(ValueError):
    """``target_bytes`` below the smallest model: ``smallest`` bytes stored."""

    def __init__(self, message, smallest):
        super().__init__(message)
        self.smallest = smallest


# The formats quantize="auto" chooses from.
AUTO_FORMATS = ("int8", "int4")
# Most assignments of formats to layers tried (beyond: the same format for
# every layer).
MAX_ASSIGNMENTS = 16
# Budgets tried for the smallest model within a score drop: each this much
# below the one before.
BUDGET_STEP = 1.08


def format_assignments(n_layers, method, quantize):
    """The per-layer formats a search tries, each a tuple of format names.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._byte_search import format_assignments
    >>> format_assignments(2, "svd", "int8")
    [('int8', 'int8')]
    >>> format_assignments(2, "svd", "auto")
    [('int8', 'int8'), ('int8', 'int4'), ('int4', 'int8'), ('int4', 'int4')]
    >>> format_assignments(3, "truncated", "auto")
    [('int8', 'int8', 'int8'), ('int4', 'int4', 'int4')]
    """
    if quantize != "auto":
        return [(quantize,) * n_layers]
    if method == "truncated" or len(AUTO_FORMATS) ** n_layers > MAX_ASSIGNMENTS:
        return [(format,) * n_layers for format in AUTO_FORMATS]
    return list(itertools.product(AUTO_FORMATS, repeat=n_layers))


def _layer_cost(format, shape, bias, skipped=None):
    """``cost(rank)`` in bytes of a layer in ``format``.

    ``skipped`` is ``(n_read, runs_bytes)`` for a first layer whose constant
    inputs the stored model skips where that saves bytes.
    """

    def cost(rank):
        n_in, n_out = shape
        full = layer_n_bytes(format, n_in, n_out, rank, bias)
        if skipped is None:
            return full
        n_read, runs_bytes = skipped
        return min(full, layer_n_bytes(format, n_read, n_out, rank, bias) + runs_bytes)

    return cost


def _skipped_inputs(X):
    """``(n_read, runs_bytes)`` of the inputs not constant on ``X``, or ``None``."""
    if X is None or X.shape[0] == 0:
        return None
    constant = constant_features(X)
    if not constant.any():
        return None
    read = InputSelection.of_mask(~constant)
    return read.n_read, read.n_bytes


def fit_to_bytes(original, settings, data, decompositions, budget, formats, store):
    """The model of the most energy whose stored form takes at most ``budget`` bytes.

    Plain SVD allocates ranks in bytes; truncation cuts the deepest hidden
    layer that fits, at the widest width that does (by bisection, each
    candidate built and stored). What the formulas do not count (an
    integer-only network's rescaling, a bias an integer step adds) is only
    known once the model is stored: where it is over the budget, the
    allocation is repeated within the plan's own cost less the excess,
    until it fits.

    Parameters
    ----------
    original : list of DenseLayer
    settings : CompressionSettings
    data : TrainingData
    decompositions : NetworkSpectra
    budget : int
        Bytes the stored model may take.
    formats : tuple of str
        Per layer of the stored model, its format.
    store : callable
        ``store(model, formats) -> stored model``.

    Returns
    -------
    model, stored : CompressedModel
        The model as built (for fine-tuning) and as stored; ``(None, None)``
        when nothing fits.
    """
    if settings.method == "truncated":
        return _truncation_to_bytes(
            original, settings, data, decompositions, budget, formats, store
        )
    shapes = [layer.shape for layer in original]
    X = data.X if data.sample_weight is None else data.X[data.sample_weight > 0]
    skipped = [None] * len(shapes)
    if all(get_format(format).quantizable for format in formats):
        skipped[0] = _skipped_inputs(X)  # a stored model skips constant inputs
    costs = [
        _layer_cost(format, shape, settings.bias, skip)
        for format, shape, skip in zip(formats, shapes, skipped, strict=True)
    ]
    spectra, allowed = decompositions.full(), budget
    while True:
        try:
            requests = allocate_ranks(
                spectra, shapes, settings.bias, allowed, costs=costs
            )
        except ValueError:
            return None, None
        model = compress(original, requests, settings, data, decompositions)
        stored = store(model, formats)
        if stored.n_bytes <= budget:
            return model, stored
        planned = sum(cost(rank) for cost, rank in zip(costs, requests, strict=True))
        allowed = planned - (stored.n_bytes - budget) - 1


def _truncation_to_bytes(
    original, settings, data, decompositions, budget, formats, store
):
    """:func:`fit_to_bytes` for a truncation: a cut and a width, by bisection."""
    n_layers, built = len(original), {}
    spectra = decompositions.full()

    def candidate(cut, width):
        if (cut, width) not in built:
            requests = cut_requests(n_layers, width, cut)
            model = compress(original, requests, settings, data, decompositions)
            built[cut, width] = model, store(model, formats)
        return built[cut, width]

    default_cut(n_layers)  # a truncation needs a hidden layer
    for cut in range(n_layers - 2, -1, -1):
        widest = min(original[cut].shape[1], len(spectra[cut]))
        width = largest_passing(
            1,
            widest,
            lambda width, cut=cut: candidate(cut, width)[1].n_bytes <= budget,
        )
        if width is not None:
            return candidate(cut, width)
    return None, None


def _smallest_stored(original, settings, data, decompositions, formats, store):
    """Bytes of an assignment's smallest model as stored: rank 1 (or width 1)."""
    n_layers = len(original)
    if settings.method == "truncated":
        requests = cut_requests(n_layers, 1, n_layers - 2)
    else:
        requests = [
            1 if breakeven_rank(layer.shape, settings.bias) else None
            for layer in original
        ]
    model = compress(original, requests, settings, data, decompositions)
    return store(model, formats).n_bytes


def _smallest_n_bytes(original, settings, formats):
    """Bytes of the smallest model of an assignment, from the formulas (SVD)."""
    total = 0
    for format, layer in zip(formats, original, strict=True):
        n_in, n_out = layer.shape
        total += min(
            layer_n_bytes(format, n_in, n_out, None, settings.bias),
            layer_n_bytes(format, n_in, n_out, 1, settings.bias),
        )
    return total


def compress_to_bytes(
    original,
    settings,
    data,
    decompositions,
    target_bytes,
    assignments,
    store,
    score=None,
    report=quiet,
    tiebreak=None,
):
    """The best model within ``target_bytes``, over the assignments of formats.

    Parameters
    ----------
    original, settings, data, decompositions
        As for :func:`fit_to_bytes`.
    target_bytes : int
    assignments : list of tuple of str
        From :func:`format_assignments`.
    store : callable
        ``store(model, formats) -> stored model``.
    score : callable, default=None
        ``score(stored) -> float`` on held-out data, higher is better: which
        assignment wins where there are several.
    report : callable, default=no report
    tiebreak : callable, default=None
        ``tiebreak(stored) -> float or None``, higher is better: among the
        assignments of the best score (accuracy on a few hundred rows ties
        often), a finer measure (the estimator passes how close the model
        stays to the network on the training data); then the fewer bytes.

    Returns
    -------
    model : CompressedModel
        As built, before storing.
    formats : tuple of str
    stored : CompressedModel
        ``model`` as stored.
    candidates : list of dict
        Per assignment that fits: ``formats``, ``ranks``, ``n_bytes`` and
        ``score`` (``None`` without scoring).

    Raises
    ------
    ValueError
        If no model fits ``target_bytes``.
    """
    found, candidates = [], []
    for formats in assignments:
        model, stored = fit_to_bytes(
            original, settings, data, decompositions, target_bytes, formats, store
        )
        if model is None:
            continue
        value = score(stored) if score is not None and len(assignments) > 1 else None
        candidates.append(
            {
                "formats": formats,
                "ranks": model.ranks,
                "n_bytes": stored.n_bytes,
                "score": value,
            }
        )
        found.append((model, formats, stored))
        report(
            f"target_bytes={target_bytes}: formats {list(formats)}, ranks "
            f"{model.ranks}, {stored.n_bytes:,} bytes"
            + ("" if value is None else f", score {value:.4f}")
        )
    if not found:
        smallest = min(
            _smallest_stored(original, settings, data, decompositions, formats, store)
            for formats in assignments
        )
        shape = "width 1" if settings.method == "truncated" else "rank 1 everywhere"
        raise BudgetTooSmallError(
            f"target_bytes={target_bytes} is smaller than any model: the smallest "
            f"{settings.method!r} model stores {smallest:,} bytes ({shape}, in "
            f"{', '.join(sorted(set(assignments[-1])))}). Raise target_bytes.",
            smallest,
        )
    best = best_candidate(
        candidates, lambda i: tiebreak(found[i][2]) if tiebreak else None
    )
    return (*found[best], candidates)


def best_candidate(candidates, tiebreak):
    """Index of the best of ``candidates``: the best score, then ``tiebreak(i)``.

    ``tiebreak`` is asked only of the candidates tied on the best score
    (``None``: nothing to tell them apart); then the fewer bytes win.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._byte_search import best_candidate
    >>> candidates = [{"score": 0.9, "n_bytes": 10}, {"score": 0.95, "n_bytes": 12},
    ...               {"score": 0.95, "n_bytes": 11}]
    >>> best_candidate(candidates, lambda i: None), best_candidate(
    ...     candidates, lambda i: {1: -0.1, 2: -0.2}[i])
    (2, 1)
    """
    scores = [
        -np.inf if candidate["score"] is None else candidate["score"]
        for candidate in candidates
    ]
    tied = [i for i, value in enumerate(scores) if value == max(scores)]
    finer = {i: tiebreak(i) if len(tied) > 1 else None for i in tied}
    return max(
        tied,
        key=lambda i: (
            -np.inf if finer[i] is None else finer[i],
            -candidates[i]["n_bytes"],
        ),
    )


def smallest_within_drop(
    original,
    settings,
    data,
    decompositions,
    assignments,
    store,
    holds,
    full_bytes,
    report=quiet,
):
    """The fewest bytes whose stored model holds the score drop, over assignments.

    For each assignment, budgets from ``full_bytes`` down by a factor of
    :data:`BUDGET_STEP` each are bisected for the smallest whose model
    ``holds`` (the score is assumed to fall as the budget does).

    Parameters
    ----------
    holds : callable
        ``holds(stored) -> (bool, score)``.
    full_bytes : int
        The largest budget tried: the uncompressed network's bytes.

    Returns
    -------
    model : CompressedModel or None
        As built; ``None`` where no compressed model holds.
    formats : tuple of str or None
    candidates : list of dict
        Every model tried: ``formats``, ``ranks``, ``n_bytes``, ``score``
        and ``holds``.
    """
    candidates, best = [], [None, None, np.inf]
    for formats in assignments:
        smallest = _smallest_n_bytes(original, settings, formats)
        n_budgets = int(np.log(full_bytes / smallest) / np.log(BUDGET_STEP)) + 1
        budgets = [int(full_bytes / BUDGET_STEP**k) for k in range(max(n_budgets, 1))]

        def passes(index, formats=formats, budgets=budgets):
            model, stored = fit_to_bytes(
                original, settings, data, decompositions, budgets[index], formats, store
            )
            if model is None:
                return False
            held, value = holds(stored)
            candidates.append(
                {
                    "formats": formats,
                    "ranks": model.ranks,
                    "n_bytes": stored.n_bytes,
                    "score": value,
                    "holds": held,
                }
            )
            report(
                f"formats {list(formats)}, ranks {model.ranks}, "
                f"{stored.n_bytes:,} bytes, score {value:.4f} "
                f"({'holds' if held else 'fails'})"
            )
            if held and stored.n_bytes < best[2]:
                best[:] = [model, formats, stored.n_bytes]
            return held

        largest_passing(0, len(budgets) - 1, passes)
    return best[0], best[1], candidates
