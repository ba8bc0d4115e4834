"""The layer types a compressed network is made of.

Every layer type carries all of its own behaviour: the forward pass, the
forward pass that remembers what backpropagation needs and the backward pass
itself, its trainable arrays, its parameter, byte and multiply-add counts,
its summary cells, and the affine steps (each weight matrix, as it is stored)
that the C writer and the ONNX converter write through :meth:`_Layer.emit`.
The network, fine-tuning, the summary and the exports only call these
methods, so a new layer type is one new class. Layers stored in fewer bits
are in :mod:`._quantized`.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from .._compat import ACTIVATIONS
from .._formats import StorageFormat, float_format
from ._inputs import InputSelection, input_width, read_columns
from ._output import OutputSpec


class AffineStep(NamedTuple):
    """One weight matrix of a layer, as it is stored, and the bias after it.

    The step computes ``(X @ format.as_float(values, scales)) * scales + bias``
    (without ``scales`` or ``bias`` where they are ``None``), ``X`` being the
    columns of its input that ``inputs`` reads (all of them where it is
    ``None``; only a network's first step reads fewer).
    """

    format: StorageFormat
    values: np.ndarray
    scales: np.ndarray | None
    bias: np.ndarray | None
    inputs: InputSelection | None = None


def affine(X, weights, bias, out=None):
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


def activate(Z, activation):
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
        """Bytes of every array stored: each matrix as its format counts it, biases.

        And the runs of the inputs read, where a first matrix skips some.
        """
        return sum(
            step.format.n_bytes(step.values, step.scales)
            + (0 if step.bias is None else step.bias.nbytes)
            + (0 if step.inputs is None else step.inputs.n_bytes)
            for step in self.affine_steps()
        )

    def output_dtype(self, input_dtype):
        """The dtype :meth:`forward` returns for input of ``input_dtype``."""
        return np.result_type(input_dtype, self.dtype)

    def emit(self, builder, name):
        """Add the layer to a model being built for another runtime.

        ``builder`` (the ONNX graph of :mod:`sklearn_svdmlp.onnx`, or the C
        model of :func:`~sklearn_svdmlp.export_c`) offers
        ``affine(name, step)``, which applies one :class:`AffineStep`, and
        ``activation(name, function)``; both return the name of their
        output, as this does.
        """
        for step in self.affine_steps():
            name = builder.affine(name, step)
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
    inputs : InputSelection or None, default=None
        The features of the input it reads (the rows of ``coef`` are
        theirs), for a first layer that reads only some; ``None``: all.

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
    inputs: InputSelection | None = None

    rank = None

    @property
    def shape(self):
        """``(n_in, n_out)``, ``n_in`` counting the features not read."""
        return input_width(self.inputs, self.coef), self.coef.shape[1]

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
        X = read_columns(self.inputs, X)
        return activate(affine(X, self.coef, self.intercept, out), self.activation)

    def forward_for_training(self, X):
        """The output, and what :meth:`backward` needs: the input (as read)."""
        return self.forward(X), read_columns(self.inputs, X)

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
        inputs = None if self.inputs is None else self.inputs.copy()
        return DenseLayer(
            self.coef.copy(), self.intercept.copy(), self.activation, inputs
        )

    def affine_steps(self):
        """The weight matrices applied in turn, as :class:`AffineStep` objects."""
        format = float_format(self.coef.dtype)
        return [AffineStep(format, self.coef, None, self.intercept, self.inputs)]

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
    inputs : InputSelection or None, default=None
        The features read, as for :class:`DenseLayer` (the rows of ``left``).

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
    inputs: InputSelection | None = None

    @property
    def shape(self):
        """``(n_in, n_out)`` of the layer the factors replace (all features)."""
        return input_width(self.inputs, self.left), self.right.shape[1]

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
        X = read_columns(self.inputs, X)
        inner = affine(X, self.left, self.left_intercept, inner_out)
        return activate(affine(inner, self.right, self.intercept, out), self.activation)

    def forward_for_training(self, X):
        """The output, and what :meth:`backward` needs: input read, inner activation."""
        X = read_columns(self.inputs, X)
        inner = affine(X, self.left, self.left_intercept)
        output = activate(affine(inner, self.right, self.intercept), self.activation)
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
            None if self.inputs is None else self.inputs.copy(),
        )

    def affine_steps(self):
        """The weight matrices applied in turn, as :class:`AffineStep` objects."""
        format = float_format(self.left.dtype)
        return [
            AffineStep(format, self.left, None, self.left_intercept, self.inputs),
            AffineStep(format, self.right, None, self.intercept),
        ]

    def summary_cells(self):
        """Kind, shape and rank, as the summary table shows them."""
        n_in, n_out = self.shape
        return "factored", f"{n_in} x {self.rank} x {n_out}", str(self.rank)


def mlp_layers(mlp):
    """A fitted multi-layer perceptron's own layers, as :class:`DenseLayer` objects.

    The arrays are the network's own (not copied): nothing here writes to them.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp._network import mlp_layers
    >>> X, y = load_iris(return_X_y=True)
    >>> mlp = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    >>> [(layer.shape, layer.activation) for layer in mlp_layers(mlp)]
    [((4, 5), 'relu'), ((5, 3), 'softmax')]
    """
    last = len(mlp.coefs_) - 1
    output = OutputSpec.of_network(mlp).activation
    return [
        DenseLayer(coef, intercept, output if i == last else mlp.activation)
        for i, (coef, intercept) in enumerate(
            zip(mlp.coefs_, mlp.intercepts_, strict=True)
        )
    ]
