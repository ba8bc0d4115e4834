"""The network an estimator compresses: the frozen one it wraps, or a fitted clone."""

from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, check_memory


def _fit_network(network, X, y, sample_weight):
    """Fit ``network``; module level so ``joblib.Memory`` can cache it."""
    if sample_weight is None:
        return network.fit(X, y)
    return network.fit(X, y, sample_weight=sample_weight)


def network_to_compress(
    estimator, network_type, X, y, sample_weight, *, seed, memory, check_targets
):
    """The fitted network behind an estimator's ``estimator`` parameter.

    A ``FrozenEstimator`` gives the very network it wraps, checked against
    ``X`` and (by ``check_targets(network, y)``) ``y``, never refit. ``None``
    or a network of ``network_type`` gives a fitted clone, with ``seed`` as
    its ``random_state`` unless ``seed`` is ``None``, cached by ``memory``.

    Raises
    ------
    TypeError
        For anything else.
    """
    name = network_type.__name__
    allowed = f"estimator must be an {name}, a FrozenEstimator wrapping a fitted"
    if isinstance(estimator, FrozenEstimator):
        network = estimator.estimator
        if not isinstance(network, network_type):
            raise TypeError(
                f"{allowed} {name}, or None; got a FrozenEstimator wrapping "
                f"{type(network).__name__}."
            )
        check_is_fitted(network)
        if network.n_features_in_ != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but the frozen network in "
                f"estimator expects {network.n_features_in_}."
            )
        check_targets(network, y)
        return network
    if estimator is None:
        network = network_type()
    elif isinstance(estimator, network_type):
        network = clone(estimator)
    else:
        raise TypeError(f"{allowed} {name}, or None; got {type(estimator).__name__}.")
    if seed is not None:
        network.set_params(random_state=seed)
    fit = check_memory(memory).cache(_fit_network)
    return fit(network, X, y, sample_weight)


def network_tags(estimator, network_type):
    """scikit-learn's tags of the network behind ``estimator`` (``None``: default)."""
    if isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    return get_tags(network_type() if estimator is None else estimator)
