"""Finding the fitted compressed model, bare or at the end of a pipeline."""

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._base import BaseSVDCompressedMLP


def _flattened(estimator):
    if not isinstance(estimator, Pipeline):
        return [estimator]
    return [inner for _, step in estimator.steps for inner in _flattened(step)]


def steps_before(estimator):
    """The steps before the last estimator, nested pipelines flattened."""
    return _flattened(estimator)[:-1]


def compressed_step(estimator):
    """The fitted compressed model in ``estimator``, or at the end of its pipeline."""
    model = estimator
    while isinstance(model, Pipeline):
        model = model[-1]
    if not isinstance(model, BaseSVDCompressedMLP):
        what = type(model).__name__
        if model is not estimator:
            what = f"a Pipeline ending in {what}"
        raise TypeError(
            "estimator must be a fitted SVDCompressedMLPClassifier or "
            "SVDCompressedMLPRegressor, or a Pipeline ending in one; got "
            f"{what}. Unwrap other meta-estimators first (e.g. the regressor_ "
            "of a TransformedTargetRegressor)."
        )
    check_is_fitted(model)
    return model
