"""A layer whose weight matrices are kept in a storage format, used as stored."""

from dataclasses import dataclass

import numpy as np

from .._formats import get_format
from ._inputs import InputSelection
from ._layers import AffineStep, _Layer, activate, affine


@dataclass(eq=False)
class QuantizedLayer(_Layer):
    """A dense or factored layer whose weight matrices are stored in fewer bits.

    It applies its weight matrices in turn (one for a dense layer, the two
    factors for a factored one), each followed by its bias, then the
    activation: ``activation(((X @ W_1 + b_1) @ W_2) + b_2)``. Each matrix is
    kept in the storage ``format`` (float32, float16, int8 with one float32
    scale per column: it stands for ``weights * scales``, or any format
    registered); biases in the format's ``bias_dtype`` (float32). The
    forward pass computes in float32 from exactly these values. Made by the
    ``quantize`` parameter of the estimators; not trained further.

    Parameters
    ----------
    weights : list of ndarray
        The stored matrices, as ``format`` stores them.
    scales : list of (ndarray or None)
        Per matrix, its per-column float32 scales (int8), else ``None``.
    biases : list of (ndarray or None)
        Per matrix, the float32 bias added after it, or ``None``.
    activation : str
        Name of the activation, as for :class:`DenseLayer`.
    format : str
        The storage format of every matrix, by name: what ``quantize`` takes
        (``"float32"``, ``"float16"``, ``"int8"``, ``"int4"`` or a
        registered format).
    inputs : InputSelection or None, default=None
        The input features the first matrix reads (its rows are theirs), for
        a first layer that skips features constant on the training data;
        ``None``: every one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import QuantizedLayer
    >>> layer = QuantizedLayer(
    ...     [np.array([[100, -127]], dtype=np.int8)],
    ...     [np.array([0.01, 0.02], dtype=np.float32)],
    ...     [np.zeros(2, dtype=np.float32)],
    ...     "identity",
    ...     format="int8",
    ... )
    >>> layer.forward(np.ones((1, 1)))
    array([[ 1.  , -2.54]], dtype=float32)
    >>> layer.n_params, layer.n_bytes  # 2 weights and 2 biases; + 2 scales
    (4, 18)
    """

    weights: list
    scales: list
    biases: list
    activation: str
    format: str
    inputs: InputSelection | None = None

    @property
    def storage(self):
        """The :class:`~sklearn_svdmlp._formats.StorageFormat` of the weights."""
        return get_format(self.format)

    def _shapes(self):
        """The ``(n_in, n_out)`` of each matrix the stored weights stand for."""
        storage = self.storage
        return [
            storage.shape(weights, scales)
            for weights, scales in zip(self.weights, self.scales, strict=True)
        ]

    @property
    def shape(self):
        """``(n_in, n_out)``."""
        shapes = self._shapes()
        n_in = shapes[0][0] if self.inputs is None else self.inputs.n_features
        return n_in, shapes[-1][1]

    @property
    def rank(self):
        """Inner dimension of the factors, or ``None`` for a dense layer."""
        return self._shapes()[0][1] if len(self.weights) > 1 else None

    @property
    def dtype(self):
        """Floating-point type of the computation: float32."""
        return np.dtype(np.float32)

    @property
    def widths(self):
        """Widths of the arrays the forward pass produces, in order."""
        return tuple(n_out for _, n_out in self._shapes())

    def output_dtype(self, input_dtype):
        """float32, whatever the input: the layer computes in float32."""
        return np.dtype(np.float32)

    @property
    def n_params(self):
        """Numbers stored: the weights each matrix stands for, and the biases."""
        return self.n_multiply_adds + sum(
            bias.size for bias in self.biases if bias is not None
        )

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample: one per weight."""
        return sum(n_in * n_out for n_in, n_out in self._shapes())

    def parameters(self):
        """The stored weights and biases, each with whether it is a weight matrix.

        A quantized layer is not trained; the scales are not listed.
        """
        weights = [(weights, True) for weights in self.weights]
        biases = [(bias, False) for bias in self.biases if bias is not None]
        return weights + biases

    def forward(self, X, buffers=None):
        """Apply the layer to ``X``, in float32.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_in)
            The layer's input (never written to).
        buffers : list of ndarray, default=None
            One C-contiguous float32 array per entry of :attr:`widths`, to
            compute into; the last one receives the output.

        Returns
        -------
        output : ndarray of shape (n_samples, n_out), float32
        """
        if self.inputs is not None:
            X = self.inputs.take(X)
        X = X.astype(np.float32, copy=False)
        buffers = buffers or [None] * len(self.weights)
        for step, out in zip(self.affine_steps(), buffers, strict=True):
            X = affine(X, step.format.as_float(step.values, step.scales), None, out)
            if step.scales is not None:
                X *= step.scales
            if step.bias is not None:
                X += step.bias
        return activate(X, self.activation)

    def copy(self):
        """A copy with its own arrays."""
        return QuantizedLayer(
            *(
                [None if array is None else array.copy() for array in arrays]
                for arrays in (self.weights, self.scales, self.biases)
            ),
            self.activation,
            self.format,
            None if self.inputs is None else self.inputs.copy(),
        )

    def affine_steps(self):
        """The weight matrices applied in turn, as :class:`AffineStep` objects."""
        storage = self.storage
        return [
            AffineStep(storage, weights, scales, bias, self.inputs if k == 0 else None)
            for k, (weights, scales, bias) in enumerate(
                zip(self.weights, self.scales, self.biases, strict=True)
            )
        ]

    def summary_cells(self):
        """Kind, shape and rank, as the summary table shows them."""
        n_in, n_out = self.shape
        if self.rank is None:
            return f"dense {self.format}", f"{n_in} x {n_out}", "-"
        shape = f"{n_in} x {self.rank} x {n_out}"
        return f"factored {self.format}", shape, str(self.rank)
