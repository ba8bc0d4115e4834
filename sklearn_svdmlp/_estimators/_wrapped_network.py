"""The network an estimator compresses: choosing and fitting it, its tags, routing.

The frozen network the estimator wraps, or a fitted clone of the one it is
given; :class:`WrappedNetworkMixin` gives the estimators what depends on it:
their tags, their metadata routing and a saved state without its optimizer
(and, unless ``keep_original``, without its weights).
"""

import copy
import functools
import warnings

from sklearn import get_config
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data

from .._compat import saved_without_optimizers
from .._warnings import warn
from ._inputs import inputs_read
from ._saved_state import packed, unpacked

# What a fitted Pipeline ending in a network is compressed with.
_PIPELINE_HINT = (
    "compress a fitted Pipeline with sklearn_svdmlp.compress_pipeline(pipeline, "
    "**params), which freezes its fitted steps and puts the compressed network "
    "last, then fit that on X, y"
)


def _fit_network(network, X, y, sample_weight):
    """Fit ``network``; module level so ``joblib.Memory`` can cache it."""
    if sample_weight is None:
        return network.fit(X, y)
    return network.fit(X, y, sample_weight=sample_weight)


def network_to_compress(
    estimator,
    network_type,
    X,
    y,
    sample_weight,
    *,
    seed,
    memory,
    check_targets,
    X_given,
):
    """The fitted network behind an estimator's ``estimator`` parameter.

    A ``FrozenEstimator`` gives the very network it wraps, checked against
    ``X_given`` (the data as the user gave it: its feature names, as
    scikit-learn checks them, and its number of features) and (by
    ``check_targets(network, y)``) ``y``, never refit. ``None`` or a network
    of ``network_type`` gives a fitted clone of it on ``X`` (validated), with
    ``seed`` as its ``random_state`` unless ``seed`` is ``None``, cached by
    ``memory``; a network already fitted warns that the clone is fitted anew.

    Raises
    ------
    TypeError
        For anything else (for a ``Pipeline``, naming ``compress_pipeline``).
    """
    name = network_type.__name__
    allowed = f"estimator must be an {name}, a FrozenEstimator wrapping a fitted"
    if isinstance(estimator, FrozenEstimator):
        network = estimator.estimator
        if not isinstance(network, network_type):
            raise TypeError(
                f"{allowed} {name}, or None; got a FrozenEstimator wrapping "
                f"{type(network).__name__}{_pipeline_hint(network)}."
            )
        _check_frozen_network(network, X_given)
        check_targets(network, y)
        return network
    if estimator is None:
        network = _default_network(network_type)
    elif isinstance(estimator, network_type):
        if _is_fitted(estimator):
            warn(
                f"estimator is a fitted {type(estimator).__name__}: fit trains a "
                "clone of it from scratch on X, y, as scikit-learn's "
                "meta-estimators do, and compresses that. To compress the trained "
                "network as it is, pass FrozenEstimator(network) (from "
                "sklearn.frozen import FrozenEstimator)."
            )
        network = clone(estimator)
    else:
        raise TypeError(
            f"{allowed} {name}, or None; got {type(estimator).__name__}"
            f"{_pipeline_hint(estimator)}."
        )
    if seed is not None:
        network.set_params(random_state=seed)
    fit = check_memory(memory).cache(_fit_network)
    return fit(network, X, y, sample_weight)


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def _pipeline_hint(estimator):
    """For a ``Pipeline`` given as the network, how to compress one."""
    return f": {_PIPELINE_HINT}" if isinstance(estimator, Pipeline) else ""


def _check_frozen_network(network, X_given):
    """Raise unless the frozen ``network`` is fitted on data like ``X_given``.

    Feature names and their number are checked as scikit-learn checks them
    at ``predict`` (columns reordered, missing or added raise; data without
    names given to a network fitted with names warns), the warnings
    attributed to the caller's line.
    """
    try:
        check_is_fitted(network)
    except NotFittedError as error:
        raise NotFittedError(
            f"{error} A FrozenEstimator in estimator must wrap a fitted network; "
            "a model saved without keep_original=True keeps the parameters of "
            "its network but not its weights, so it predicts but cannot be "
            "fitted again without it."
        ) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            validate_data(network, X_given, reset=False, skip_check_array=True)
        except ValueError as error:
            raise ValueError(
                f"X does not match the frozen network in estimator: {error}"
            ) from None
    for warning in caught:
        warn(str(warning.message), warning.category)


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
        """State for pickle, joblib and skops: what the fitted model needs.

        Without ``keep_original``, a fitted model is saved without the
        network it compressed: ``estimator_`` is not kept, and the network
        in the ``estimator`` parameter is saved as an unfitted clone (the
        same parameters, in the same ``FrozenEstimator``), so that what is
        saved is sized by the compressed model. The loaded model predicts,
        exports and summarizes as before; fitting it again needs the network
        (``set_params(estimator=...)``). The networks saved keep no
        optimizer: a fitted multi-layer perceptron keeps it only to continue
        training with ``partial_fit``, which makes a new one when it is
        missing, and skops does not trust its type. The objects in use are
        not touched, and a network met twice is saved as one object. The
        state is packed flat (``_saved_state.py``): few objects, so that
        skops' file is small too, and skops asks to trust only the
        estimator's class.
        """
        state = dict(super().__getstate__())  # may be vars(self) itself
        if "network_" in state and not state.get("keep_original", False):
            state["estimator"] = _without_weights(state["estimator"])
        return packed(
            saved_without_optimizers(
                state, ("estimator", "estimator_", "head", "head_")
            )
        )

    def __setstate__(self, state):
        state = unpacked(state)
        # Saved before keep_inputs: every input the network reads.
        state.setdefault("keep_inputs", None)
        if "network_" in state and "inputs_kept_" not in state:
            state["inputs_kept_"] = inputs_read(
                state["network_"], state["n_features_in_"]
            )
        super().__setstate__(state)

    def __deepcopy__(self, memo):
        """A deep copy keeps everything, the network compressed included."""
        duplicate = type(self).__new__(type(self))
        memo[id(self)] = duplicate
        vars(duplicate).update(copy.deepcopy(vars(self), memo))
        return duplicate


def _without_weights(estimator):
    """``estimator``, if it is a fitted network, as an unfitted clone.

    In the ``FrozenEstimator`` it came in, if it came in one.
    """
    if estimator is None:
        return None
    if isinstance(estimator, FrozenEstimator):
        network = estimator.estimator
        return FrozenEstimator(clone(network)) if _is_fitted(network) else estimator
    return clone(estimator) if _is_fitted(estimator) else estimator
