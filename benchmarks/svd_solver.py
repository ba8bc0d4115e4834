"""Compressing a 2048x2048 layer to rank 64: randomized against full SVD.

The layer is ``G / sqrt(2048)`` for a Gaussian ``G`` (an initialisation)
plus a rank-32 part with decaying strengths (what training adds). Timed: the
package's factoring of the layer with ``svd_solver="randomized"`` (what
``"auto"`` picks here) and a full SVD of the matrix (``scipy.linalg.svd``,
thin). Reported: the time ratio, and the Frobenius error of the rank-64
factors against the optimal one (the norm of the discarded singular values).

Run: ``python benchmarks/svd_solver.py``
"""

import numpy as np
from _common import best_time, machine
from scipy import linalg

from sklearn_svdmlp import DenseLayer
from sklearn_svdmlp._compression._build import factored_network
from sklearn_svdmlp._compression._factorization import resolve_solver


def layer_matrix(n=2048, signal_rank=32, random_state=0):
    rng = np.random.default_rng(random_state)
    noise = rng.normal(size=(n, n)) / np.sqrt(n)
    u, _ = np.linalg.qr(rng.normal(size=(n, signal_rank)))
    v, _ = np.linalg.qr(rng.normal(size=(n, signal_rank)))
    return noise + (u * np.geomspace(10, 1, signal_rank)) @ v.T


def main(n=2048, rank=64):
    W = layer_matrix(n)
    original = [DenseLayer(W, np.zeros(n), "relu")]
    print(machine())
    print(
        f"layer {n} x {n}, rank {rank}; 'auto' picks "
        f"{resolve_solver('auto', W.shape, rank)!r}"
    )

    def compress(solver):
        return factored_network(
            original, [rank], "separate", svd_solver=solver, random_state=0
        )

    t_full_svd = best_time(lambda: linalg.svd(W, full_matrices=False), repeat=3)
    t_randomized = best_time(lambda: compress("randomized"), repeat=3)
    t_full = best_time(lambda: compress("full"), repeat=3)
    s = linalg.svd(W, compute_uv=False)
    optimal = np.sqrt(np.sum(s[rank:] ** 2))
    errors = {}
    for solver in ("randomized", "full"):
        compressed, _, _ = compress(solver)
        (layer,) = compressed.layers
        errors[solver] = np.linalg.norm(W - layer.left @ layer.right) / optimal - 1
    print(f"full SVD of the matrix: {t_full_svd:.3f} s")
    print(
        f"factoring, randomized: {t_randomized:.3f} s = "
        f"{t_randomized / t_full_svd:.3f} x the full SVD (target <= 0.25); "
        f"error {100 * errors['randomized']:+.4f}% against optimal (target <= 1%)"
    )
    print(f"factoring, full: {t_full:.3f} s; error {100 * errors['full']:+.2e}%")


if __name__ == "__main__":
    main()
