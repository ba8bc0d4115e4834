"""The compression inside ``fit`` on the inputs kept, and ``keep_inputs="auto"``.

:func:`compress_on` runs one fit's search (or its fixed ranks) on the network
reduced to the inputs :class:`~._inputs.FitInputs` keeps. With
``keep_inputs="auto"`` (``rank="auto"`` with ``target_bytes`` or
``max_score_drop``), :func:`compressed_on_inputs` runs that same search once
per candidate count of the inputs not constant (:data:`AUTO_FRACTIONS` of
them, then the counts halfway to the best one's neighbours,
:func:`counts_between`) and stores each result as the fit stores it. It
keeps, within ``target_bytes``, the count of the highest score on every row
the fit has, those compressed on and those held out (ties: fewer inputs);
within ``max_score_drop`` of the original network's score on the held-out
rows (the same baseline for every count), the fewest bytes (then
parameters, then inputs).

Why every row within ``target_bytes``, and the counts between: the counts'
held-out scores differ by a row or two (one of 135 held-out images is 0.74
points), which chose worse counts than the score on every row does, and
halving alone missed the count between the two best
(``benchmarks/keep_inputs_rule.py``). The rows compressed on say how much of
the network each count keeps (before fine-tuning, a factored model is not
trained on their labels); the held-out rows, how it does on rows the
compression has not seen.
"""

import warnings

import numpy as np
from scipy import sparse
from sklearn.metrics import check_scoring

from .._compression import (
    CompressionSettings,
    TrainingData,
    compress,
    network_spectra,
)
from .._compression._input_choice import input_order
from .._network import constant_features, mlp_layers, total_params
from ._byte_search import BudgetTooSmallError
from ._fit_search import FitSearch
from ._inputs import FitInputs, n_inputs_kept, training_rows
from ._parameters import chooses_inputs, rank_requests

# The shares of the inputs not constant that keep_inputs="auto" tries first:
# halving, so that five searches reach a sixteenth (on benchmarks/size.py's
# 784 pixels, 100 or 50 kept were best at 80x and 120x fewer bytes than
# float64); then counts_between.
AUTO_FRACTIONS = (1.0, 0.5, 0.25, 0.125, 0.0625)


def input_counts(n_varying, n_samples=None):
    """The counts of inputs ``keep_inputs="auto"`` tries, most first.

    :data:`AUTO_FRACTIONS` of the ``n_varying`` inputs not constant, rounded
    up, each once.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._input_search import input_counts
    >>> input_counts(61), input_counts(3)
    ([61, 31, 16, 8, 4], [3, 2, 1])
    """
    if n_varying == 0:  # refused as any fraction is, naming "auto"
        n_inputs_kept("auto", n_varying, n_samples)
    counts = {n_inputs_kept(share, n_varying, n_samples) for share in AUTO_FRACTIONS}
    return sorted(counts, reverse=True)


def counts_between(count, counts):
    """The counts halfway (geometrically) from ``count`` to its neighbours.

    ``counts`` are :func:`input_counts`; the neighbours of ``count`` are
    the next more and the next fewer of them (below the fewest: half of
    it). Those not tried yet, at least 1, most first.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._input_search import counts_between
    >>> counts = [784, 392, 196, 98, 49]
    >>> counts_between(98, counts), counts_between(49, counts)
    ([139, 69], [69, 35])
    >>> counts_between(784, counts), counts_between(1, [3, 2, 1])
    ([554], [])
    """
    at = counts.index(count)
    neighbours = counts[max(at - 1, 0) : at] + (counts[at + 1 : at + 2] or [count / 2])
    between = {round(np.sqrt(count * neighbour)) for neighbour in neighbours}
    return sorted(between - {*counts, 0}, reverse=True)


def compress_on(
    estimator, inputs, y, sample_weight, kind, scored, seed, report, baseline=None
):
    """The fit's search (or fixed ranks) on the inputs ``inputs`` keeps.

    ``baseline``: the score ``max_score_drop`` is measured from, if not the
    uncompressed network's on these inputs.

    Returns
    -------
    search : FitSearch
    data : TrainingData
        On the inputs kept.
    model : CompressedModel
        As built, before storing (the search may hold it stored).
    formats : tuple of str or None
        A search in bytes' choice of formats; ``None``: ``quantize``.
    """
    original = mlp_layers(estimator.estimator_)
    settings = CompressionSettings(
        method=estimator.method,
        bias=estimator.bias,
        svd_on=estimator.svd_on,
        svd_solver=estimator.svd_solver,
        random_state=seed,
        head=estimator._new_head(y) if estimator.method == "truncated" else None,
    )
    data = TrainingData(inputs.X, y, sample_weight)
    # The original network's decompositions, made once for the whole search.
    spectra = network_spectra(original, settings, data)
    search = FitSearch(estimator, kind, original, settings, data, spectra, report)
    search.reserved_bytes, search.baseline = inputs.n_bytes, baseline
    if inputs.kept is not None:
        search.n_params_original = total_params(mlp_layers(inputs.network))
    if scored:
        search.validation = inputs.validation
    if kind == "max_score_drop" and estimator.quantize == "auto":
        model, formats = search.fewest_bytes_within_drop()
    elif kind == "max_score_drop":
        model, formats = search.smallest_within_drop(), None
    elif kind == "target_bytes":
        model, formats = search.best_within_bytes()
    elif kind == "target_ratio":
        model, formats = search.to_ratio(), None
    else:
        requests = rank_requests(estimator.rank, estimator.method, len(original))
        model, formats = compress(original, requests, settings, data, spectra), None
    return search, data, model, formats


