"""Every private name of scikit-learn and skl2onnx that this package uses.

Each is imported here and nowhere else, with why it is used and what would
break if it changed, so that an upgrade is checked in one place. CI runs the
test suite at the oldest supported scikit-learn as well as the newest
(``.ci/run``). Everything else comes through public names.
"""

import copy

# The decorator of fit that validates parameters, as scikit-learn's own
# estimators do; no public equivalent. If it changes, fit (_base.py) breaks.
from sklearn.base import _fit_context  # noqa: F401
from sklearn.frozen import FrozenEstimator

# The multi-layer perceptron's own activation, derivative and loss tables and
# its optimizers: the compressed network must compute exactly what the MLP
# does, and fine-tuning must train as it trains. If they change, the forward
# pass (_layers.py) and fine-tuning (_fine_tuning.py) break; the tests that
# compare both with MLPClassifier catch it. Fine-tuning's step sizes
# (_step_sizes.py) also set the optimizers' learning_rate_init (Adam reads
# it at every update) and learning_rate (SGD); a test checks both.
from sklearn.neural_network._base import (  # noqa: F401
    ACTIVATIONS,
    DERIVATIVES,
    LOSS_FUNCTIONS,
)
from sklearn.neural_network._stochastic_optimizers import (  # noqa: F401
    AdamOptimizer,
    SGDOptimizer,
)

# A fitted tree's arrays, to count what a tree-based head stores (_head.py).
# If it changes, such heads are counted as storing nothing.
from sklearn.tree._tree import Tree  # noqa: F401

# The parameter constraints, as scikit-learn's own estimators declare them;
# scikit-learn-contrib projects use them too. If they change, the
# constraints in _base.py break.
from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Interval,
    StrOptions,
)

# Merging a Display's default style with the user's keywords, aliases
# (ms / markersize, c / color ...) included, as scikit-learn's own Displays do.
# If it changes, the plots' style keywords (_plot.py) break.
from sklearn.utils._plotting import _validate_style_kwargs  # noqa: F401

# sample_weight validation as every scikit-learn estimator's fit does it
# (shape, dtype, non-negative); there is no public helper.
from sklearn.utils.validation import _check_sample_weight  # noqa: F401

# Where nearest-neighbour estimators keep their training set, which a
# nearest-neighbour head stores and _head.stored_floats counts. If renamed,
# such heads are counted as storing less than they do.
NEIGHBORS_TRAINING_DATA = "_fit_X"


def without_optimizer(network):
    """A shallow copy of a fitted MLP without its ``_optimizer``, or ``network``.

    A fitted multi-layer perceptron keeps its optimizer (the private
    ``_optimizer``) only to continue training with ``partial_fit``, which
    makes a new one when it is missing; skops does not trust the optimizer's
    type, so saved models leave it out. If scikit-learn renames it, the saved
    state simply keeps it again (tests/test_persistence.py notices).
    """
    if not hasattr(network, "_optimizer"):
        return network
    network = copy.copy(network)
    del network._optimizer
    return network


def saved_without_optimizers(state, names):
    """``state`` with the networks under ``names`` saved without their optimizer.

    Networks inside a ``FrozenEstimator`` too; a network met twice (a
    ``FrozenEstimator``'s and ``estimator_``) is saved as one object.
    """
    copies = {}

    def saved(estimator):
        if id(estimator) not in copies:
            if isinstance(estimator, FrozenEstimator):
                inner = saved(estimator.estimator)
                same = inner is estimator.estimator
                copies[id(estimator)] = estimator if same else FrozenEstimator(inner)
            else:
                copies[id(estimator)] = without_optimizer(estimator)
        return copies[id(estimator)]

    return {
        name: saved(value) if name in names else value for name, value in state.items()
    }


def finalize_converter_classes(*args, **kwargs):
    """skl2onnx's private ``_finalize_converter_classes``: labels from an argmax.

    It maps the index of the most probable class to the class label, for
    integer and string labels alike, exactly as skl2onnx's own classifier
    converters do; there is no public helper. Imported when called, so that
    importing this package never imports skl2onnx. If it changes, the ONNX
    export of classifiers breaks (tests/test_onnx.py).
    """
    from skl2onnx.common.utils_classifier import _finalize_converter_classes

    return _finalize_converter_classes(*args, **kwargs)


def skl2onnx_parsers():
    """skl2onnx's private parser table and its dispatching ``_parse_sklearn``.

    ``sklearn_parsers_map[Pipeline]`` is replaced, for pipelines ending in a
    compressed model, by one that skips ``"passthrough"`` steps, reads
    ``FrozenEstimator`` steps and checks the scaler
    (``_export/_onnx_pipeline.py``); skl2onnx offers no public hook for a
    pipeline's steps. If these change, tests/test_export_pipelines.py fails.
    """
    from skl2onnx._parse import _parse_sklearn, sklearn_parsers_map

    return sklearn_parsers_map, _parse_sklearn
