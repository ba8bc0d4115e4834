"""Fine-tuning inside ``fit``: train the chosen model further, never end below it.

:func:`~sklearn_svdmlp._compression.fine_tune_model` trains; this stores the
result as the estimator stores models and, where there is held-out data,
keeps the model it started from instead when that scores higher there, both
as stored (a quantized start keeps its data-aware rounding, which training's
rounding to nearest does not reproduce).
"""

from .._compression import fine_tune_model


def fine_tuned(estimator, search, model, formats, data, y, seed, validation=None):
    """``model`` fine-tuned and stored, or stored as it is if that scores higher.

    Parameters
    ----------
    estimator : BaseSVDCompressedMLP
        Being fitted (``estimator_`` and ``output_spec_`` set).
    search : FitSearch
        The fit's search: it scores a stored model with the estimator's
        ``scoring``, and holds the start as stored where it stored it.
    model : CompressedModel
        The start.
    formats : list of str or None
        Per layer, where a search in bytes chose them; else ``quantize``.
    data : TrainingData
    y : ndarray
        The training targets, to stratify an early-stopping split by.
    seed : int
    validation : tuple or None, default=None
        ``(X, y, sample_weight)`` held out. ``None``: the network's
        early-stopping split if it used early stopping, else nothing (the
        last epoch is kept).

    Returns
    -------
    stored : CompressedModel
    loss_curve : list of float
    scores : list of float or None
        The held-out score of the model as trained (its weight matrices
        rounded to nearest in a ``quantize`` format) before fine-tuning and
        after each epoch.
    kept_start : bool or None
        Whether the start scored higher than the fine-tuned model, both as
        stored, and was kept; ``None`` without held-out data.
    """
    tuned, loss_curve, scores, held_out = fine_tune_model(
        model,
        data,
        estimator.estimator_,
        estimator.fine_tune_epochs,
        output_spec=estimator.output_spec_,
        random_state=seed,
        stratify=estimator._stratify(y),
        distillation=estimator.fine_tune_distillation,
        verbose=estimator.verbose,
        formats=estimator.quantize if formats is None else formats,
        held_out=validation,
    )
    stored = estimator._stored(tuned, data, formats)
    if held_out is None:
        return stored, loss_curve, scores, None
    start = search.stored
    if start is None:
        start = estimator._stored(model, data, formats)
    kept_start = search.score(start, held_out) > search.score(stored, held_out)
    return (start if kept_start else stored), loss_curve, scores, kept_start
