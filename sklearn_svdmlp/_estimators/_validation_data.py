"""The data ``max_score_drop`` is judged on, and what to warn about it.

Part of the training data split off (:func:`~sklearn_svdmlp._split.split_off`)
or the validation data the user passes to ``fit``.
"""

import numpy as np
from sklearn.frozen import FrozenEstimator


def check_validation_data(validation, scored, fine_tuned=False):
    """Whether the user passed validation data, after checking it has a use.

    Parameters
    ----------
    validation : tuple
        ``(X_val, y_val, sample_weight_val)`` as given to ``fit``.
    scored : bool
        Whether the search scores candidates on held-out data
        (:func:`~sklearn_svdmlp._estimators._parameters.is_scored`).
    fine_tuned : bool, default=False
        Whether the model is fine-tuned (which ends no worse than its start
        on them).

    Raises
    ------
    ValueError
        Unless nothing is given, or ``X_val`` and ``y_val`` (and perhaps
        ``sample_weight_val``) for a search that scores or fine-tuning.
    """
    names = ("X_val", "y_val", "sample_weight_val")
    given = [
        name for name, part in zip(names, validation, strict=True) if part is not None
    ]
    if not given:
        return False
    used = scored or fine_tuned
    if not used or not {"X_val", "y_val"} <= set(given):
        raise ValueError(
            "X_val and y_val (and sample_weight_val) go together, and only with "
            "rank='auto' and max_score_drop, target_bytes with quantize='auto', "
            f"or fine_tune_epochs > 0; got {', '.join(given)}"
            + ("." if used else " and nothing that uses them.")
        )
    return True


def validation_warnings(
    estimator, given, max_score_drop, accuracy, X_val, y_val, sample_weight_val
):
    """What to tell the user about the data ``max_score_drop`` is judged on.

    Parameters
    ----------
    estimator : object
        The estimator's ``estimator`` parameter.
    given : bool
        Whether the user passed validation data (``X_val``, ``y_val``).
    max_score_drop : float
    accuracy : bool
        Whether the score is accuracy, so that one row's worth is known.
    X_val, y_val, sample_weight_val : ndarray
        The validation data.

    Returns
    -------
    messages : list of str

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._validation_data import validation_warnings
    >>> import numpy as np
    >>> X_val, y_val = np.zeros((135, 2)), np.zeros(135)
    >>> (message,) = validation_warnings(None, False, 0.01, True, X_val, y_val, None)
    >>> message[:47]
    'One validation row is worth 0.0074 of accuracy,'
    """
    messages = []
    if isinstance(estimator, FrozenEstimator) and not given:
        messages.append(
            "estimator is a FrozenEstimator, trained before this fit, most likely "
            "on this same data: the validation part split from it is data the "
            "network has seen, so candidates are scored optimistically. Pass "
            "X_val and y_val, data the network was not trained on."
        )
    if accuracy and max_score_drop > 0:
        worth = (
            1 / X_val.shape[0]
            if sample_weight_val is None
            else float(np.max(sample_weight_val) / np.sum(sample_weight_val))
        )
        if worth > max_score_drop / 2:
            messages.append(
                f"One validation row is worth {worth:.4f} of accuracy, more than "
                f"half of max_score_drop={max_score_drop}: the bound is judged on "
                "too few rows. Pass more validation data (X_val, y_val) or a "
                "larger validation_fraction."
            )
    return messages
