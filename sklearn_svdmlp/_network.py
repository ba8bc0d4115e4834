"""The compressed network: a stack of layers, its forward pass and cost counts.

The layers themselves (and the cost formulas) are in :mod:`._layers`.
"""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from ._layers import total_params

_THREAD_LIMITS = threading.Lock()


@functools.cache
def _blas_controller():
    """BLAS thread control, made once: inspecting the loaded libraries is slow.

    Made on first use, when NumPy's BLAS is surely loaded (as scikit-learn's
    own ``_get_threadpool_controller`` does).
    """
    return ThreadpoolController().select(user_api="blas")


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
                if i == last:
                    rows[-1] = result[first:end]
                output = layer.forward(output, buffers=rows)

    @property
    def n_params(self):
        """Numbers stored in all layers."""
        return total_params(self.layers)

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample through all layers."""
        return sum(layer.n_multiply_adds for layer in self.layers)
