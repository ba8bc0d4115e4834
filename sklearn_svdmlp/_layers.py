"""The layer types a compressed network is made of, and what each one costs.

Every layer type carries all of its own behaviour: the forward pass, the
forward pass that remembers what backpropagation needs and the backward pass
itself, its trainable arrays, its parameter and multiply-add counts, its
summary cells and its ONNX nodes. The network, fine-tuning, the summary and
the ONNX converter only call these methods, so a new layer type is one new
class here. The cost formulas are also what rank selection asks before a
layer is built.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from ._compat import ACTIVATIONS


def dense_n_params(n_in, n_out):
    """Weights plus biases of a dense ``n_in -> n_out`` layer.

    Examples
    --------
    >>> from sklearn_svdmlp._layers import dense_n_params
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
    >>> from sklearn_svdmlp._layers import factored_n_params
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
    >>> from sklearn_svdmlp._layers import total_params
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
    >>> from sklearn_svdmlp._layers import total_bytes
    >>> total_bytes([DenseLayer(np.ones((13, 10)), np.zeros(10), "tanh")])
    1120
    """
    return sum(layer.n_bytes for layer in layers)


def _affine(X, weights, bias, out=None):
    """``X @ weights + bias`` (``bias`` may be ``None``), into ``out`` when given.

    ``X`` may be sparse; ``out`` is a C-contiguous array of the result's shape.
    """
    if not sp.issparse(X):
        result = np.matmul(X, weights, out=out)
    elif out is None:
        result = safe_sparse_dot(X, weights)
    else:
        out[...] = safe_sparse_dot(X, weights)
        result = out
    if bias is not None:
        result += bias
    return result


# Which arrays of a FactoredLayer (left, left_intercept, right, intercept) are
# weight matrices (alpha penalizes those, as MLPClassifier does its coefs_).
_FACTOR_IS_WEIGHT = (True, False, True, False)


def _activate(Z, activation):
    """Apply scikit-learn's MLP activation ``activation`` to ``Z`` in place."""
    ACTIVATIONS[activation](Z)
    return Z


