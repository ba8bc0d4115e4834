"""Test configuration shared by tests/ and the doctests of sklearn_svdmlp/.

BLAS runs single-threaded: on a loaded 2-core machine, OpenBLAS threads made
the suite 2.5 to 3.5 times slower, and single tests up to 30 times. The tests
of the threaded forward pass raise the limit themselves.

Without an optional extra, its doctests are not collected (its tests skip
themselves), so that a plain install runs the core suite; likewise
``emulate``'s without the cross-compiler and QEMU (CI has them).
"""

import importlib.util
import shutil

import numpy  # noqa: F401  (loads NumPy's BLAS, so the limit reaches it)
import scipy.linalg  # noqa: F401  (and SciPy's)
from threadpoolctl import threadpool_limits

threadpool_limits(limits=1, user_api="blas")

collect_ignore = [
    path
    for path, extra in [
        ("sklearn_svdmlp/onnx.py", "skl2onnx"),
        ("sklearn_svdmlp/_export/_onnx.py", "skl2onnx"),
        ("sklearn_svdmlp/_export/_onnx_integer.py", "skl2onnx"),
        ("sklearn_svdmlp/_plot", "matplotlib"),
    ]
    if importlib.util.find_spec(extra) is None
]
if not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")):
    collect_ignore.append("sklearn_svdmlp/device/_emulate.py")
