"""The compressed network: its layers, forward pass and cost counts.

Parameter and multiply-add counts live here and nowhere else: the rank
selection asks these formulas what a layer would cost before it is built.
"""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.neural_network._base import ACTIVATIONS
from sklearn.utils.extmath import safe_sparse_dot
from threadpoolctl import ThreadpoolController

_THREAD_LIMITS = threading.Lock()


@functools.cache
def _blas_controller():
    """BLAS thread control, made once: inspecting the loaded libraries is slow.

    Made on first use, when NumPy's BLAS is surely loaded (as scikit-learn's
    own ``_get_threadpool_controller`` does).
    """
    return ThreadpoolController().select(user_api="blas")


def _matmul(X, weights, out=None):
    """``X @ weights``, into ``out`` when given (``X`` dense), sparse ``X`` too."""
    if out is None:
        return safe_sparse_dot(X, weights)
    if sp.issparse(X):
        out[...] = safe_sparse_dot(X, weights)
        return out
    return np.matmul(X, weights, out=out)


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

    @property
    def dtype(self):
        """Floating-point type of the weights."""
        return self.coef.dtype

    @property
    def widths(self):
        """Widths of the arrays the forward pass produces, in order."""
        return (self.coef.shape[1],)

    def forward(self, X, inner=None, out=None):
        """Apply the layer to ``X`` (dense or sparse).

        ``out``, a C-contiguous array of shape ``(n_samples, n_out)`` and the
        result's dtype, receives the result instead of a new array. ``inner``
        is accepted for symmetry with :meth:`FactoredLayer.forward`.
        """
        output = _matmul(X, self.coef, out)
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

    @property
    def dtype(self):
        """Floating-point type of the factors."""
        return self.left.dtype

    @property
    def widths(self):
        """Widths of the arrays the forward pass produces: inner, then output."""
        return (self.left.shape[1], self.right.shape[1])

    def forward(self, X, inner=None, out=None, inner_out=None):
        """Apply the layer to ``X`` (dense or sparse).

        If ``inner`` is a list, the inner activation ``X @ left +
        left_intercept`` is appended to it (backpropagation needs it).
        ``out`` and ``inner_out`` are optional preallocated arrays for the
        result and the inner activation.
        """
        hidden = _matmul(X, self.left, inner_out)
        if self.left_intercept is not None:
            hidden += self.left_intercept
        if inner is not None:
            inner.append(hidden)
        output = _matmul(hidden, self.right, out)
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

    def forward(self, X, block_bytes=4 * 2**20):
        """Output of the last layer for ``X`` (dense or sparse).

        Large inputs go through in blocks of rows, each layer writing into a
        buffer reused from block to block and the last layer straight into
        the output: the intermediates stay in cache and nothing is allocated
        per block. ``block_bytes`` bounds the widest buffer. A batch of at
        least two blocks per thread is split over as many threads as BLAS may
        use, each running single-threaded BLAS on its own rows: thin
        products parallelise better that way than inside BLAS. Where BLAS is
        limited to one thread (as in joblib workers), it stays serial.
        """
        if not self.layers:
            return X
        n_samples = X.shape[0]
        dtype = np.result_type(X.dtype, *(layer.dtype for layer in self.layers))
        widths = [width for layer in self.layers for width in layer.widths]
        block = max(64, block_bytes // (max(widths) * dtype.itemsize))
        if n_samples <= block:
            output = X
            for layer in self.layers:
                output = layer.forward(output)
            return output
        if sp.issparse(X):
            X = X.tocsr()
        result = np.empty((n_samples, self.layers[-1].shape[1]), dtype=dtype)
        blas = _blas_controller()
        n_threads = min(
            max((lib.num_threads for lib in blas.lib_controllers), default=1),
            n_samples // (2 * block),
        )
        # BLAS thread limits are process-wide: only one call at a time may
        # change them. A call made meanwhile (from another thread) runs
        # serially and leaves them alone, so the limits always come back.
        if n_threads <= 1 or not _THREAD_LIMITS.acquire(blocking=False):
            self._forward_rows(X, result, 0, n_samples, block)
            return result
        try:
            self._forward_threaded(X, result, block, n_threads, blas)
        finally:
            _THREAD_LIMITS.release()
        return result

    def _forward_threaded(self, X, result, block, n_threads, blas):
        """Split the rows over ``n_threads`` threads with single-threaded BLAS."""
        n_samples = X.shape[0]
        with blas.limit(limits=1):
            bounds = np.linspace(0, n_samples, n_threads + 1).astype(int)
            with ThreadPoolExecutor(n_threads) as pool:
                list(
                    pool.map(
                        lambda start, stop: self._forward_rows(
                            X, result, start, stop, block
                        ),
                        bounds[:-1],
                        bounds[1:],
                    )
                )

    def _forward_rows(self, X, result, start, stop, block):
        """Forward rows ``start:stop`` of ``X`` into ``result``, block by block."""
        buffers = [
            [np.empty((block, width), dtype=result.dtype) for width in layer.widths]
            for layer in self.layers
        ]
        last = len(self.layers) - 1
        for first in range(start, stop, block):
            end = min(first + block, stop)
            output = X[first:end]
            for i, (layer, layer_buffers) in enumerate(
                zip(self.layers, buffers, strict=True)
            ):
                rows = [buffer[: end - first] for buffer in layer_buffers]
                out = result[first:end] if i == last else rows[-1]
                if isinstance(layer, FactoredLayer):
                    output = layer.forward(output, out=out, inner_out=rows[0])
                else:
                    output = layer.forward(output, out=out)

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
