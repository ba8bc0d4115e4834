"""Fitting under machine load: BLAS threads and the package's own small work.

On the Keras MNIST experiment's 784-100-50-10 network (the MNIST-like digits of
``frontier.py``), three fits, each timed with BLAS at its default threads,
once on an idle machine and once with two busy processes competing for the
two cores:

- ``MLPClassifier.fit`` of the network itself, as the reference;
- a truncation to 16 units with the default logistic-regression head;
- ``rank="auto"`` with ``method="truncated"`` and ``max_score_drop=0.02``,
  which fits a head for every candidate width.

The head fits run with BLAS limited to one thread (``_threads.py``): their
L-BFGS iterations make many tiny BLAS calls, on which OpenBLAS threads spin.

Run: ``python benchmarks/load.py``
"""

import subprocess
import sys
import time
import warnings

from _common import machine
from frontier import mnist_like
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure(X, y):
    network = MLPClassifier((100, 50), max_iter=300, random_state=0)
    t_network = timed(lambda: network.fit(X, y))
    frozen = FrozenEstimator(network)
    t_truncated = timed(
        lambda: SVDCompressedMLPClassifier(
            frozen, method="truncated", rank=[16, None, None]
        ).fit(X, y)
    )
    t_search = timed(
        lambda: SVDCompressedMLPClassifier(
            frozen,
            method="truncated",
            rank="auto",
            max_score_drop=0.02,
            random_state=0,
        ).fit(X, y)
    )
    return t_network, t_truncated, t_search


def main():
    # Convergence, and the search's warnings about its frozen network.
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", UserWarning)
    X, _, y, _ = mnist_like(0)
    print(machine())
    for loaded in (False, True):
        busy = []
        if loaded:
            busy = [
                subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(2)
            ]
            time.sleep(1)
        try:
            t_network, t_truncated, t_search = measure(X, y)
        finally:
            for process in busy:
                process.kill()
        condition = "loaded" if loaded else "idle"
        print(
            f"{condition:6s}: MLPClassifier.fit {t_network:.2f} s; "
            f"truncated fit {t_truncated:.2f} s ({t_truncated / t_network:.2f} x); "
            f"max_score_drop search {t_search:.2f} s ({t_search / t_network:.2f} x)"
        )


if __name__ == "__main__":
    main()
