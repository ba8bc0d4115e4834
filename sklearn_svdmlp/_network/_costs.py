"""What a layer costs: parameters and bytes, from shapes or from layers.

The formulas are what rank selection asks before a layer is built; the
totals add up what built layers report.
"""


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
