"""Rank selection: pure functions from a rank request and spectra to ranks."""

from numbers import Integral, Real

import numpy as np

from ._compressed_network import dense_n_params, factored_n_params


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
    >>> from sklearn_svdmlp._rank_selection import energy_rank
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

    An int larger than the number of singular values is capped at it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._rank_selection import requested_rank
    >>> requested_rank(50, np.ones(10)), requested_rank(0.5, np.ones(10))
    (10, 5)
    """
    if isinstance(rank, Integral):
        return min(int(rank), len(singular_values))
    return energy_rank(singular_values, rank)


def svd_ranks(rank_per_layer, spectra, shapes, bias):
    """Ranks for plain SVD: ``None`` where a layer is left dense.

    A layer is left dense where its rank request is ``None`` or where
    factoring at the requested rank would not store fewer numbers.

    Parameters
    ----------
    rank_per_layer : list of (int, float or None)
        One request per weight matrix.
    spectra : list of ndarray
        Singular values of the matrix each layer would factor.
    shapes : list of (n_in, n_out)
    bias : {"separate", "augment"}

    Returns
    -------
    ranks : list of (int or None)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._rank_selection import svd_ranks
    >>> svd_ranks([2, 9], [np.ones(10), np.ones(3)], [(13, 10), (10, 3)], "augment")
    [2, None]
    """
    ranks = []
    for request, spectrum, (n_in, n_out) in zip(
        rank_per_layer, spectra, shapes, strict=True
    ):
        if request is None:
            ranks.append(None)
            continue
        rank = requested_rank(request, spectrum)
        saves = factored_n_params(n_in, n_out, rank, bias) < dense_n_params(n_in, n_out)
        ranks.append(rank if saves else None)
    return ranks


def truncation_layer(rank_per_layer):
    """Index of the one layer a truncation cuts, from a per-layer request.

    Examples
    --------
    >>> from sklearn_svdmlp._rank_selection import truncation_layer
    >>> truncation_layer([None, 4, None])
    1
    """
    (index,) = [i for i, request in enumerate(rank_per_layer) if request is not None]
    return index


def is_rank_request(value):
    """Whether ``value`` is a valid rank for one layer: int >= 1 or float in (0, 1).

    Examples
    --------
    >>> from sklearn_svdmlp._rank_selection import is_rank_request
    >>> [is_rank_request(value) for value in (3, 0.5, 0, 1.0, True)]
    [True, True, False, False, False]
    """
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, Integral):
        return value >= 1
    if isinstance(value, Real):
        return 0 < value < 1
    return False
