"""Storing weight matrices in fewer bits: float32, float16, or int8 with scales.

``int8`` is symmetric, with one float32 scale per output column: column
``j`` is stored as ``q[:, j] = round(W[:, j] / s[j])`` in ``[-127, 127]``,
with ``s[j] = max |W[:, j]| / 127``, and stands for ``q[:, j] * s[j]``. Each
column's largest weight is stored exactly (up to float32) and every weight
within ``s[j] / 2``. Biases stay 32-bit floats.
"""

from dataclasses import replace

import numpy as np

from ._head import layers_with_head
from ._layers import QuantizedLayer
from ._network import CompressedNetwork

FORMATS = ("float32", "float16", "int8")


def quantize_matrix(matrix, format):
    """``matrix`` stored in ``format``: the stored array and its scales.

    Parameters
    ----------
    matrix : ndarray of shape (n_rows, n_cols)
    format : {"float32", "float16", "int8"}

    Returns
    -------
    stored : ndarray of shape (n_rows, n_cols)
        Of dtype float32, float16 or int8.
    scales : ndarray of shape (n_cols,), float32, or None
        For int8: what each column's integers are multiplied by.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._quantization import quantize_matrix
    >>> stored, scales = quantize_matrix(np.array([[1.0, -0.5], [-2.54, 0.25]]), "int8")
    >>> stored
    array([[  50, -127],
           [-127,   64]], dtype=int8)
    >>> scales
    array([0.02      , 0.00393701], dtype=float32)
    """
    if format != "int8":
        return np.ascontiguousarray(matrix, dtype=format), None
    largest = np.max(np.abs(matrix), axis=0)
    scales = (largest / 127).astype(np.float32)
    # An all-zero column is stored as zeros; its scale only has to be nonzero.
    divisor = np.where(scales > 0, scales, 1).astype(matrix.dtype)
    stored = np.clip(np.rint(matrix / divisor), -127, 127).astype(np.int8)
    return np.ascontiguousarray(stored), scales


def _bias(array):
    return None if array is None else np.asarray(array, dtype=np.float32)


def quantize_layer(layer, format):
    """A :class:`QuantizedLayer` storing ``layer``'s weight matrices in ``format``."""
    steps = layer.affine_steps()
    stored = [quantize_matrix(matrix, format) for matrix, _, _ in steps]
    return QuantizedLayer(
        [weights for weights, _ in stored],
        [scales for _, scales in stored],
        [_bias(bias) for _, bias, _ in steps],
        layer.activation,
    )


def stored_model(model, format, n_outputs):
    """``model`` as it is stored: in ``format``, or as it is for ``None``."""
    return model if format is None else quantize_model(model, format, n_outputs)


def quantize_model(model, format, n_outputs):
    """``model`` with every weight matrix stored in ``format``, head included.

    A head is stored as layers at the end of the network (it must be one
    whose layers compute its output, see
    :func:`~sklearn_svdmlp._head.probabilities_are_layers`), so that the
    model is one quantized network.

    Parameters
    ----------
    model : CompressedModel
    format : {"float32", "float16", "int8"}
    n_outputs : int
        Outputs the network's last layer has: a head must give as many.

    Returns
    -------
    model : CompressedModel
    """
    layers = layers_with_head(
        model.network.layers,
        model.head,
        f"quantize={format!r} with method='truncated'",
        n_outputs,
        ValueError,
    )
    network = CompressedNetwork([quantize_layer(layer, format) for layer in layers])
    return replace(model, network=network, head=None)
