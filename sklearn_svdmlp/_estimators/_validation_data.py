"""The data ``max_score_drop`` is judged on, and what to warn about it.

Part of the training data split off (:func:`~sklearn_svdmlp._split.split_off`)
or the validation data the user passes to ``fit``.
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import check_scoring
from sklearn.utils import column_or_1d
from sklearn.utils.validation import check_non_negative, validate_data

from .._compat import _check_sample_weight
from .._warnings import warn


def checked_fit_data(estimator, X, y, sample_weight, reset=True):
    """``X``, ``y`` and ``sample_weight`` validated, as ``estimator.fit`` takes them."""
    X, y = validate_data(
        estimator,
        X,
        y,
        accept_sparse=["csr", "csc"],
        multi_output=True,
        dtype=(np.float64, np.float32),
        reset=reset,
    )
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X)
        check_non_negative(sample_weight, "sample_weight")
    return X, estimator._check_targets(y), sample_weight


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
        If ``X_val`` and ``y_val`` do not come together.

    Warns
    -----
    UserWarning
        If nothing uses them (they are ignored, as unused parameters are).
    """
    names = ("X_val", "y_val", "sample_weight_val")
    given = [
        name for name, part in zip(names, validation, strict=True) if part is not None
    ]
    if not given:
        return False
    if not {"X_val", "y_val"} <= set(given):
        raise ValueError(
            "X_val and y_val (and sample_weight_val) go together; got "
            f"{', '.join(given)}."
        )
    if not (scored or fine_tuned):
        warn(
            f"{', '.join(given)} {'are' if len(given) > 1 else 'is'} only used with "
            "rank='auto' and max_score_drop, target_bytes with quantize='auto', or "
            "fine_tune_epochs > 0; ignored here."
        )
        return False
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


# How much lower a classifier's accuracy may be on the validation data than
# on its training data before ``fit`` suspects that the validation data is
# in other units. python benchmarks/validation_gap.py (four data sets, three
# networks, three splits) measured gaps of at most 0.12 on validation data
# scaled as the training data, and of 0.12 to 0.76 where a StandardScaler
# was skipped (0.02 to 0.04 where a MinMaxScaler of digits was, which
# changes little). R^2 is not checked: an MLPRegressor's honest gap on
# diabetes reached 0.74.
UNTRANSFORMED_GAP = 0.15
# The scores the gap is measured for (None: a classifier's accuracy).
_GAP_SCORES = (None, "accuracy", "balanced_accuracy")


def warn_unscaled(estimator, given, training, validation):
    """Warn if ``X_val`` was passed and the network's accuracy is far lower on it.

    The sign that ``X_val`` skipped the steps a ``Pipeline`` applies to
    ``X`` (:func:`untransformed_warning`).

    Parameters
    ----------
    estimator : BaseSVDCompressedMLP
        Being fitted, ``estimator_`` set.
    given : bool
        Whether ``X_val`` was passed (and is used).
    training, validation : tuple
        ``(X, y, sample_weight)`` each, validated.
    """
    if given and is_classifier(estimator) and estimator.scoring in _GAP_SCORES:
        message = untransformed_warning(
            estimator.estimator_, estimator.scoring, training, validation
        )
        if message is not None:
            warn(message)


def untransformed_warning(network, scoring, training, validation):
    """A warning if ``network`` scores far lower on ``validation`` than on ``training``.

    The sign that ``X_val`` skipped the steps a ``Pipeline`` applies to ``X``.

    Parameters
    ----------
    network : MLPClassifier or MLPRegressor
        Fitted.
    scoring : str, callable or None
        The estimator's ``scoring`` (``None``: the network's ``score``).
    training, validation : tuple
        ``(X, y, sample_weight)`` each, validated.

    Returns
    -------
    message : str or None

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_svdmlp._estimators._validation_data import untransformed_warning
    >>> X, y = load_iris(return_X_y=True)
    >>> X_scaled = StandardScaler().fit_transform(X)
    >>> network = MLPClassifier(solver="lbfgs", max_iter=1000, random_state=0)
    >>> network = network.fit(X_scaled, y)
    >>> training = (X_scaled, y, None)
    >>> print(untransformed_warning(network, None, training, training))
    None
    >>> untransformed_warning(network, None, training, (X, y, None))[:64]
    'The network scores 0.333 on X_val and 1.000 on the training data'
    """
    scorer = check_scoring(network, scoring=scoring)

    def score(X, y, sample_weight):
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(network, X, y, **weights)

    trained, validated = score(*training), score(*validation)
    if trained - validated <= UNTRANSFORMED_GAP:
        return None
    return (
        f"The network scores {validated:.3f} on X_val and {trained:.3f} on the "
        f"training data, {trained - validated:.3f} lower (more than "
        f"{UNTRANSFORMED_GAP}): X_val may not be transformed as X is. Inside a "
        "Pipeline, X_val reaches this model as given; pass it through the steps "
        "before with Pipeline(..., transform_input=['X_val']) (metadata routing "
        "enabled, X_val and y_val requested with set_fit_request)."
    )
