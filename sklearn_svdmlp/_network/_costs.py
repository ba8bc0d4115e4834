"""What a layer costs: parameters and bytes, from shapes or from layers.

The formulas are what rank selection asks before a layer is built; the
totals add up what built layers report.
"""

from functools import lru_cache

import numpy as np

from .._formats import get_format


def dense_n_params(n_in, n_out):
    """Weights plus biases of a dense ``n_in -> n_out`` layer.

    Examples
    --------
    >>> from sklearn_svdmlp._network._costs import dense_n_params
    >>> dense_n_params(13, 10)
    140
    """
    return n_in * n_out + n_out


def factored_n_params(n_in, n_out, rank, bias):
    """Weights plus biases of a dense layer factored at ``rank``.

    ``bias="separate"`` stores ``rank * (n_in + n_out) + n_out`` numbers,
    ``bias="augment"`` stores ``rank * (n_in + 1 + n_out)``.

    Examples
    --------
    >>> from sklearn_svdmlp._network._costs import factored_n_params
    >>> factored_n_params(13, 10, rank=2, bias="augment")
    48
    """
    if bias == "augment":
        return rank * (n_in + 1 + n_out)
    return rank * (n_in + n_out) + n_out


@lru_cache(maxsize=4096)
def matrix_n_bytes(format, n_in, n_out):
    """Bytes an ``n_in x n_out`` matrix stored in ``format`` takes, scales included.

    Asked of the format itself (it stores a matrix of zeros), so that any
    registered format is counted as it counts itself.

    Examples
    --------
    >>> from sklearn_svdmlp._network._costs import matrix_n_bytes
    >>> matrix_n_bytes("int4", 784, 21)  # 11 bytes a row, a float32 scale a column
    8708
    """
    storage = get_format(format)
    return int(storage.n_bytes(*storage.store(np.zeros((n_in, n_out)))))


def layer_n_bytes(format, n_in, n_out, rank, bias):
    """Bytes of a layer stored in ``format``: dense (``rank=None``) or factored.

    The matrices as :func:`matrix_n_bytes` counts them, and the biases in
    the format's ``bias_dtype``: ``n_out`` of them, or ``rank`` with
    ``bias="augment"``.

    Examples
    --------
    >>> from sklearn_svdmlp._network._costs import layer_n_bytes
    >>> layer_n_bytes("int8", 50, 10, None, "separate")  # 500 + 40 + 40
    580
    """
    bias_bytes = np.dtype(get_format(format).bias_dtype).itemsize
    if rank is None:
        return matrix_n_bytes(format, n_in, n_out) + n_out * bias_bytes
    n_biases = rank if bias == "augment" else n_out
    return (
        matrix_n_bytes(format, n_in, rank)
        + matrix_n_bytes(format, rank, n_out)
        + n_biases * bias_bytes
    )


def total_params(layers):
    """Numbers stored by all of ``layers``: weights plus biases.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._network._costs import total_params
    >>> total_params([DenseLayer(np.ones((13, 10)), np.zeros(10), "tanh")])
    140
    """
    return sum(layer.n_params for layer in layers)


def total_bytes(layers):
    """Bytes of every array stored by all of ``layers``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._network._costs import total_bytes
    >>> total_bytes([DenseLayer(np.ones((13, 10)), np.zeros(10), "tanh")])
    1120
    """
    return sum(layer.n_bytes for layer in layers)
