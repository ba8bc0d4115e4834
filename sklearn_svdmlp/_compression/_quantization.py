"""Storing a compressed model's weight matrices in a storage format.

What each format does to a matrix is the format's own business
(:mod:`sklearn_svdmlp._formats`); here every matrix of a model, a
truncation's head included, is stored in one, its integers rounded to
nearest or chosen on the training data (:mod:`._rounding`). The first
matrix does not keep the rows of features constant on the training data,
where that saves bytes: each such feature adds the same amount to every
sample, which goes into a bias
(:class:`~sklearn_svdmlp._network.InputSelection`).
"""

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from .._formats import SymmetricIntegerFormat, get_format
from .._network import (
    CompressedNetwork,
    InputSelection,
    QuantizedLayer,
    constant_features,
    head_adapter,
)
from ._integer import integer_model
from ._rounding import MAX_INPUTS, inputs_rounding_order, ordered_integers

ROUNDINGS = ("nearest", "data-aware")


def quantize_layer(
    layer,
    format,
    X=None,
    *,
    skip_constant=False,
    rounding="nearest",
    sample_weight=None,
):
    """A :class:`QuantizedLayer` storing ``layer``'s weight matrices in ``format``.

    Parameters
    ----------
    layer : DenseLayer or FactoredLayer
    format : str
        A registered storage format (what ``quantize`` takes).
    X : {ndarray, sparse matrix} of shape (n_samples, n_in), default=None
        The layer's inputs on the training data, for the options below.
    skip_constant : bool, default=False
        Whether the features constant on ``X`` are not stored, where that
        takes fewer bytes (their runs cost 8 bytes each): their weights
        times their value go into a bias (the first matrix's, or through the
        second, as stored, into its bias).
    rounding : {"nearest", "data-aware"}, default="nearest"
        For an integer format, with ``X``: each weight rounded to nearest,
        or the integers that keep the outputs on ``X`` closest
        (:func:`~sklearn_svdmlp._compression._rounding.data_aware_integers`),
        each matrix on its own inputs as stored (a matrix of more than 4,096
        inputs is rounded to nearest).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows of ``X`` in data-aware rounding.

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
    if not (isinstance(storage, SymmetricIntegerFormat) and rounding == "data-aware"):
        sample_weight, rounding = None, "nearest"
    steps = layer.affine_steps()
    read = inputs_read(layer, format, X) if skip_constant else None
    added = None
    if read is not None:
        # What the constant features add to the first matrix's output.
        row = X[:1].toarray() if sp.issparse(X) else np.asarray(X[:1])
        added = row[0, ~read].astype(np.float64) @ steps[0].values[~read]
        steps[0] = _reading(steps[0], read)
        X = steps[0].inputs.take(X)
    data = X if rounding == "data-aware" else None
    return _quantized(steps, layer.activation, storage, data, sample_weight, added)


def inputs_read(layer, format, X):
    """The mask of the inputs ``layer``'s first matrix keeps, stored in ``format``.

    ``None`` (every input) unless some features are constant on ``X`` and
    not storing their rows takes fewer bytes, runs counted. Bytes depend on
    shapes only, so the layer is stored both ways rounded to nearest.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression._quantization import inputs_read
    >>> layer = DenseLayer(np.ones((3, 16)), np.zeros(16), "relu")
    >>> X = np.array([[1.0, 0.0, 5.0], [2.0, 1.0, 5.0]])
    >>> inputs_read(layer, "int8", X).tolist()  # 16 bytes of row for 8 of run
    [True, True, False]
    """
    if X is None or X.shape[0] == 0:
        return None
    constant = constant_features(X)
    if not constant.any():
        return None
    storage, steps = get_format(format), layer.affine_steps()
    kept = _quantized(steps, layer.activation, storage)
    added = np.zeros(steps[0].values.shape[1])
    steps[0] = _reading(steps[0], ~constant)
    skipping = _quantized(steps, layer.activation, storage, added=added)
    return ~constant if skipping.n_bytes < kept.n_bytes else None


def _reading(step, read):
    """``step`` (a first one) keeping only the rows of the inputs ``read``."""
    return step._replace(values=step.values[read], inputs=InputSelection.of_mask(read))


def _quantized(steps, activation, storage, H=None, sample_weight=None, added=None):
    """The :class:`QuantizedLayer` of float ``steps``, stored in ``storage``.

    With inputs ``H`` (what the first step reads), the integers are chosen
    on them, each step's on its inputs as stored. ``added`` is added to the
    first step's output: into its bias, or, where it has none, through the
    next step as stored into that one's.
    """
    weights, scales, biases = [], [], []
    for k, step in enumerate(steps):
        if H is None or H.shape[1] > MAX_INPUTS:
            values, step_scales = storage.store(step.values)
        else:
            order = inputs_rounding_order(H, sample_weight)
            q, step_scales = ordered_integers(step.values, order, storage)
            values = storage.encode(q)
        matrix = storage.as_float(values, step_scales).astype(np.float64)
        if step_scales is not None:
            matrix = matrix * step_scales
        bias = None if step.bias is None else np.asarray(step.bias, np.float64)
        if added is not None and (k > 0 or bias is not None or len(steps) == 1):
            shift = added @ matrix if k > 0 else added
            bias, added = shift if bias is None else bias + shift, None
        if H is not None and k + 1 < len(steps):
            H = H @ matrix + (0 if bias is None else bias)
            H = H if added is None else H + added
        weights.append(values)
        scales.append(step_scales)
        biases.append(None if bias is None else np.asarray(bias, storage.bias_dtype))
    return QuantizedLayer(
        weights, scales, biases, activation, storage.name, steps[0].inputs
    )


def as_stored(layers, formats, read=None):
    """The arrays of :func:`parameters` of ``layers`` as stored in ``formats``.

    Each weight matrix rounded to nearest in its layer's format and read
    back (biases as they are: float32 changes them by far less), what the
    stored model computes with; the first matrix only in the rows of
    ``read`` (a mask of the inputs not constant on the training data, whose
    weights the stored model folds into a bias), the others as they are.
    Fine-tuning computes with these and updates the float arrays
    (straight-through).

    Parameters
    ----------
    layers : list of DenseLayer or FactoredLayer
    formats : list of str
        One per layer.
    read : ndarray of bool or None, default=None

    Returns
    -------
    arrays : list of ndarray
    """
    arrays, first = [], True
    for layer, format in zip(layers, formats, strict=True):
        storage = get_format(format)
        for array, is_weight in layer.parameters():
            if not is_weight:
                arrays.append(array)
            elif first and read is not None and not read.all():
                stored = array.copy()
                stored[read] = storage.round_trip(array[read])
                arrays.append(stored)
            else:
                arrays.append(storage.round_trip(array))
            first = first and not is_weight
    return arrays


def stored_model(
    model,
    format,
    spec,
    integer_only=False,
    X=None,
    sample_weight=None,
    rounding="data-aware",
):
    """``model`` as it is stored: in ``format`` (``None``: as it is).

    ``format`` is one format for every layer, or a sequence of one per layer
    (the head's included). The training data ``X`` (its rows whose
    ``sample_weight`` is not 0) say which inputs are constant (not stored),
    choose the integers of a
    ``"data-aware"`` ``rounding`` and, with ``integer_only``, calibrate the
    network that computes with integers only
    (:func:`~sklearn_svdmlp._compression._integer.integer_model`).
    """
    if format is None:
        return model
    if X is not None and sample_weight is not None:
        kept = np.asarray(sample_weight) > 0
        X, sample_weight = X[kept], np.asarray(sample_weight)[kept]
    model = quantize_model(
        model, format, spec.n_outputs, X, rounding=rounding, sample_weight=sample_weight
    )
    if not integer_only:
        return model
    return integer_model(model, X, spec)


def quantize_model(
    model, format, n_outputs, X=None, *, rounding="nearest", sample_weight=None
):
    """``model`` with every weight matrix stored in ``format``, head included.

    A head is stored as layers at the end of the network (it must be one
    whose layers compute its output), so that the model is one quantized
    network.

    Parameters
    ----------
    model : CompressedModel
    format : str or sequence of str
        One format for every layer, or one per layer (a head's included).
    n_outputs : int
        Outputs the network's last layer has: a head must give as many.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features), default=None
        The training data: features constant on it are not stored, and a
        data-aware rounding chooses each layer's integers on its inputs, the
        layers before it as stored (see :func:`quantize_layer`).
    rounding : {"nearest", "data-aware"}, default="nearest"
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    model : CompressedModel
    """
    layers = list(model.network.layers)
    if model.head is not None:
        layers += head_adapter(model.head).require_layers(
            f"quantize={format!r} with method='truncated'", n_outputs, exact=True
        )
    formats = [format] * len(layers) if isinstance(format, str) else list(format)
    if len(formats) != len(layers):
        raise ValueError(
            f"{len(formats)} formats for a network of {len(layers)} layers."
        )
    stored, H = [], X
    for index, (layer, layer_format) in enumerate(zip(layers, formats, strict=True)):
        stored.append(
            quantize_layer(
                layer,
                layer_format,
                H,
                skip_constant=index == 0,
                rounding=rounding,
                sample_weight=sample_weight,
            )
        )
        if rounding == "data-aware" and H is not None:
            H = stored[-1].forward(H).astype(np.float64)
        else:
            H = None
    return replace(model, network=CompressedNetwork(stored), head=None)
