"""A Pipeline ending in a compressed model, as skl2onnx parses it.

skl2onnx converts each step of a ``Pipeline`` with its own converter, and
knows neither ``"passthrough"`` steps nor ``FrozenEstimator``. For a
pipeline that ends in a compressed model, the steps are read as
:func:`~sklearn_svdmlp._estimators.checked_steps` reads them (as
``export_c`` does): ``"passthrough"`` skipped, a ``FrozenEstimator`` step's
estimator converted, an unfitted ``StandardScaler`` a ``NotFittedError``
and one of another width than the model a ``ValueError``. Other pipelines
are parsed by skl2onnx as before. A ``FrozenEstimator`` around the compressed
model or around such a pipeline is parsed as what it holds.
"""

from sklearn.base import is_classifier
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline

from .._compat import skl2onnx_parsers
from .._estimators import checked_steps, compressed_step

_PARSERS, _parse_step = skl2onnx_parsers()
_SKL2ONNX_PIPELINE = _PARSERS[Pipeline]


def _parse_pipeline(scope, model, inputs, custom_parsers=None):
    """skl2onnx's pipeline parser, over the steps a compressed model reads.

    Also the parser of a ``FrozenEstimator``: skl2onnx has none.
    """
    try:
        compressed = compressed_step(model)
    except TypeError:  # not ours
        if isinstance(model, FrozenEstimator):
            return _parse_step(
                scope, model.estimator, inputs, custom_parsers=custom_parsers
            )
        return _SKL2ONNX_PIPELINE(scope, model, inputs, custom_parsers=custom_parsers)
    _, steps = checked_steps(model, "the ONNX converter")
    for step in [*steps, compressed]:
        # As skl2onnx's own parser: a classifier step takes the pipeline's
        # options unless it has its own.
        own = scope.options is not None and (
            id(step) in scope.options or type(step) in scope.options
        )
        if is_classifier(step) and not own:
            scope.add_options(id(step), _options(scope, model))
        inputs = _parse_step(scope, step, inputs, custom_parsers=custom_parsers)
    return inputs


def _options(scope, model):
    """The options given for ``model`` (a pipeline, or a ``FrozenEstimator``).

    skl2onnx knows no options of a ``FrozenEstimator`` (``get_options``
    refuses it): those given for it, by class or by id, are read as given.
    """
    if not isinstance(model, FrozenEstimator):
        return scope.get_options(model, {"zipmap": True})
    given = scope.options or {}
    return {
        "zipmap": True,
        **(given.get(type(model)) or {}),
        **(given.get(id(model)) or {}),
    }


_PARSERS[Pipeline] = _PARSERS[FrozenEstimator] = _parse_pipeline
