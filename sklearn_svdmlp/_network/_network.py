"""The compressed network: a stack of layers, its forward pass and cost counts.

The layers themselves (and the cost formulas) are in :mod:`._layers`.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._threads import BLAS_LIMITS, blas_controller
from ._costs import total_bytes, total_params

# Fewest rows in a block of the blocked forward pass.
_MIN_BLOCK = 64


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
        n_samples = X.shape[0]
        if n_samples <= _MIN_BLOCK or not self.layers:  # no sizes to work out
            return self._forward_plain(X)
        dtype = X.dtype
        for layer in self.layers:
            dtype = layer.output_dtype(dtype)
        widths = [width for layer in self.layers for width in layer.widths]
        block = max(_MIN_BLOCK, block_bytes // (max(widths) * dtype.itemsize))
        if n_samples <= block:
            return self._forward_plain(X)
        if sp.issparse(X):
            X = X.tocsr()
        result = np.empty((n_samples, self.layers[-1].shape[1]), dtype=dtype)
        blas = blas_controller()
        n_threads = min(
            max((lib.num_threads for lib in blas.lib_controllers), default=1),
            n_samples // (2 * block),
        )
        # BLAS thread limits are process-wide: only one call at a time may
        # change them. A call made meanwhile (from another thread) runs
        # serially and leaves them alone, so the limits always come back.
        if n_threads <= 1 or not BLAS_LIMITS.acquire(blocking=False):
            self._forward_rows(X, result, 0, n_samples, block)
            return result
        try:
            self._forward_threaded(X, result, block, n_threads, blas)
        finally:
            BLAS_LIMITS.release()
        return result

    def predictions(self, X, spec):
        """Predictions for ``X``: ``spec`` (an :class:`OutputSpec`) of the outputs."""
        return spec.predict(self.forward(X))

    def _forward_plain(self, X):
        """Layer after layer on the whole of ``X``."""
        for layer in self.layers:
            X = layer.forward(X)
        return X

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
    def n_bytes(self):
        """Bytes of every array stored in all layers."""
        return total_bytes(self.layers)

    @property
    def n_multiply_adds(self):
        """Multiply-adds per sample through all layers."""
        return sum(layer.n_multiply_adds for layer in self.layers)
