"""The network an estimator compresses: choosing and fitting it, its tags, routing.

The frozen network the estimator wraps, or a fitted clone of the one it is
given; :class:`WrappedNetworkMixin` gives the estimators what depends on it:
their tags, their metadata routing and a saved state without its optimizer.
"""

import functools

from sklearn import get_config
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, check_memory

from .._compat import saved_without_optimizers


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
        network = _default_network(network_type)
    elif isinstance(estimator, network_type):
        network = clone(estimator)
    else:
        raise TypeError(f"{allowed} {name}, or None; got {type(estimator).__name__}.")
    if seed is not None:
        network.set_params(random_state=seed)
    fit = check_memory(memory).cache(_fit_network)
    return fit(network, X, y, sample_weight)


def _default_network(network_type):
    """The network ``estimator=None`` stands for.

    With metadata routing enabled it asks for ``sample_weight``, as
    ``CalibratedClassifierCV``'s default estimator does.
    """
    network = network_type()
    if get_config()["enable_metadata_routing"]:
        network.set_fit_request(sample_weight=True)
    return network


def network_router(owner, estimator, network_type):
    """Metadata routing of a compressed estimator ``owner``.

    It uses ``sample_weight`` itself (factors, head, fine-tuning) and routes
    ``fit``'s metadata to the network's ``fit`` (not to a frozen network,
    which is never fitted).
    """
    router = MetadataRouter(owner=type(owner).__name__).add_self_request(owner)
    if isinstance(estimator, FrozenEstimator):
        return router
    network = _default_network(network_type) if estimator is None else estimator
    return router.add(
        estimator=network,
        method_mapping=MethodMapping().add(caller="fit", callee="fit"),
    )


def network_takes_sample_weight(owner, sample_weight):
    """Whether ``fit`` passes ``sample_weight`` on to the network it fits.

    Always, unless metadata routing is enabled: then only where the network
    requests it (``set_fit_request(sample_weight=True)``).
    """
    if sample_weight is None or not get_config()["enable_metadata_routing"]:
        return sample_weight is not None
    routed = process_routing(owner, "fit", sample_weight=sample_weight)
    return "sample_weight" in routed.get("estimator", {}).get("fit", {})


@functools.cache
def _class_tags(network_class):
    return get_tags(network_class())


def network_tags(estimator, network_type):
    """scikit-learn's tags of the network behind ``estimator``, by its class.

    Those of a default network of its class, worked out once: a
    multi-layer perceptron's tags do not depend on its parameters, and
    scikit-learn asks for the estimator's tags several times per
    ``predict``. A network that is not a ``network_type`` (which ``fit``
    reports clearly) gets ``network_type``'s: tags must not fail.
    """
    if isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    network_class = type(estimator)
    if not isinstance(estimator, network_type):
        network_class = network_type
    return _class_tags(network_class)


class WrappedNetworkMixin:
    """What the compressed estimators take from the network they wrap.

    Expects ``estimator`` and ``_network_type`` (the network's class).
    """

    def get_metadata_routing(self):
        """How :meth:`fit` routes metadata, with metadata routing enabled.

        ``sample_weight`` reaches the network's ``fit`` only if the network
        asks for it (``MLPClassifier().set_fit_request(sample_weight=True)``;
        the default network does); the head, the data-aware factors and
        fine-tuning always use it. A frozen network is never fitted.

        Returns
        -------
        routing : MetadataRouter
        """
        return network_router(self, self.estimator, self._network_type)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._network_tags().input_tags.sparse
        return tags

    def _network_tags(self):
        return network_tags(self.estimator, self._network_type)

    def __getstate__(self):
        """State for pickle, joblib and skops, without the networks' optimizers.

        A fitted multi-layer perceptron keeps its optimizer only to continue
        training with ``partial_fit``, which makes a new one when it is
        missing; skops does not trust its type. The saved state holds shallow
        copies of the networks without it; the networks in use are not
        touched, and a network met twice is saved as one object.
        """
        return saved_without_optimizers(
            super().__getstate__(), ("estimator", "estimator_", "head", "head_")
        )
