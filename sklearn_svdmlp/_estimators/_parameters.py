"""The estimators' parameters: what validation by constraint cannot check.

Turns ``rank`` into one request per weight matrix, says which search
``rank="auto"`` asks for, draws the fit's seed, and refuses or warns about
parameters that would change nothing in the configuration given.
"""

import inspect
from collections.abc import Callable
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.base import is_classifier
from sklearn.frozen import FrozenEstimator
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
    for any other ``rank`` (the targets then go unused, which
    :func:`check_parameter_use` warns about).

    Raises
    ------
    ValueError
        Unless ``rank="auto"`` comes with exactly one of the three; and if
        ``quantize="auto"`` has no search in bytes or score to choose the
        formats in.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import auto_search
    >>> auto_search("auto", 4.0, None), auto_search(8, 4.0, None)
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
    if rank == "auto" and len(chosen) != 1:
        raise ValueError(
            "rank='auto' needs exactly one of target_ratio (a float > 1), "
            "max_score_drop (a float >= 0) or target_bytes (an int >= 1); got "
            f"{len(chosen)}" + (f" ({', '.join(chosen)})." if chosen else ".")
        )
    search = chosen[0] if rank == "auto" else None
    if quantize == "auto" and search not in ("target_bytes", "max_score_drop"):
        raise ValueError(
            "quantize='auto' chooses each layer's format with its rank: it needs "
            "rank='auto' with target_bytes (the best model within the bytes) or "
            f"max_score_drop (the fewest bytes within the drop); got rank={rank!r}"
            + (f" with {search}." if search else ".")
        )
    return search


def chooses_inputs(search, keep_inputs):
    """Whether ``keep_inputs="auto"`` has a search to choose the inputs with.

    ``rank="auto"`` with ``target_bytes`` or ``max_score_drop``: candidates
    are compared by their scores (with held-out data). Elsewhere ``"auto"``
    is unused (it warns, and every input not constant is read).

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import chooses_inputs
    >>> chooses_inputs("target_bytes", "auto"), chooses_inputs("target_ratio", "auto")
    (True, False)
    """
    return keep_inputs == "auto" and search in ("target_bytes", "max_score_drop")


def is_scored(search, quantize, keep_inputs=None):
    """Whether the search scores candidates on held-out data.

    ``max_score_drop`` does, and ``target_bytes`` when it chooses formats
    (``quantize="auto"``) or inputs (``keep_inputs="auto"``).

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import is_scored
    >>> is_scored("target_bytes", "int4"), is_scored("target_bytes", "auto")
    (False, True)
    >>> is_scored("target_bytes", "int4", keep_inputs="auto")
    True
    """
    return (
        search == "max_score_drop"
        or (search == "target_bytes" and quantize == "auto")
        or chooses_inputs(search, keep_inputs)
    )


