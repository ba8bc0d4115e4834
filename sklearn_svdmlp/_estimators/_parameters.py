"""The estimators' parameters: what validation by constraint cannot check.

Turns ``rank`` into one request per weight matrix, says which search
``rank="auto"`` asks for, draws the fit's seed, and refuses or warns about
parameters that would change nothing in the configuration given.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from .._compression import cut_requests
from .._formats import get_format
from .._warnings import warn


def seed_from(random_state):
    """The seed every random choice of a fit uses: an int, or ``None``.

    An int or ``None`` is kept; a ``RandomState`` draws one int, so that the
    network, the head, the splits and the SVD all follow it.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import seed_from
    >>> seed_from(3), seed_from(None)
    (3, None)
    """
    if random_state is None or isinstance(random_state, Integral):
        return random_state
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def is_rank_request(value):
    """Whether ``value`` is a valid rank for one layer: int >= 1 or float in (0, 1).

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import is_rank_request
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


def auto_search(
    rank, target_ratio, max_score_drop, scoring=None, target_bytes=None, quantize=None
):
    """Which search ``rank="auto"`` asks for.

    ``"target_ratio"``, ``"max_score_drop"`` or ``"target_bytes"``; ``None``
    for any other ``rank``.

    Raises
    ------
    ValueError
        Unless ``rank="auto"`` comes with exactly one of the three, and any
        other rank with none; if ``scoring`` is given to a search that
        scores nothing; and if ``quantize="auto"`` has no search in bytes or
        score to choose the formats in.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import auto_search
    >>> auto_search("auto", 4.0, None), auto_search(8, None, None)
    ('target_ratio', None)
    >>> auto_search("auto", None, None, target_bytes=20_000)
    'target_bytes'
    """
    given = {
        "target_ratio": target_ratio,
        "max_score_drop": max_score_drop,
        "target_bytes": target_bytes,
    }
    chosen = [name for name, value in given.items() if value is not None]
    if rank != "auto" and chosen:
        raise ValueError(
            f"{chosen[0]} is only used with rank='auto'; got rank={rank!r}. "
            "Set rank='auto' or leave it None."
        )
    if rank == "auto" and len(chosen) != 1:
        raise ValueError(
            "rank='auto' needs exactly one of target_ratio (a float > 1), "
            "max_score_drop (a float >= 0) or target_bytes (an int >= 1); got "
            f"{len(chosen)}."
        )
    search = chosen[0] if chosen else None
    if quantize == "auto" and search not in ("target_bytes", "max_score_drop"):
        raise ValueError(
            "quantize='auto' chooses each layer's format with its rank: it needs "
            "rank='auto' with target_bytes (the best model within the bytes) or "
            f"max_score_drop (the fewest bytes within the drop); got rank={rank!r}"
            + (f" with {search}." if search else ".")
        )
    if scoring is not None and not is_scored(search, quantize):
        raise ValueError(
            "scoring is only used with rank='auto' and max_score_drop, or "
            "target_bytes with quantize='auto'; got "
            f"rank={rank!r} and max_score_drop={max_score_drop!r}. Set them, or "
            "leave scoring None."
        )
    return search


def is_scored(search, quantize):
    """Whether the search scores candidates on held-out data.

    ``max_score_drop`` does, and ``target_bytes`` when it chooses formats
    (``quantize="auto"``).

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import is_scored
    >>> is_scored("target_bytes", "int4"), is_scored("target_bytes", "auto")
    (False, True)
    """
    return search == "max_score_drop" or (
        search == "target_bytes" and quantize == "auto"
    )


def rank_requests(rank, method, n_weight_matrices):
    """The estimator's ``rank`` parameter as one request per weight matrix.

    Checks what parameter validation cannot: the length of a list, its
    entries, and for ``method="truncated"`` that at most one layer, a hidden
    one, is cut. An ``int`` or ``float`` is given to every layer with
    ``method="svd"`` and to the last hidden layer with ``"truncated"``.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import rank_requests
    >>> rank_requests(4, "svd", 3), rank_requests(4, "truncated", 3)
    ([4, 4, 4], [None, 4, None])
    >>> rank_requests([0.9, None, None], "truncated", 3)
    [0.9, None, None]
    """
    if isinstance(rank, (bool, np.bool_)):
        raise ValueError(
            "rank must be an int >= 1, a float in (0, 1), a list or tuple of "
            "those (or None) with one entry per weight matrix, or None; "
            f"got {rank!r}."
        )
    if rank is None:
        return [None] * n_weight_matrices
    if not isinstance(rank, (list, tuple)):
        if method == "truncated":
            return cut_requests(n_weight_matrices, rank)
        return [rank] * n_weight_matrices
    if len(rank) != n_weight_matrices:
        raise ValueError(
            f"rank has {len(rank)} entries but the network has "
            f"{n_weight_matrices} weight matrices; give one entry per weight "
            "matrix (int >= 1, float in (0, 1) or None)."
        )
    for entry in rank:
        if entry is not None and not is_rank_request(entry):
            raise ValueError(
                "rank entries must be an int >= 1, a float in (0, 1) or "
                f"None; got {entry!r}."
            )
    if method == "truncated":
        cut = [i for i, entry in enumerate(rank) if entry is not None]
        if len(cut) > 1:
            raise ValueError(
                "With method='truncated', rank must have exactly one entry that "
                f"is not None (the hidden layer to cut); got {list(rank)!r}."
            )
        if cut == [n_weight_matrices - 1]:
            raise ValueError(
                "With method='truncated', the output layer cannot be truncated: "
                "the non-None entry of rank must be at a hidden layer (index 0 to "
                f"{n_weight_matrices - 2}); got {list(rank)!r}."
            )
    return list(rank)


