"""Compressing a fitted ``Pipeline`` ending in a network, its steps kept as fitted."""

from sklearn.base import is_classifier
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._classifier import SVDCompressedMLPClassifier
from ._regressor import SVDCompressedMLPRegressor


def _frozen(step):
    """``step`` as a frozen step: never refit by the new pipeline's ``fit``."""
    if step is None or isinstance(step, str | FrozenEstimator):  # "passthrough"
        return step
    check_is_fitted(step)
    return FrozenEstimator(step)


def compress_pipeline(pipeline, **params):
    """A pipeline that compresses the network at the end of a fitted ``pipeline``.

    Every step before the network is wrapped in a
    ``sklearn.frozen.FrozenEstimator`` (its fitted state used as it is,
    never refit: the user's steps are not touched), and the network is
    replaced by an :class:`SVDCompressedMLPClassifier` (or
    :class:`SVDCompressedMLPRegressor`) of ``FrozenEstimator(network)`` with
    ``params``. Fit the result on ``X, y`` (the data the compression reads
    its activations, rounding and any search from); that fits only the
    compressed model, on the data as the frozen steps transform it.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted ``Pipeline`` whose last step is an ``MLPClassifier`` or
        ``MLPRegressor`` (or a ``FrozenEstimator`` of one). Not modified.
    **params : dict
        Parameters of the compressed estimator (``rank``, ``quantize``, ...).

    Returns
    -------
    compressed : Pipeline
        Unfitted: the same step names for the frozen steps, then
        ``"svdcompressedmlpclassifier"`` (or ``...regressor``); the
        pipeline's ``verbose`` and ``transform_input`` kept.

    Raises
    ------
    TypeError
        If ``pipeline`` is not a ``Pipeline`` ending in a network.
    NotFittedError
        If a step is not fitted.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_svdmlp import compress_pipeline
    >>> X, y = load_wine(return_X_y=True)
    >>> pipe = make_pipeline(
    ...     StandardScaler(), MLPClassifier((32,), max_iter=1000, random_state=0)
    ... ).fit(X, y)
    >>> compressed = compress_pipeline(pipe, rank=[2, None]).fit(X, y)
    >>> [name for name, _ in compressed.steps]
    ['standardscaler', 'svdcompressedmlpclassifier']
    >>> compressed[-1].ranks_
    [2, None]
    >>> compressed[0].estimator is pipe[0]  # the fitted scaler, frozen
    True
    >>> print(f"{pipe.score(X, y):.3f} {compressed.score(X, y):.3f}")
    1.000 0.994
    """
    if not isinstance(pipeline, Pipeline):
        raise TypeError(
            f"pipeline must be a fitted Pipeline; got {type(pipeline).__name__}."
        )
    *steps, (_, network) = pipeline.steps
    if isinstance(network, FrozenEstimator):
        network = network.estimator
    if not isinstance(network, MLPClassifier | MLPRegressor):
        raise TypeError(
            "pipeline's last step must be an MLPClassifier or an MLPRegressor "
            f"(or a FrozenEstimator of one); got {type(network).__name__}."
        )
    check_is_fitted(network)
    kind = SVDCompressedMLPClassifier
    if not is_classifier(network):
        kind = SVDCompressedMLPRegressor
    model = kind(FrozenEstimator(network), **params)
    return Pipeline(
        [(name, _frozen(step)) for name, step in steps]
        + [(kind.__name__.lower(), model)],
        verbose=pipeline.verbose,
        transform_input=pipeline.transform_input,
    )