class _Layer:
    """What every layer type computes the same way from its trainable arrays."""

    @property
    def n_params(self):
        """Numbers stored: weights plus biases."""
        return sum(array.size for array, _ in self.parameters())

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample: one per number of a weight matrix."""
        return sum(array.size for array, weight in self.parameters() if weight)

    @property
    def dtype(self):
        """Floating-point type of the weights."""
        return self.parameters()[0][0].dtype

    @property
    def n_bytes(self):
        """Bytes of every array stored, at its dtype."""
        return sum(array.nbytes for array, _ in self.parameters())

    def output_dtype(self, input_dtype):
        """The dtype :meth:`forward` returns for input of ``input_dtype``."""
        return np.result_type(input_dtype, self.dtype)

    def emit(self, builder, name):
        """Add the layer to a model being built for another runtime.

        ``builder`` (the ONNX graph of :mod:`sklearn_svdmlp.onnx`, or the C
        program of :func:`~sklearn_svdmlp.export_c`) offers
        ``affine(name, weights, bias, scales)``, which applies one weight
        matrix kept in its stored format, and ``activation(name, function)``;
        both return the name of their output, as this does.
        """
        for weights, bias, scales in self.affine_steps():
            name = builder.affine(name, weights, bias, scales)
        return builder.activation(name, self.activation)


@dataclass(eq=False)
class DenseLayer(_Layer):
    """A dense layer ``activation(X @ coef + intercept)``.

    Parameters
    ----------
    coef : ndarray of shape (n_in, n_out)
        Weight matrix.
    intercept : ndarray of shape (n_out,)
        Bias.
    activation : str
        Name of the activation in scikit-learn's MLP (``"identity"``,
        ``"logistic"``, ``"tanh"``, ``"relu"``, ``"softmax"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> layer = DenseLayer(np.ones((3, 2)), np.zeros(2), "relu")
    >>> layer.n_params, layer.n_multiply_adds, layer.shape
    (8, 6, (3, 2))
    >>> layer.forward(np.ones((1, 3)))
    array([[3., 3.]])
    """

    coef: np.ndarray
    intercept: np.ndarray
    activation: str

    rank = None

    @property
    def shape(self):
        """``(n_in, n_out)``."""
        return self.coef.shape

    @property
    def widths(self):
        """Widths of the arrays the forward pass produces, in order."""
        return (self.coef.shape[1],)

    def forward(self, X, buffers=None):
        """Apply the layer to ``X``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_in)
            The layer's input (never written to).
        buffers : list of ndarray, default=None
            One C-contiguous array per entry of :attr:`widths`, of shape
            ``(n_samples, width)`` and the result's dtype, to compute into
            instead of allocating; the last one receives the output.

        Returns
        -------
        output : ndarray of shape (n_samples, n_out)
        """
        (out,) = buffers or (None,)
        return _activate(_affine(X, self.coef, self.intercept, out), self.activation)

    def forward_for_training(self, X):
        """The output, and what :meth:`backward` needs: the input."""
        return self.forward(X), X

    def parameters(self):
        """Trainable arrays (not copies), each with whether it is a weight matrix.

        Weight matrices are what ``alpha`` penalizes and what multiplies.
        """
        return [(self.coef, True), (self.intercept, False)]

    def backward(self, saved, delta, input_delta=True):
        """Gradients of the loss, given ``delta``, its gradient at the pre-activations.

        Parameters
        ----------
        saved : object
            What :meth:`forward_for_training` returned beside the output.
        delta : ndarray of shape (n_samples, n_out)
        input_delta : bool, default=True
            Whether to compute the gradient at the layer's input (not needed
            for the first layer).

        Returns
        -------
        gradients : list of ndarray
            One per array of :meth:`parameters`, in the same order.
        input_delta : ndarray of shape (n_samples, n_in) or None
            The gradient at the layer's input.
        """
        X = saved
        gradients = [safe_sparse_dot(X.T, delta), delta.sum(axis=0)]
        return gradients, delta @ self.coef.T if input_delta else None

    def copy(self):
        """A copy with its own arrays."""
        return DenseLayer(self.coef.copy(), self.intercept.copy(), self.activation)

    def affine_steps(self):
        """The weight matrices applied in turn: ``(weights, bias, scales)`` each."""
        return [(self.coef, self.intercept, None)]

    def summary_cells(self):
        """Kind, shape and rank, as the summary table shows them."""
        n_in, n_out = self.shape
        return "dense", f"{n_in} x {n_out}", "-"


@dataclass(eq=False)
class FactoredLayer(_Layer):
    """A layer ``activation((X @ left + left_intercept) @ right + intercept)``.

    The weight matrix is stored as two thin factors and never rebuilt: the
    forward pass is two thin matrix products.

    Parameters
    ----------
    left : ndarray of shape (n_in, rank)
        ``U_r S_r``: the left singular vectors scaled by the singular values.
    left_intercept : ndarray of shape (rank,) or None
        The bias folded into the factors (``bias="augment"``), else ``None``.
    right : ndarray of shape (rank, n_out)
        ``V_r^T``.
    intercept : ndarray of shape (n_out,) or None
        The layer's own bias (``bias="separate"``), else ``None``.
    activation : str
        Name of the activation, as for :class:`DenseLayer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import FactoredLayer
    >>> layer = FactoredLayer(np.ones((3, 1)), None, np.ones((1, 2)), np.zeros(2),
    ...                       "identity")
    >>> layer.rank, layer.n_params, layer.n_multiply_adds
    (1, 7, 5)
    >>> layer.forward(np.ones((1, 3)))
    array([[3., 3.]])
    """

    left: np.ndarray
    left_intercept: np.ndarray | None
    right: np.ndarray
    intercept: np.ndarray | None
    activation: str

    @property
    def shape(self):
        """``(n_in, n_out)`` of the layer the factors replace."""
        return self.left.shape[0], self.right.shape[1]

    @property
    def rank(self):
        """Inner dimension of the factors."""
        return self.left.shape[1]

    @property
    def widths(self):
        """Widths of the arrays the forward pass produces: inner, then output."""
        return (self.left.shape[1], self.right.shape[1])

    def forward(self, X, buffers=None):
        """Apply the layer to ``X``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_in)
            The layer's input (never written to).
        buffers : list of ndarray, default=None
            Two C-contiguous arrays, of shapes ``(n_samples, rank)`` and
            ``(n_samples, n_out)`` (see :attr:`widths`) and the result's
            dtype, for the inner activation and the output, to compute into
            instead of allocating.

        Returns
        -------
        output : ndarray of shape (n_samples, n_out)
        """
        inner_out, out = buffers or (None, None)
        inner = _affine(X, self.left, self.left_intercept, inner_out)
        return _activate(
            _affine(inner, self.right, self.intercept, out), self.activation
        )

    def forward_for_training(self, X):
        """The output, and what :meth:`backward` needs: input and inner activation."""
        inner = _affine(X, self.left, self.left_intercept)
        output = _activate(_affine(inner, self.right, self.intercept), self.activation)
        return output, (X, inner)

    def _arrays(self):
        return self.left, self.left_intercept, self.right, self.intercept

    def parameters(self):
        """Trainable arrays (not copies), each with whether it is a weight matrix.

        Both factors are, the biases are not; a bias that is ``None`` is not
        stored, so not listed.
        """
        return [
            (array, weight)
            for array, weight in zip(self._arrays(), _FACTOR_IS_WEIGHT, strict=True)
            if array is not None
        ]

    def backward(self, saved, delta, input_delta=True):
        """Gradients of the loss, given ``delta``, its gradient at the pre-activations.

        See :meth:`DenseLayer.backward`.
        """
        X, inner = saved
        inner_delta = delta @ self.right.T
        gradients = (
            safe_sparse_dot(X.T, inner_delta),
            inner_delta.sum(axis=0),
            inner.T @ delta,
            delta.sum(axis=0),
        )
        kept = [
            gradient
            for array, gradient in zip(self._arrays(), gradients, strict=True)
            if array is not None
        ]
        return kept, inner_delta @ self.left.T if input_delta else None

    def copy(self):
        """A copy with its own arrays."""
        return FactoredLayer(
            *(None if array is None else array.copy() for array in self._arrays()),
            self.activation,
        )

    def affine_steps(self):
        """The weight matrices applied in turn: ``(weights, bias, scales)`` each."""
        return [
            (self.left, self.left_intercept, None),
            (self.right, self.intercept, None),
        ]

    def summary_cells(self):
        """Kind, shape and rank, as the summary table shows them."""
        n_in, n_out = self.shape
        return "factored", f"{n_in} x {self.rank} x {n_out}", str(self.rank)


@dataclass(eq=False)
class QuantizedLayer(_Layer):
    """A dense or factored layer whose weight matrices are stored in fewer bits.

    It applies its weight matrices in turn (one for a dense layer, the two
    factors for a factored one), each followed by its bias, then the
    activation: ``activation(((X @ W_1 + b_1) @ W_2) + b_2)``. Each matrix is
    stored as float32, float16, or int8 with one float32 scale per column
    (it stands for ``weights * scales``); biases are float32. The forward
    pass computes in float32 from exactly these values. Made by the
    ``quantize`` parameter of the estimators; not trained further.

    Parameters
    ----------
    weights : list of ndarray
        The stored matrices, of dtype float32, float16 or int8.
    scales : list of (ndarray or None)
        Per matrix, its per-column float32 scales (int8), else ``None``.
    biases : list of (ndarray or None)
        Per matrix, the float32 bias added after it, or ``None``.
    activation : str
        Name of the activation, as for :class:`DenseLayer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import QuantizedLayer
    >>> layer = QuantizedLayer(
    ...     [np.array([[100, -127]], dtype=np.int8)],
    ...     [np.array([0.01, 0.02], dtype=np.float32)],
    ...     [np.zeros(2, dtype=np.float32)],
    ...     "identity",
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

    @property
    def shape(self):
        """``(n_in, n_out)``."""
        return self.weights[0].shape[0], self.weights[-1].shape[1]

    @property
    def rank(self):
        """Inner dimension of the factors, or ``None`` for a dense layer."""
        return self.weights[0].shape[1] if len(self.weights) > 1 else None

    @property
    def format(self):
        """How the weights are stored: ``"float32"``, ``"float16"`` or ``"int8"``."""
        return self.weights[0].dtype.name

    @property
    def dtype(self):
        """Floating-point type of the computation: float32."""
        return np.dtype(np.float32)

    @property
    def widths(self):
        """Widths of the arrays the forward pass produces, in order."""
        return tuple(weights.shape[1] for weights in self.weights)

    def output_dtype(self, input_dtype):
        """float32, whatever the input: the layer computes in float32."""
        return np.dtype(np.float32)

    @property
    def n_bytes(self):
        """Bytes of every array stored: weights, scales and biases."""
        arrays = [*self.weights, *self.scales, *self.biases]
        return sum(array.nbytes for array in arrays if array is not None)

    def parameters(self):
        """The stored weights and biases, each with whether it is a weight matrix.

        Counted as parameters and multiply-adds (the scales are not); a
        quantized layer is not trained.
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
        X = X.astype(np.float32, copy=False)
        buffers = buffers or [None] * len(self.weights)
        for weights, scales, bias, out in zip(
            self.weights, self.scales, self.biases, buffers, strict=True
        ):
            X = _affine(X, weights.astype(np.float32, copy=False), None, out)
            if scales is not None:
                X *= scales
            if bias is not None:
                X += bias
        return _activate(X, self.activation)

    def copy(self):
        """A copy with its own arrays."""
        return QuantizedLayer(
            *(
                [None if array is None else array.copy() for array in arrays]
                for arrays in (self.weights, self.scales, self.biases)
            ),
            self.activation,
        )

    def affine_steps(self):
        """The weight matrices applied in turn: ``(weights, bias, scales)`` each."""
        return list(zip(self.weights, self.biases, self.scales, strict=True))

    def summary_cells(self):
        """Kind, shape and rank, as the summary table shows them."""
        n_in, n_out = self.shape
        if self.rank is None:
            return f"dense {self.format}", f"{n_in} x {n_out}", "-"
        shape = f"{n_in} x {self.rank} x {n_out}"
        return f"factored {self.format}", shape, str(self.rank)


def mlp_layers(mlp):
    """A fitted multi-layer perceptron's own layers, as :class:`DenseLayer` objects.

    The arrays are the network's own (not copied): nothing here writes to them.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp._layers import mlp_layers
    >>> X, y = load_iris(return_X_y=True)
    >>> mlp = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    >>> [(layer.shape, layer.activation) for layer in mlp_layers(mlp)]
    [((4, 5), 'relu'), ((5, 3), 'softmax')]
    """
    last = len(mlp.coefs_) - 1
    return [
        DenseLayer(
            coef, intercept, mlp.out_activation_ if i == last else mlp.activation
        )
        for i, (coef, intercept) in enumerate(
            zip(mlp.coefs_, mlp.intercepts_, strict=True)
        )
    ]