def _original_score(estimator, validation):
    """The original network's score on the held-out data (all its inputs)."""
    X_val, y_val, weights = validation
    scorer = check_scoring(estimator, scoring=estimator.scoring)
    weights = {} if weights is None else {"sample_weight": weights}
    with warnings.catch_warnings():
        # X_val is validated: a network fitted on a DataFrame sees an array.
        warnings.filterwarnings("ignore", "X does not have valid feature names")
        return scorer(estimator.estimator_, X_val, y_val, **weights)


def every_row(X, y, sample_weight, validation):
    """The rows compressed on, then the held-out ones: ``(X, y, sample_weight)``.

    Weights are ones where one part has none.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._estimators._input_search import every_row
    >>> X, y = np.zeros((3, 2)), np.array([0, 1, 0])
    >>> rows = every_row(X, y, None, (X[:1], y[:1], np.array([2.0])))
    >>> rows[0].shape, rows[1].tolist(), rows[2].tolist()
    ((4, 2), [0, 1, 0, 0], [1.0, 1.0, 1.0, 2.0])
    """
    X_val, y_val, weights_val = validation
    if sparse.issparse(X) or sparse.issparse(X_val):
        X_all = sparse.vstack([X, X_val], format="csr")
    else:
        X_all = np.concatenate([X, X_val])
    weights = None
    if sample_weight is not None or weights_val is not None:
        parts = zip([sample_weight, weights_val], [len(y), len(y_val)], strict=True)
        weights = np.concatenate([np.ones(n) if w is None else w for w, n in parts])
    return X_all, np.concatenate([y, y_val]), weights


def _preference(row, kind):
    """Sort key of a candidate count: the smallest is kept."""
    if kind != "max_score_drop":  # within the bytes
        return (1, -row["score_all_rows"], row["n_inputs"])
    if row["holds"]:
        return (0, row["n_bytes"], row["n_params"], row["n_inputs"])
    return (1, -row["score"], row["n_inputs"])  # none holds: the least drop


def compressed_on_inputs(
    estimator, X, y, sample_weight, validation, kind, scored, seed, report
):
    """The inputs kept and the fit's search on them: :func:`compress_on`'s, with them.

    With ``keep_inputs="auto"`` and a search to choose with, the best of the
    candidate counts (module docstring); the estimator gets
    ``input_candidates_`` (per count: ``n_inputs``, ``n_bytes`` and
    ``n_params`` as stored, ``score`` on the held-out rows,
    ``score_all_rows`` on :func:`every_row`, and ``holds`` with
    ``max_score_drop``) and the chosen search's attributes and warnings.
    The estimator is left on the chosen inputs (until ``inputs.finish``).

    Returns
    -------
    inputs : FitInputs
    search, data, model, formats
        As :func:`compress_on` returns them.
    """
    keep = estimator.keep_inputs
    steps = (y, sample_weight, kind, scored, seed, report)
    baseline = None
    if kind == "max_score_drop" and keep is not None:
        baseline = _original_score(estimator, validation)
    if not chooses_inputs(kind, keep):
        keep = None if keep == "auto" else keep
        inputs = FitInputs(estimator, X, validation, sample_weight, keep)
        return inputs, *compress_on(estimator, inputs, *steps, baseline)
    training = dense, weights = training_rows(X, sample_weight)
    n_varying = int(np.sum(~constant_features(dense)))
    counts = input_counts(n_varying, len(dense))
    # Every count's inputs are the first of one order: computed once.
    order = input_order(
        dense, estimator.estimator_.coefs_[0], counts[0], sample_weight=weights
    )
    rows, failed = [], None

    def tried(count):
        """This count's search, its row added; ``None`` below its least bytes.

        Its warnings are recorded, shown only if it is chosen.
        """
        nonlocal failed
        before, row = set(vars(estimator)), None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            inputs = FitInputs(
                estimator, X, validation, sample_weight, count, order, training
            )
            try:
                found = compress_on(estimator, inputs, *steps, baseline)
            except BudgetTooSmallError as error:  # below these inputs' least
                failed, found = error, None
            if found is not None:
                search, data, model, formats = found
                if search.stored is None:
                    search.stored = estimator._stored(model, data, formats)
                row = {
                    "n_inputs": count,
                    "n_bytes": search.stored.n_bytes + inputs.n_bytes,
                    "n_params": search.stored.n_params,
                    "score": search.score(search.stored),
                    "score_all_rows": search.score(
                        search.stored,
                        every_row(inputs.X, y, sample_weight, inputs.validation),
                    ),
                }
        # What this count's search set, kept for if it is chosen.
        attributes = {
            name: vars(estimator).pop(name) for name in vars(estimator).keys() - before
        }
        inputs.leave()
        if row is None:
            return None
        if kind == "max_score_drop":
            row["holds"] = baseline - row["score"] <= estimator.max_score_drop
        report(f"keep_inputs='auto': {row}")
        rows.append(row)
        return row, inputs, found, attributes, caught

    def preferred(candidates):
        """The best of the candidates tried (``None``: below their bytes)."""
        held = [candidate for candidate in candidates if candidate is not None]
        return min(held, key=lambda c: _preference(c[0], kind), default=None)

    # The halving counts, then the counts halfway to the best one's neighbours.
    best = preferred([tried(count) for count in counts])
    if best is not None:
        between = counts_between(best[0]["n_inputs"], counts)
        best = preferred([best, *(tried(count) for count in between)])
    if best is None:
        raise failed
    _, inputs, found, attributes, caught = best
    vars(estimator).update(attributes, input_candidates_=rows)
    inputs.enter()
    for message in caught:
        warnings.warn_explicit(
            message.message, message.category, message.filename, message.lineno
        )
    return inputs, *found
