"""Rank selection: pure functions from rank requests, spectra and costs to ranks.

A *rank request* says how much of one weight matrix to keep: an int, an
energy fraction, or ``None`` (leave it dense). ``requests`` is always a list
with one rank request per weight matrix. This module resolves a request
against a spectrum and the parameter costs, and allocates ranks over all
layers within a budget.
"""

from numbers import Integral

import numpy as np

from .._network import dense_n_params, factored_n_params


def energy_rank(singular_values, fraction):
    """Smallest rank whose singular values hold ``fraction`` of the energy.

    The energy is the sum of squared singular values.

    Parameters
    ----------
    singular_values : ndarray of shape (k,)
        In decreasing order.
    fraction : float in (0, 1)

    Returns
    -------
    rank : int, between 1 and ``k``

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._rank_selection import energy_rank
    >>> energy_rank(np.array([3.0, 2.0, 1.0]), 0.9)
    2
    """
    energy = np.cumsum(np.square(singular_values, dtype=np.float64))
    if energy[-1] == 0:
        return 1
    rank = int(np.searchsorted(energy, fraction * energy[-1], side="left")) + 1
    return min(rank, len(singular_values))


def requested_rank(rank, singular_values):
    """Turn one layer's rank request (int or energy fraction) into an int.

    An int is capped at the number of singular values that are not zero
    (to working precision): directions beyond the matrix's rank carry
    nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._rank_selection import requested_rank
    >>> requested_rank(50, np.ones(10)), requested_rank(0.5, np.ones(10))
    (10, 5)
    """
    if isinstance(rank, Integral):
        tolerance = singular_values[0] * len(singular_values) * np.finfo(float).eps
        nonzero = int(np.count_nonzero(singular_values > tolerance))
        return max(1, min(int(rank), nonzero))
    return energy_rank(singular_values, rank)


def layer_rank(request, singular_values, shape, bias):
    """Rank for plain SVD of one layer, or ``None`` to leave it dense.

    A layer is left dense where its request is ``None`` or where factoring at
    the requested (capped) rank would not store fewer numbers.

    Parameters
    ----------
    request : int, float or None
        The layer's rank request.
    singular_values : ndarray
        Spectrum of the matrix the layer would be factored from.
    shape : (n_in, n_out)
    bias : {"separate", "augment"}

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._rank_selection import layer_rank
    >>> layer_rank(2, np.ones(10), (13, 10), "augment")
    2
    >>> print(layer_rank(9, np.ones(3), (10, 3), "augment"))
    None
    """
    if request is None:
        return None
    return rank_if_it_saves(requested_rank(request, singular_values), shape, bias)


def rank_if_it_saves(rank, shape, bias):
    """``rank``, or ``None`` where factoring a layer at it would not save.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._rank_selection import rank_if_it_saves
    >>> rank_if_it_saves(2, (13, 10), "augment")
    2
    >>> print(rank_if_it_saves(9, (13, 10), "augment"))
    None
    """
    n_in, n_out = shape
    saves = factored_n_params(n_in, n_out, rank, bias) < dense_n_params(n_in, n_out)
    return rank if saves else None


def breakeven_rank(shape, bias):
    """Largest rank at which factoring a layer still stores fewer numbers (0: none).

    Examples
    --------
    >>> from sklearn_svdmlp._compression._rank_selection import breakeven_rank
    >>> breakeven_rank((784, 100), "separate"), breakeven_rank((50, 10), "separate")
    (88, 8)
    """
    n_in, n_out = shape
    dense = dense_n_params(n_in, n_out)
    rank = 0
    while factored_n_params(n_in, n_out, rank + 1, bias) < dense:
        rank += 1
    return rank


def _amount(budget):
    """``budget`` as a reader compares it: 17.29, 5,000 (never 0 for 0.4).

    Examples
    --------
    >>> from sklearn_svdmlp._compression._rank_selection import _amount
    >>> _amount(17.2903), _amount(5000.0), _amount(0.4)
    ('17.29', '5,000', '0.4')
    """
    return f"{budget:,.2f}".rstrip("0").rstrip(".")