def rank_requests(rank, method, n_weight_matrices):
    """The estimator's ``rank`` parameter as one request per weight matrix.

    Checks what parameter validation cannot: the length of a list, its
    entries, and for ``method="truncated"`` that at most one layer, a hidden
    one, is cut. An ``int`` or ``float`` is given to every hidden layer with
    ``method="svd"`` (the output layer stays dense: it is the smallest, and
    the one a low rank costs most, squeezing the outputs through fewer
    numbers than there are classes) and to the last hidden layer with
    ``"truncated"``; a list, or ``rank="auto"``'s searches, may factor the
    output layer too.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._parameters import rank_requests
    >>> rank_requests(4, "svd", 3), rank_requests(4, "truncated", 3)
    ([4, 4, None], [None, 4, None])
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
        return [rank] * (n_weight_matrices - 1) + [None]
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


def _integer(quantize):
    """Whether ``quantize`` stores integers (``"auto"`` chooses among them)."""
    return quantize == "auto" or (quantize is not None and get_format(quantize).integer)


class _Use(NamedTuple):
    """Where one parameter is used: the rule its warning states."""

    is_used: Callable  # (estimator, search, validation_given) -> bool
    where: str  # "only used {where}"
    deciding: tuple  # the parameters whose values the warning shows
    # estimator -> bool: set to a value that would matter; None: not default.
    is_set: Callable | None = None


_AUTO = _Use(lambda e, search, given: e.rank == "auto", "with rank='auto'", ("rank",))
_SCORED = (
    "with rank='auto' and max_score_drop, or target_bytes with quantize='auto' "
    "or keep_inputs='auto' (the searches that score candidates on held-out data)"
)

# Every parameter that some configurations do not use, and where it is used:
# set but unused, it warns (so that a grid search mixing configurations still
# runs) and is ignored. The user guide's "Parameters that change nothing"
# states this table.
PARAMETER_USES = {
    "head": _Use(
        lambda e, search, given: e.method == "truncated",
        "with method='truncated'",
        ("method",),
    ),
    "target_ratio": _AUTO,
    "target_bytes": _AUTO,
    "max_score_drop": _AUTO,
    "scoring": _Use(
        lambda e, search, given: is_scored(search, e.quantize, e.keep_inputs),
        _SCORED,
        ("rank", "quantize"),
    ),
    "validation_fraction": _Use(
        lambda e, search, given: (
            is_scored(search, e.quantize, e.keep_inputs) and not given
        ),
        _SCORED + " and no X_val (the share of the training data held out "
        "to score candidates)",
        ("rank", "quantize"),
    ),
    "fine_tune_distillation": _Use(
        lambda e, search, given: e.fine_tune_epochs > 0,
        "with fine_tune_epochs > 0",
        ("fine_tune_epochs",),
    ),
    "rounding": _Use(
        lambda e, search, given: _integer(e.quantize),
        "with an integer quantize format (int8, int4 or 'auto')",
        ("quantize",),
    ),
    "svd_solver": _Use(
        lambda e, search, given: _has_int_rank(e.rank),
        "for int ranks, known before the SVD (an energy fraction needs the "
        "whole spectrum, so every layer is decomposed by the full SVD)",
        ("rank",),
        # "full" is used everywhere.
        is_set=lambda e: e.svd_solver == "randomized",
    ),
    "keep_inputs": _Use(
        lambda e, search, given: chooses_inputs(search, e.keep_inputs),
        "with rank='auto' and target_bytes or max_score_drop (the searches "
        "that score the counts of inputs, with held-out data; keep_inputs=None "
        "stands instead)",
        ("rank", "target_ratio"),
        # A count or a fraction is used everywhere.
        is_set=lambda e: e.keep_inputs == "auto",
    ),
    "memory": _Use(
        lambda e, search, given: not isinstance(e.estimator, FrozenEstimator),
        "where the network is fitted here (it caches that fit), not with a "
        "FrozenEstimator",
        ("estimator",),
    ),
}


def _default(estimator, name):
    """The default of parameter ``name`` of ``estimator``."""
    return inspect.signature(type(estimator)).parameters[name].default


def _is_set(estimator, name, use):
    """Whether parameter ``name`` is set to a value that would matter."""
    if use.is_set is not None:
        return use.is_set(estimator)
    value = getattr(estimator, name)
    default = _default(estimator, name)
    return value is not default and not (default is not None and value == default)


def _unused_warning(estimator, name, use):
    """The warning for parameter ``name``, set but unused."""
    value = getattr(estimator, name)
    # A parameter whose default is None is set or not; others by their value.
    # One whose other values are always used (is_set) names the value.
    plain = _default(estimator, name) is None and use.is_set is None
    subject = name if plain else f"{name}={value!r}"
    shown = ", ".join(
        f"{other}={getattr(estimator, other)!r}" for other in use.deciding
    )
    return f"{subject} is only used {use.where}; it is ignored with {shown}."


# Scores whose range is known: (lowest, highest); a drop beyond their width
# cannot be meant (5 for accuracy is 5 points thought of as a fraction).
_SCORE_RANGES = {"accuracy": (0, 1), "balanced_accuracy": (0, 1), "r2": (None, 1)}


def _check_score_drop(estimator):
    """Refuse a ``max_score_drop`` wider than the score's known range."""
    drop = estimator.max_score_drop
    scoring = estimator.scoring
    if scoring is None:
        scoring = "accuracy" if is_classifier(estimator) else "r2"
    if drop is None or not isinstance(scoring, str) or scoring not in _SCORE_RANGES:
        return
    low, high = _SCORE_RANGES[scoring]
    if low is not None and drop > high - low:
        raise ValueError(
            f"max_score_drop={drop} is more than the whole range of {scoring}, "
            f"[{low}, {high}] (a width of {high - low}): the drop is in the "
            f"score's units (0.02 is 2 points of {scoring})."
        )
    if low is None and drop > high:
        raise ValueError(
            f"max_score_drop={drop} is more than {high}, the most {scoring} can "
            f"be: a drop above {high} accepts a model worse than predicting the "
            "mean even from a perfect network. The drop is in the score's units."
        )


def check_parameter_use(estimator, search, validation_given):
    """Refuse what cannot be meant; warn about parameters that change nothing.

    A parameter that the configuration does not use is never ignored
    silently: set but unused, it warns (``UserWarning``), as scikit-learn's
    ``LogisticRegression`` warns of an ``l1_ratio`` without the elastic-net
    penalty, so that a grid search over several configurations still runs.
    Where each parameter is used is written once, in ``PARAMETER_USES``.
    Only what contradicts itself raises ``ValueError``: bools where numbers
    are expected, ``integer_only`` with a float format, ``validation_fraction``
    together with ``X_val`` for a search that scores (both say which data
    judges the candidates), and a ``max_score_drop`` beyond its score's
    range (accuracy and balanced accuracy in [0, 1], R^2 at most 1).

    Parameters
    ----------
    estimator : BaseSVDCompressedMLP
    search : str or None
        What :func:`auto_search` returned.
    validation_given : bool
        Whether ``X_val`` was passed to ``fit``.
    """
    if estimator.integer_only and not _integer(estimator.quantize):
        raise ValueError(
            "integer_only=True computes with integer weights: it needs an integer "
            "quantize format, quantize='int8' or 'int4'; got "
            f"quantize={estimator.quantize!r}."
        )
    for name, meaning in (
        ("target_bytes", "an int >= 1, the bytes the stored model may take"),
        (
            "fine_tune_distillation",
            "a float in [0, 1], the weight of the network's outputs in the targets",
        ),
    ):
        value = getattr(estimator, name)
        if isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be {meaning}, not a bool; got {value!r}.")
    if (
        estimator.validation_fraction is not None
        and validation_given
        and is_scored(search, estimator.quantize, estimator.keep_inputs)
    ):
        raise ValueError(
            "validation_fraction and X_val both say which data max_score_drop "
            f"is judged on; pass one of them (got validation_fraction="
            f"{estimator.validation_fraction!r} and X_val)."
        )
    _check_score_drop(estimator)
    for name, use in PARAMETER_USES.items():
        if _is_set(estimator, name, use) and not use.is_used(
            estimator, search, validation_given
        ):
            warn(_unused_warning(estimator, name, use))
