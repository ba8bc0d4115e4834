"""Finding the fitted compressed model, bare or inside what wraps it.

The exports take it bare, in a ``FrozenEstimator`` or at the end of a
pipeline, nested in any order (:func:`compressed_step`,
:func:`checked_steps`); the scorers also look inside a
``TransformedTargetRegressor`` (:func:`scored_model`).
"""

from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._base import BaseSVDCompressedMLP


def _unfrozen(estimator):
    """``estimator``, or what the ``FrozenEstimator`` around it holds."""
    while isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    return estimator


def _flattened(estimator):
    inner = _unfrozen(estimator)
    if not isinstance(inner, Pipeline):
        return [estimator]
    return [step for _, each in inner.steps for step in _flattened(each)]


def steps_before(estimator):
    """The steps before the last estimator, nested pipelines flattened.

    A ``FrozenEstimator`` of a pipeline counts as the pipeline.
    """
    return _flattened(estimator)[:-1]


def compressed_step(estimator):
    """The fitted compressed model in ``estimator``, or at the end of its pipeline.

    ``FrozenEstimator`` around it or around the pipeline are looked inside,
    as a pipeline is, nested in any order.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_svdmlp import SVDCompressedMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(rank=2, random_state=0).fit(X, y)
    >>> pipeline = make_pipeline(StandardScaler().fit(X), FrozenEstimator(model))
    >>> compressed_step(FrozenEstimator(pipeline)) is model
    True
    """
    model = _unfrozen(estimator)
    while isinstance(model, Pipeline):
        model = _unfrozen(model[-1])
    if not isinstance(model, BaseSVDCompressedMLP):
        what = type(model).__name__
        if model is not estimator:
            what = f"a {type(estimator).__name__} ending in {what}"
        raise TypeError(
            "estimator must be a fitted SVDCompressedMLPClassifier or "
            "SVDCompressedMLPRegressor, or a Pipeline ending in one (either "
            f"may be in a FrozenEstimator); got {what}. Unwrap other "
            "meta-estimators first (e.g. the regressor_ of a "
            "TransformedTargetRegressor)."
        )
    check_is_fitted(model)
    return model


def checked_steps(estimator, what):
    """The compressed model, and the steps before it as they compute.

    ``"passthrough"`` (and ``None``) steps are dropped and a
    ``FrozenEstimator`` step is the estimator it holds. A ``StandardScaler``
    among them must be fitted and, right before the model, fitted on as
    many features as the model (``what`` names the caller in errors).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model or a scaler is not fitted.
    ValueError
        If the scaler before the model was fitted on another number of
        features than the model.
    """
    model = compressed_step(estimator)
    steps = [
        _unfrozen(step)
        for step in steps_before(estimator)
        if step not in (None, "passthrough")
    ]
    for step in steps:
        if isinstance(step, StandardScaler):
            check_is_fitted(step)
    last = steps[-1] if steps else None
    if isinstance(last, StandardScaler) and last.n_features_in_ != model.n_features_in_:
        raise ValueError(
            f"The StandardScaler before the model was fitted on "
            f"{last.n_features_in_} features, the model on "
            f"{model.n_features_in_}: {what} needs the same width."
        )
    return model, steps


def model_and_scaler(estimator, what="export_c"):
    """The compressed model, and the fitted ``StandardScaler`` before it if any.

    The steps before the model may be ``"passthrough"`` (or ``None``) and
    one ``StandardScaler``, bare or inside a ``FrozenEstimator``: what the
    exports fold into the input. Checked as :func:`checked_steps` does.

    Raises
    ------
    TypeError
        If another step comes before the model.
    """
    model, steps = checked_steps(estimator, what)
    if len(steps) > 1 or (steps and type(steps[0]) is not StandardScaler):
        names = ", ".join(type(step).__name__ for step in steps)
        raise TypeError(
            f"{what} takes a compressed model, alone or after one StandardScaler "
            "(or FrozenEstimator of one, or 'passthrough' steps) in a Pipeline; "
            f"this Pipeline also has {names}."
        )
    return model, (steps[0] if steps else None)


# What the scorers unwrap, and how: the model each wrapper holds.
_WRAPPERS = {
    Pipeline: lambda pipeline: pipeline[-1],
    TransformedTargetRegressor: lambda wrapper: wrapper.regressor_,
    FrozenEstimator: lambda frozen: frozen.estimator,
}


def scored_model(estimator):
    """The fitted compressed model inside ``estimator``, for the scorers.

    Unwraps a ``Pipeline``, a ``TransformedTargetRegressor`` and a
    ``FrozenEstimator``, nested in any order.

    Raises
    ------
    TypeError
        If there is no compressed model inside, naming what is.

    Examples
    --------
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_svdmlp import SVDCompressedMLPRegressor
    >>> from sklearn_svdmlp._estimators._unwrap import scored_model
    >>> X, y = load_diabetes(return_X_y=True)
    >>> network = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0)
    >>> model = TransformedTargetRegressor(
    ...     make_pipeline(StandardScaler(), SVDCompressedMLPRegressor(network, rank=2)),
    ...     transformer=StandardScaler(),
    ... ).fit(X, y)
    >>> type(scored_model(model)).__name__
    'SVDCompressedMLPRegressor'
    """
    model, path = estimator, []
    while unwrap := next(
        (inner for kind, inner in _WRAPPERS.items() if isinstance(model, kind)), None
    ):
        if isinstance(model, TransformedTargetRegressor):
            check_is_fitted(model)
        path.append(type(model).__name__)
        model = unwrap(model)
    if not isinstance(model, BaseSVDCompressedMLP):
        inside = "".join(f"a {name} around " for name in path)
        raise TypeError(
            "estimator must be a fitted SVDCompressedMLPClassifier or "
            "SVDCompressedMLPRegressor, or a Pipeline, TransformedTargetRegressor "
            f"or FrozenEstimator around one (nested in any order); got {inside}"
            f"{type(model).__name__}."
        )
    check_is_fitted(model)
    return model
