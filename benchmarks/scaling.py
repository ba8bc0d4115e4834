"""How compress time and predict time grow with layer width and rank.

For a square ``width x width`` ReLU layer (Gaussian weights) and each rank
where factoring saves: the time to factor it (``svd_solver="auto"``) and the
time to apply the factored layer to 4,096 rows, against applying the dense
layer (``MLPClassifier``'s own forward computation, ``X @ W + b`` then ReLU).

Run: ``python benchmarks/scaling.py`` (add ``--plot scaling.png`` for a
plot, which needs matplotlib).
"""

import argparse

import numpy as np
from _common import best_time, machine

from sklearn_svdmlp import DenseLayer
from sklearn_svdmlp._compat import ACTIVATIONS
from sklearn_svdmlp._compression._build import factored_network
from sklearn_svdmlp._compression._factorization import resolve_solver
from sklearn_svdmlp._compression._rank_selection import breakeven_rank

WIDTHS = [256, 512, 1024, 2048]
RANKS = [16, 64, 256]


def dense_forward(X, coef, intercept):
    output = X @ coef
    output += intercept
    ACTIVATIONS["relu"](output)
    return output


def measure(n_rows=4096):
    rng = np.random.default_rng(0)
    rows = []
    for width in WIDTHS:
        coef = rng.normal(size=(width, width)) / np.sqrt(width)
        intercept = np.zeros(width)
        original = [DenseLayer(coef, intercept, "relu")]
        X = rng.random((n_rows, width))
        t_dense = best_time(lambda X=X, c=coef, b=intercept: dense_forward(X, c, b))
        for rank in RANKS:
            if rank > breakeven_rank((width, width), "separate"):
                continue
            t_compress = best_time(
                lambda original=original, rank=rank: factored_network(
                    original, [rank], "separate", svd_solver="auto", random_state=0
                ),
                repeat=3,
            )
            factored, _, _ = factored_network(
                original, [rank], "separate", svd_solver="auto", random_state=0
            )
            t_predict = best_time(lambda net=factored, X=X: net.forward(X))
            rows.append(
                (
                    width,
                    rank,
                    resolve_solver("auto", (width, width), rank),
                    t_compress,
                    t_dense,
                    t_predict,
                    width / (2 * rank),
                )
            )
    return rows


def report(rows):
    print(
        f"{'width':>5s} {'rank':>4s} {'solver':>10s} {'compress':>9s} "
        f"{'dense':>8s} {'factored':>8s} {'speedup':>7s} {'madd ratio':>10s}"
    )
    for width, rank, solver, t_compress, t_dense, t_predict, madd in rows:
        print(
            f"{width:5d} {rank:4d} {solver:>10s} {1000 * t_compress:7.1f}ms "
            f"{1000 * t_dense:6.1f}ms {1000 * t_predict:6.1f}ms "
            f"{t_dense / t_predict:7.2f} {madd:10.2f}"
        )


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    for rank in RANKS:
        points = [r for r in rows if r[1] == rank]
        widths = [r[0] for r in points]
        left.plot(
            widths, [1000 * r[3] for r in points], marker="o", label=f"rank {rank}"
        )
        right.plot(
            widths, [r[4] / r[5] for r in points], marker="o", label=f"rank {rank}"
        )
        right.plot(
            widths, [r[6] for r in points], ":", color=right.lines[-1].get_color()
        )
    for axis, ylabel, title in [
        (left, "compress time (ms)", "factoring a square layer"),
        (
            right,
            "speedup over dense (dotted: multiply-add ratio)",
            "applying it to 4,096 rows",
        ),
    ]:
        axis.set(
            xscale="log", yscale="log", xlabel="layer width", ylabel=ylabel, title=title
        )
        axis.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        axis.set_xticks(WIDTHS, [str(w) for w in WIDTHS])
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PATH", help="save a plot (needs matplotlib)")
    args = parser.parse_args()
    print(machine())
    rows = measure()
    report(rows)
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
