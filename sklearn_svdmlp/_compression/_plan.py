"""Decide, then build: what each layer becomes, before anything is built.

A :class:`Plan` holds each weight matrix's rank (or that it stays as it is)
and, for a truncation, the layer cut. :func:`make_plan` reads it off the
rank requests and the original network's spectra
(:class:`~sklearn_svdmlp._compression._spectra.NetworkSpectra`); the build
(:func:`~sklearn_svdmlp._compression._build.build_network`) then follows it
in one pass, and the searches compare plans.
"""

import numbers
from dataclasses import dataclass

from ._rank_selection import layer_rank, rank_if_it_saves, requested_rank


@dataclass(frozen=True)
class Plan:
    """What the compressed network is: each weight matrix's rank.

    Parameters
    ----------
    ranks : tuple of (int or None)
        One per weight matrix: the rank it is factored at; for a
        truncation, the width the cut layer keeps (at ``cut``). ``None``:
        the layer stays as it is (dense; for a truncation, below the cut or
        replaced by the head).
    cut : int or None, default=None
        The hidden layer a truncation cuts; ``None`` for plain SVD.
    triplets : tuple of (int or None), default=None
        Per weight matrix, how many singular triplets its SVD needs: the
        rank asked for where it was asked as an int, so that a randomized
        SVD may compute only those; ``None`` for the whole spectrum. ``None``
        for the tuple: the whole spectrum everywhere.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._plan import Plan
    >>> Plan(ranks=(None, 4, None), cut=1).is_truncation
    True
    """

    ranks: tuple
    cut: int | None = None
    triplets: tuple | None = None

    @property
    def is_truncation(self):
        """Whether a hidden layer is cut (and a head retrained above it)."""
        return self.cut is not None

    def triplets_of(self, index):
        """How many singular triplets layer ``index``'s SVD needs (``None``: all)."""
        return None if self.triplets is None else self.triplets[index]


def default_cut(n_weight_matrices):
    """The layer a truncation cuts unless told otherwise: the last hidden one.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._plan import default_cut
    >>> default_cut(3)
    1
    """
    if n_weight_matrices < 2:
        raise ValueError(
            "method='truncated' needs a network with at least one hidden layer; "
            f"got {n_weight_matrices} weight matrix."
        )
    return n_weight_matrices - 2


def cut_requests(n_weight_matrices, request, cut=None):
    """Requests that cut layer ``cut`` (by default the last hidden one) at ``request``.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._plan import cut_requests
    >>> cut_requests(3, 8)
    [None, 8, None]
    """
    requests = [None] * n_weight_matrices
    requests[default_cut(n_weight_matrices) if cut is None else cut] = request
    return requests


def truncation_layer(requests):
    """Index of the one layer a truncation cuts, from its requests.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._plan import truncation_layer
    >>> truncation_layer([None, 4, None])
    1
    """
    (index,) = [i for i, request in enumerate(requests) if request is not None]
    return index


def _planned_rank(spectra, index, request, triplets, bias):
    """One layer's rank for plain SVD (``None``: dense)."""
    if request is None:
        return None
    shape = spectra.original[index].shape
    if triplets is not None and spectra.on_data:
        # The data reaching the layer is only known once the layers below
        # are built: cap by what its pre-activations can hold.
        return rank_if_it_saves(min(triplets, spectra.largest_rank(index)), shape, bias)
    return layer_rank(request, spectra.layer(index, triplets)[1], shape, bias)


def make_plan(method, requests, spectra, bias):
    """The plan for one rank request per weight matrix.

    Plain SVD factors each layer where its request, resolved against the
    original network's spectrum there, stores fewer numbers
    (:func:`~sklearn_svdmlp._compression._rank_selection.layer_rank`): an
    energy fraction refers to that spectrum's energy; an int is capped at
    what it holds (on data, at what the layer's pre-activations can hold,
    without an SVD: the build then keeps no more directions than the data
    reaching the layer through the compressed layers below has). A
    truncation (``method="truncated"`` with one request that is not
    ``None``) cuts that layer to the requested width, resolved against the
    spectrum it keeps the directions of.

    Parameters
    ----------
    method : {"svd", "truncated"}
    requests : list of (int, float or None)
    spectra : NetworkSpectra
        The original network's decompositions.
    bias : {"separate", "augment"}

    Returns
    -------
    plan : Plan

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression._plan import make_plan
    >>> from sklearn_svdmlp._compression._spectra import NetworkSpectra
    >>> rng = np.random.default_rng(0)
    >>> original = [DenseLayer(rng.normal(size=(20, 30)), np.zeros(30), "relu"),
    ...             DenseLayer(rng.normal(size=(30, 3)), np.zeros(3), "softmax")]
    >>> make_plan("svd", [4, 4], NetworkSpectra(original, "separate"), "separate")
    Plan(ranks=(4, None), cut=None, triplets=(4, 4))
    """
    triplets = tuple(
        int(request) if isinstance(request, numbers.Integral) else None
        for request in requests
    )
    if method == "svd" or all(request is None for request in requests):
        ranks = tuple(
            _planned_rank(spectra, i, request, triplets[i], bias)
            for i, request in enumerate(requests)
        )
        return Plan(ranks, None, triplets)
    cut = truncation_layer(requests)
    _, spectrum, _ = spectra.cut(cut, triplets[cut])
    ranks = [None] * len(requests)
    ranks[cut] = requested_rank(requests[cut], spectrum)
    return Plan(tuple(ranks), cut, triplets)