def _layer_options(spectrum, shape, bias, cost=None):
    """Per layer: the choices (rank, or None for dense), their costs and values.

    The value of a choice is the log of the fraction of energy it keeps; its
    cost is ``cost(rank)`` (``None`` for dense), by default the numbers it
    stores.
    """
    if cost is None:

        def cost(rank):
            if rank is None:
                return dense_n_params(*shape)
            return factored_n_params(*shape, rank, bias)

    limit = min(breakeven_rank(shape, bias), len(spectrum))
    dense = cost(None)
    if limit == 0:
        return [None], np.array([dense]), np.array([0.0])
    kept = np.cumsum(np.square(spectrum, dtype=np.float64))
    ranks = list(range(1, limit + 1))
    with np.errstate(divide="ignore"):
        values = np.log(kept[:limit] / kept[-1]) if kept[-1] > 0 else np.zeros(limit)
    costs = [cost(rank) for rank in ranks]
    return ranks + [None], np.array(costs + [dense]), np.append(values, 0.0)


def allocate_ranks(spectra, shapes, bias, budget, max_cells=2_000_000, costs=None):
    """Ranks for all layers that fit ``budget`` numbers and keep the most energy.

    What a rank keeps of a layer is the fraction of its energy (sum of
    squared singular values) in its top singular values. Signal passes
    through the layers one after another, so the fractions multiply: the
    allocation maximises the sum of their logarithms over every layer's
    choices (a rank where factoring saves, or dense), subject to the total
    stored numbers fitting ``budget``. This is a knapsack with one choice per
    layer, solved exactly by dynamic programming over the budget. A layer
    kept at a small fraction loses the most, so no layer, the output layer
    included, is starved, and a layer is made dense where that buys more than
    ranks elsewhere.

    Parameters
    ----------
    spectra : list of ndarray
        Singular values of what each layer factors, decreasing.
    shapes : list of (n_in, n_out)
    bias : {"separate", "augment"}
    budget : float
        The most numbers the layers may store.
    max_cells : int, default=2_000_000
        Above this many budget units, costs are counted in coarser units
        (rounded up, so the budget still holds).
    costs : list of callable, default=None
        Per layer, ``cost(rank)`` (``None``: dense) in the budget's unit, for
        a budget in bytes; ``None`` counts the numbers stored.

    Returns
    -------
    ranks : list of (int or None)
        ``None`` for a dense layer.

    Raises
    ------
    ValueError
        If even rank 1 everywhere does not fit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._rank_selection import allocate_ranks
    >>> spectra = [np.linspace(10, 1, 100), np.linspace(3, 1, 10)]
    >>> allocate_ranks(spectra, [(784, 100), (100, 10)], "separate", budget=20000)
    [21, None]
    """
    costs = costs or [None] * len(shapes)
    options = [
        _layer_options(s, shape, bias, cost)
        for s, shape, cost in zip(spectra, shapes, costs, strict=True)
    ]
    cheapest = sum(int(layer_costs.min()) for _, layer_costs, _ in options)
    if cheapest > budget:
        counted = "numbers" if costs[0] is None else "bytes"
        raise ValueError(
            f"even rank 1 in every layer stores {cheapest:,} {counted}, more than "
            f"the {_amount(budget)} the target allows."
        )
    unit = max(1, int(np.ceil(budget / max_cells)))
    n_cells = int(budget // unit) + 1
    # best[b]: the largest total value of the layers so far within b units.
    best = np.zeros(n_cells)
    choices = []
    for _, costs, values in options:
        units = np.ceil(costs / unit).astype(int)
        new = np.full(n_cells, -np.inf)
        choice = np.full(n_cells, -1)
        for k, (cost, value) in enumerate(zip(units, values, strict=True)):
            if cost >= n_cells:
                continue
            candidate = np.full(n_cells, -np.inf)
            candidate[cost:] = best[: n_cells - cost] + value
            better = candidate > new
            new[better], choice[better] = candidate[better], k
        best = new
        choices.append(choice)
    if not np.isfinite(best).any():
        raise ValueError(
            f"counted in units of {unit} numbers, no allocation fits the "
            f"{_amount(budget)} the target allows."
        )
    cell = int(np.argmax(best))
    ranks = []
    for (layer_ranks, costs, _), choice in zip(
        reversed(options), reversed(choices), strict=True
    ):
        k = choice[cell]
        ranks.append(layer_ranks[k])
        cell -= int(np.ceil(costs[k] / unit))
    return ranks[::-1]
