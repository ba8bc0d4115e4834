"""BLAS threads: one controller, and one thread for small computations.

BLAS thread limits are process-wide, so only one caller at a time may change
them (``BLAS_LIMITS``); a caller that finds it taken runs as it is and leaves
them alone, so the limits always come back.
"""

import functools
import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

BLAS_LIMITS = threading.Lock()


@functools.cache
def blas_controller():
    """BLAS thread control, made once: inspecting the loaded libraries is slow.

    Made on first use, when NumPy's and SciPy's BLAS are surely loaded (as
    scikit-learn's own ``_get_threadpool_controller`` does).
    """
    return ThreadpoolController().select(user_api="blas")


@contextmanager
def one_blas_thread():
    """Run the block with BLAS limited to one thread.

    For many small BLAS calls, such as a head's L-BFGS fit on narrow
    activations: there, OpenBLAS threads cost far more than they save
    (``benchmarks/load.py``: a truncated search took 24.7 s with 2 threads
    on an idle 2-core machine, 0.7 s with one).
    """
    if not BLAS_LIMITS.acquire(blocking=False):
        yield
        return
    try:
        with blas_controller().limit(limits=1):
            yield
    finally:
        BLAS_LIMITS.release()
