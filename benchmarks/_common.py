"""Timing helpers and the machine description shared by the benchmarks."""

import os
import platform
import time

import numpy as np
import scipy
import sklearn
from threadpoolctl import threadpool_info


def best_time(function, repeat=7):
    """Fastest of ``repeat`` calls, in seconds (after one warm-up call)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def median_times(functions, repeat=2000):
    """Median time of each function, calls interleaved so drift hits all alike."""
    for function in functions:
        function()
    times = [[] for _ in functions]
    for _ in range(repeat):
        for function, bucket in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            bucket.append(time.perf_counter() - start)
    return [float(np.median(bucket)) for bucket in times]


def machine():
    blas = threadpool_info()
    blas = next((lib for lib in blas if lib["user_api"] == "blas"), {})
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in cpuinfo
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, BLAS {blas.get('internal_api', '?')} "
        f"with {blas.get('num_threads', '?')} threads"
    )
