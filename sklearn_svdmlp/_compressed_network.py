"""The compressed network: its layers, forward pass and cost counts.

Parameter and multiply-add counts live here and nowhere else: the rank
selection asks these formulas what a layer would cost before it is built.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.neural_network._base import ACTIVATIONS
from sklearn.utils.extmath import safe_sparse_dot


def dense_n_params(n_in, n_out):
    """Weights plus biases of a dense ``n_in -> n_out`` layer.

    Examples
    --------
    >>> from sklearn_svdmlp._compressed_network import dense_n_params
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
    >>> from sklearn_svdmlp._compressed_network import factored_n_params
    >>> factored_n_params(13, 10, rank=2, bias="augment")
    48
    """
    if bias == "augment":
        return rank * (n_in + 1 + n_out)
    return rank * (n_in + n_out) + n_out


@dataclass(eq=False)
class DenseLayer:
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
    def n_params(self):
        """Numbers stored: weights plus biases."""
        return self.coef.size + self.intercept.size

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample."""
        return self.coef.size

    def forward(self, X, inner=None):
        """Apply the layer to ``X`` (dense or sparse); returns a new array.

        ``inner`` is accepted for symmetry with :meth:`FactoredLayer.forward`.
        """
        output = safe_sparse_dot(X, self.coef)
        output += self.intercept
        ACTIVATIONS[self.activation](output)
        return output


@dataclass(eq=False)
class FactoredLayer:
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
    def n_params(self):
        """Numbers stored: both factors plus whichever biases are kept."""
        return sum(
            array.size
            for array in (self.left, self.left_intercept, self.right, self.intercept)
            if array is not None
        )

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample: ``rank * (n_in + n_out)``."""
        return self.left.size + self.right.size

    def forward(self, X, inner=None):
        """Apply the layer to ``X`` (dense or sparse); returns a new array.

        If ``inner`` is a list, the inner activation ``X @ left +
        left_intercept`` is appended to it (backpropagation needs it).
        """
        hidden = safe_sparse_dot(X, self.left)
        if self.left_intercept is not None:
            hidden += self.left_intercept
        if inner is not None:
            inner.append(hidden)
        output = hidden @ self.right
        if self.intercept is not None:
            output += self.intercept
        ACTIVATIONS[self.activation](output)
        return output


@dataclass(eq=False)
class CompressedNetwork:
    """A stack of :class:`DenseLayer` and :class:`FactoredLayer`.

    Parameters
    ----------
    layers : list of DenseLayer or FactoredLayer
        In order from input to output; each applies its own activation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import CompressedNetwork, DenseLayer
    >>> network = CompressedNetwork([
    ...     DenseLayer(np.ones((3, 2)), np.zeros(2), "relu"),
    ...     DenseLayer(np.ones((2, 2)), np.zeros(2), "softmax"),
    ... ])
    >>> network.n_params, network.n_multiply_adds
    (14, 10)
    >>> network.forward(np.ones((1, 3)))
    array([[0.5, 0.5]])
    """

    layers: list

    def forward(self, X):
        """Output of the last layer for ``X`` (dense or sparse)."""
        output = X
        for layer in self.layers:
            output = layer.forward(output)
        return output

    @property
    def n_params(self):
        """Numbers stored in all layers."""
        return sum(layer.n_params for layer in self.layers)

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample through all layers."""
        return sum(layer.n_multiply_adds for layer in self.layers)


def network_from_mlp(mlp):
    """The fitted ``MLPClassifier``'s own layers as a :class:`CompressedNetwork`.

    The arrays are the network's own (not copied): nothing here writes to them.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp._compressed_network import network_from_mlp
    >>> X, y = load_iris(return_X_y=True)
    >>> mlp = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    >>> [layer.shape for layer in network_from_mlp(mlp).layers]
    [(4, 5), (5, 3)]
    """
    n_weight_matrices = len(mlp.coefs_)
    return CompressedNetwork(
        [
            DenseLayer(
                coef,
                intercept,
                mlp.out_activation_ if i == n_weight_matrices - 1 else mlp.activation,
            )
            for i, (coef, intercept) in enumerate(
                zip(mlp.coefs_, mlp.intercepts_, strict=True)
            )
        ]
    )