def _has_int_rank(rank):
    """Whether ``rank`` asks some layer for an int rank (the searches' are ints)."""
    if isinstance(rank, (list, tuple)):
        return any(isinstance(entry, Integral) for entry in rank)
    return rank == "auto" or isinstance(rank, Integral)


def check_parameter_use(estimator, search, validation_given):
    """Refuse or warn about parameters that would change nothing as given.

    A parameter that the configuration does not use is never ignored
    silently. Bools where numbers are expected are refused
    (``ValueError``); a parameter set but unused warns (``UserWarning``),
    as scikit-learn's ``LogisticRegression`` warns of an ``l1_ratio``
    without the elastic-net penalty, so that a grid search over several
    configurations still runs:

    - ``fine_tune_distillation`` must be a number, not a bool;
    - ``head`` is used only with ``method="truncated"``;
    - ``fine_tune_distillation`` only with ``fine_tune_epochs > 0``;
    - ``rounding`` (other than its default) only with an integer ``quantize``;
    - ``target_bytes`` must be an int, not a bool;
    - ``validation_fraction`` only with a search that scores (``max_score_drop``,
      or ``target_bytes`` with ``quantize="auto"``) and no ``X_val`` (with
      ``X_val`` it is an error: both say which data judges the candidates);
    - ``svd_solver="randomized"`` only where a layer's rank is an int (an
      energy fraction needs the whole spectrum, so a full SVD).

    Parameters
    ----------
    estimator : BaseSVDCompressedMLP
    search : str or None
        What :func:`auto_search` returned.
    validation_given : bool
        Whether ``X_val`` was passed to ``fit``.
    """
    if estimator.integer_only and (
        estimator.quantize is None
        or (estimator.quantize != "auto" and not get_format(estimator.quantize).integer)
    ):
        raise ValueError(
            "integer_only=True computes with integer weights: it needs an integer "
            "quantize format, quantize='int8' or 'int4'; got "
            f"quantize={estimator.quantize!r}."
        )
    if isinstance(estimator.target_bytes, (bool, np.bool_)):
        raise ValueError(
            "target_bytes must be an int >= 1, the bytes the stored model may "
            f"take, not a bool; got {estimator.target_bytes!r}."
        )
    quantize = estimator.quantize
    integer = quantize == "auto" or (
        quantize is not None and get_format(quantize).integer
    )
    if estimator.rounding != "data-aware" and not integer:
        warn(
            f"rounding={estimator.rounding!r} is only used with an integer quantize "
            f"format (int8, int4 or 'auto'); it is ignored with quantize={quantize!r}."
        )
    distillation = estimator.fine_tune_distillation
    if isinstance(distillation, (bool, np.bool_)):
        raise ValueError(
            "fine_tune_distillation must be a float in [0, 1], the weight of the "
            f"network's outputs in the targets, not a bool; got {distillation!r}."
        )
    if estimator.head is not None and estimator.method != "truncated":
        warn(
            "head is only used with method='truncated'; it is ignored with "
            f"method={estimator.method!r}."
        )
    if distillation and not estimator.fine_tune_epochs:
        warn(
            f"fine_tune_distillation={distillation} is only used with "
            "fine_tune_epochs > 0; it is ignored with fine_tune_epochs=0."
        )
    if estimator.validation_fraction is not None:
        if validation_given and is_scored(search, estimator.quantize):
            raise ValueError(
                "validation_fraction and X_val both say which data max_score_drop "
                "is judged on; pass one of them."
            )
        if not is_scored(search, estimator.quantize):
            warn(
                "validation_fraction is only used with rank='auto' and "
                "max_score_drop, or target_bytes with quantize='auto' (the share "
                "of the training data held out to score candidates); it is "
                "ignored here."
            )
    if estimator.svd_solver == "randomized" and not _has_int_rank(estimator.rank):
        warn(
            "svd_solver='randomized' is only used for int ranks, known before "
            f"the SVD; rank={estimator.rank!r} needs whole spectra, so every "
            "layer is decomposed by the full SVD."
        )
