"""A Pipeline ending in a compressed model, as skl2onnx parses it.

skl2onnx converts each step of a ``Pipeline`` with its own converter, and
knows neither ``"passthrough"`` steps nor ``FrozenEstimator``. For a
pipeline that ends in a compressed model, the steps are read as
:func:`~sklearn_svdmlp._estimators.checked_steps` reads them (as
``export_c`` does): ``"passthrough"`` skipped, a ``FrozenEstimator`` step's
estimator converted, an unfitted ``StandardScaler`` a ``NotFittedError``
and one of another width than the model a ``ValueError``. Other pipelines
are parsed by skl2onnx as before.
"""

from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline

from .._compat import skl2onnx_parsers
from .._estimators import checked_steps, compressed_step

_PARSERS, _parse_step = skl2onnx_parsers()
_SKL2ONNX_PIPELINE = _PARSERS[Pipeline]


def _parse_pipeline(scope, model, inputs, custom_parsers=None):
    """skl2onnx's pipeline parser, over the steps a compressed model reads."""
    try:
        compressed = compressed_step(model)
    except TypeError:  # not ours
        return _SKL2ONNX_PIPELINE(scope, model, inputs, custom_parsers=custom_parsers)
    _, steps = checked_steps(model, "the ONNX converter")
    for step in [*steps, compressed]:
        # As skl2onnx's own parser: a classifier step takes the pipeline's
        # options unless it has its own.
        own = scope.options is not None and (
            id(step) in scope.options or type(step) in scope.options
        )
        if is_classifier(step) and not own:
            scope.add_options(id(step), scope.get_options(model, {"zipmap": True}))
        inputs = _parse_step(scope, step, inputs, custom_parsers=custom_parsers)
    return inputs


_PARSERS[Pipeline] = _parse_pipeline
