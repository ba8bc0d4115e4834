"""Storing a compressed model's weight matrices in a storage format.

What each format does to a matrix is the format's own business
(:mod:`sklearn_svdmlp._formats`); here every matrix of a model, a
truncation's head included, is stored in one.
"""

from dataclasses import replace

import numpy as np

from .._formats import get_format
from .._network import CompressedNetwork, QuantizedLayer, head_adapter
from ._integer import integer_model


def quantize_layer(layer, format):
    """A :class:`QuantizedLayer` storing ``layer``'s weight matrices in ``format``.

    Parameters
    ----------
    layer : DenseLayer or FactoredLayer
    format : str
        A registered storage format (what ``quantize`` takes).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression._quantization import quantize_layer
    >>> layer = quantize_layer(DenseLayer(np.eye(2), np.zeros(2), "relu"), "int8")
    >>> layer.weights[0].tolist(), layer.scales[0].dtype.name
    ([[127, 0], [0, 127]], 'float32')
    """
    storage = get_format(format)
    weights, scales, biases = [], [], []
    for step in layer.affine_steps():
        values, step_scales = storage.store(step.values)
        weights.append(values)
        scales.append(step_scales)
        biases.append(
            None if step.bias is None else np.asarray(step.bias, storage.bias_dtype)
        )
    return QuantizedLayer(weights, scales, biases, layer.activation, format)


def stored_model(model, format, spec, integer_only=False, X=None, sample_weight=None):
    """``model`` as it is stored: in ``format`` (``None``: as it is).

    With ``integer_only``, then as a network that computes with integers
    only, calibrated on the rows of ``X`` whose ``sample_weight`` is not 0
    (:func:`~sklearn_svdmlp._compression._integer.integer_model`).
    """
    if format is None:
        return model
    model = quantize_model(model, format, spec.n_outputs)
    if not integer_only:
        return model
    if sample_weight is not None:
        X = X[np.asarray(sample_weight) > 0]
    return integer_model(model, X, spec)


def quantize_model(model, format, n_outputs):
    """``model`` with every weight matrix stored in ``format``, head included.

    A head is stored as layers at the end of the network (it must be one
    whose layers compute its output), so that the model is one quantized
    network.

    Parameters
    ----------
    model : CompressedModel
    format : str
    n_outputs : int
        Outputs the network's last layer has: a head must give as many.

    Returns
    -------
    model : CompressedModel
    """
    layers = list(model.network.layers)
    if model.head is not None:
        layers += head_adapter(model.head).require_layers(
            f"quantize={format!r} with method='truncated'", n_outputs, exact=True
        )
    network = CompressedNetwork([quantize_layer(layer, format) for layer in layers])
    return replace(model, network=network, head=None)
