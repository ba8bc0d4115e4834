"""Fine-tuning at tight budgets: from which start, with which step size.

The tight-budget companion of ``frontier.py``. Issue 22 reported, on a
5,000-image MNIST sample, that fine-tuning threw away the lead of the
error-compensating factors at 11,728 parameters. MNIST is not shipped with
scikit-learn, so this builds a set of that size from ``load_digits``: the
1,797 images are split into training and test digits first, then each
upsampled to 28x28 (as in ``frontier.py``) ``--copies`` times, each copy
moved by its own random shift of up to 3 pixels (5,388 training and 1,800
test images with 4 copies; no test image is a shifted training digit).
``--copies 0`` runs on ``frontier.py``'s data instead (1,347 training and
450 test images).

For three seeds (split, network and compression seeds) and each of the
first document's budgets, it reports the accuracy points lost against the
uncompressed network, per ``svd_on``: without retraining (``start``), after
10 epochs of fine-tuning as it was before issue 22 (``before``: the
network's step size, constant) and as it is now (``after``: warm-up, then
linear decay, Adam's peak step size up to 10 times the network's,
``adam_peak``),
with the time of each fine-tuning fit; and beside them a dense ``784-h-10``
network of at most the same size trained from scratch (200 iterations).

At 11,728 parameters on the first seed it also measures what the docs'
benchmarks page discusses: the sharpness of each start (the largest
eigenvalue of the training loss's Hessian, by power iteration on finite
differences of the gradient) against the network's, the training loss and
the test accuracy after each epoch before and after the change (the test set
passed as ``X_val`` for the curve only), how far the factors' products move,
and distillation.

Run: ``python benchmarks/fine_tuning.py`` (add ``--plot PATH`` for the loss
curves, which needs matplotlib).
"""

import argparse
import time
import warnings
from contextlib import contextmanager, nullcontext

import numpy as np
from frontier import mnist_like
from scipy.ndimage import zoom
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._compression import _fine_tuning, _step_sizes
from sklearn_svdmlp._compression._fine_tuning import loss_and_gradients, parameters
from sklearn_svdmlp._network import mlp_layers

BUDGETS = (11_728, 24_180, 48_410)
N_ORIGINAL = 84_060
SVD_ON = ("activations", "outputs")


def shifted_digits(random_state=0, copies=4, shift=3):
    """Digits split, then upsampled to 28x28, each ``copies`` times shifted."""
    X, y = load_digits(return_X_y=True)
    images = zoom(X.reshape(-1, 8, 8) / 16.0, (1, 3.5, 3.5), order=1).clip(0, 1)
    rng = np.random.default_rng(random_state)
    train, test = train_test_split(
        np.arange(len(y)), test_size=0.25, random_state=random_state, stratify=y
    )

    def augment(index):
        parts = []
        for _ in range(copies):
            moves = rng.integers(-shift, shift + 1, (len(index), 2))
            parts.append(
                [
                    np.roll(image, tuple(move), axis=(0, 1)).ravel()
                    for image, move in zip(images[index], moves, strict=True)
                ]
            )
        return np.vstack(parts), np.tile(y[index], copies)

    return (*augment(train), *augment(test))


@contextmanager
def fine_tuning_before_issue_22():
    """Fine-tuning as it was: the network's step size, constant."""
    factor, peak = _fine_tuning.step_size_factor, _step_sizes.ADAM_PEAK_FACTOR
    _fine_tuning.step_size_factor = lambda step, n_steps: 1.0
    _step_sizes.ADAM_PEAK_FACTOR = 1
    try:
        yield
    finally:
        _fine_tuning.step_size_factor, _step_sizes.ADAM_PEAK_FACTOR = factor, peak


def compressed(network, budget, svd_on, seed, **params):
    return SVDCompressedMLPClassifier(
        FrozenEstimator(network),
        rank="auto",
        target_ratio=N_ORIGINAL / budget,
        svd_on=svd_on,
        random_state=seed,
        **params,
    )


def timed_fit(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start


def sharpness(layers, X, Y, alpha, iterations=20, step=1e-4, seed=0):
    """Largest eigenvalue of the training loss's Hessian at ``layers``."""
    params = parameters(layers)
    at = [param.copy() for param in params]
    _, gradient = loss_and_gradients(layers, X, Y, None, alpha)
    gradient = np.concatenate([g.ravel() for g in gradient])
    v = np.random.default_rng(seed).standard_normal(gradient.size)
    eigenvalue = 0.0
    for _ in range(iterations):
        v /= np.linalg.norm(v)
        offset = 0
        for param, value in zip(params, at, strict=True):
            param[...] = value + step * v[offset : offset + param.size].reshape(
                param.shape
            )
            offset += param.size
        _, moved = loss_and_gradients(layers, X, Y, None, alpha)
        hv = (np.concatenate([g.ravel() for g in moved]) - gradient) / step
        eigenvalue, v = float(v @ hv), hv
    for param, value in zip(params, at, strict=True):
        param[...] = value
    return eigenvalue


def products(model):
    return [
        layer.left @ layer.right if hasattr(layer, "left") else layer.coef
        for layer in model.layers_
    ]


def movement(start, tuned):
    """Relative change of each layer's weight matrix (the factors' product)."""
    return [
        float(np.linalg.norm(after - before) / np.linalg.norm(before))
        for before, after in zip(products(start), products(tuned), strict=True)
    ]


def run(seed, epochs, copies, diagnose):
    if copies:
        X_train, y_train, X_test, y_test = shifted_digits(seed, copies)
    else:  # frontier.py's data
        X_train, X_test, y_train, y_test = mnist_like(seed)
    network = MLPClassifier((100, 50), max_iter=300, random_state=seed)
    network.fit(X_train, y_train)
    baseline = network.score(X_test, y_test)

    def drop(model):
        return 100 * (baseline - model.score(X_test, y_test))

    Y = network._label_binarizer.transform(y_train)
    rows, curves, notes = [], {}, []
    for budget in BUDGETS:
        for svd_on in SVD_ON:
            start = compressed(network, budget, svd_on, seed).fit(X_train, y_train)
            tuned = compressed(network, budget, svd_on, seed, fine_tune_epochs=epochs)
            with fine_tuning_before_issue_22():
                before, time_before = timed_fit(clone(tuned), X_train, y_train)
            after, time_after = timed_fit(clone(tuned), X_train, y_train)
            rows.append(
                (budget, svd_on, drop(start), drop(before), drop(after))
                + (time_before, time_after)
            )
            if diagnose and budget == BUDGETS[0]:
                notes.append(
                    f"{svd_on}: ranks {start.ranks_}, sharpness "
                    f"{sharpness(start.layers_, X_train, Y, network.alpha):.1f}; "
                    "factors' products moved "
                    + " / ".join(f"{m:.3f}" for m in movement(start, before))
                    + " before, "
                    + " / ".join(f"{m:.3f}" for m in movement(start, after))
                    + " after"
                )
                distilled = clone(tuned).set_params(fine_tune_distillation=0.5)
                notes.append(
                    f"{svd_on}: with fine_tune_distillation=0.5, after: "
                    f"{drop(distilled.fit(X_train, y_train)):.2f} points lost"
                )
                for name, context in (
                    ("before", fine_tuning_before_issue_22),
                    ("after", nullcontext),
                ):
                    with context():
                        curve = clone(tuned).fit(
                            X_train, y_train, X_val=X_test, y_val=y_test
                        )
                    curves[svd_on, name] = (
                        curve.loss_curve_,
                        [100 * (baseline - s) for s in curve.fine_tune_scores_],
                    )
        width = (budget - 10) // (784 + 1 + 10)
        dense = MLPClassifier((width,), max_iter=200, random_state=seed)
        dense_drop = drop(dense.fit(X_train, y_train))
        rows.append(
            (budget, f"dense 784-{width}-10", None, None, dense_drop, None, None)
        )
    if diagnose:
        sharp = sharpness(mlp_layers(network), X_train, Y, network.alpha)
        notes.insert(
            0,
            f"network: {network.n_iter_} epochs, final training loss "
            f"{network.loss_:.4f}, learning_rate_init {network.learning_rate_init}"
            f", sharpness {sharp:.1f}",
        )
    return rows, curves, notes, (len(X_train), len(X_test), baseline)


def report(runs):
    print(
        "points lost against the uncompressed network; before / after: 10 epochs "
        "of fine-tuning before / after issue 22; time of the fine-tuning fits"
    )
    table = {}
    for rows, *_ in runs:
        for budget, name, *values in rows:
            table.setdefault((budget, name), []).append(values)
    print(
        f"{'budget':>7s} {'svd_on / model':22s} {'start (3 seeds)':>24s} "
        f"{'before':>24s} {'after':>24s} {'time after/before':>17s}"
    )

    def cell(values):
        values = [v for v in values if v is not None]
        if not values:
            return f"{'-':>24s}"
        text = ", ".join(f"{v:.2f}" for v in values)
        return f"{text} ({np.mean(values):.2f}+-{np.std(values):.2f})".rjust(24)

    for (budget, name), values in table.items():
        values = np.array(values, dtype=object)
        ratio = "-"
        if values[0][3] is not None:
            ratio = f"{np.sum(values[:, 4]) / np.sum(values[:, 3]):.2f}"
        print(
            f"{budget:7,d} {name:22s} {cell(values[:, 0])} {cell(values[:, 1])} "
            f"{cell(values[:, 2])} {ratio:>17s}"
        )
        if values[0][0] is not None:
            worse = [a - s for s, _, a, *_ in values]
            print(f"{'':31s}after minus start, worst seed: {max(worse):+.2f}")


def plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (loss_ax, drop_ax) = plt.subplots(1, 2, figsize=(9, 3.6))
    colors = {"activations": "tab:blue", "outputs": "tab:orange"}
    for (svd_on, name), (loss, drop) in curves.items():
        style = "--" if name == "before" else "-"
        label = f"svd_on={svd_on!r}, {name}"
        loss_ax.plot(range(1, len(loss) + 1), loss, style, color=colors[svd_on])
        drop_ax.plot(range(len(drop)), drop, style, color=colors[svd_on], label=label)
    loss_ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
    drop_ax.set(xlabel="epoch (0: the start)", ylabel="test points lost")
    drop_ax.legend(fontsize=7)
    fig.suptitle("11,728 parameters, seed 0 (dashed: before issue 22)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--copies",
        type=int,
        default=4,
        help="shifted copies of each digit (0: frontier.py's data, 1,347 images)",
    )
    parser.add_argument("--plot", metavar="PATH")
    args = parser.parse_args()
    began = time.perf_counter()
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        runs = [
            run(seed, args.epochs, args.copies, diagnose=seed == 0)
            for seed in range(args.seeds)
        ]
    n_train, n_test, _ = runs[0][3]
    print(
        f"{n_train} training and {n_test} test images; baselines "
        + ", ".join(f"{r[3][2]:.4f}" for r in runs)
    )
    for note in runs[0][2]:
        print(note)
    for (svd_on, name), (loss, drop) in runs[0][1].items():
        print(
            f"{svd_on} {name}: training loss "
            + " ".join(f"{v:.3f}" for v in loss)
            + "; test points lost from the start "
            + " ".join(f"{v:.2f}" for v in drop)
        )
    report(runs)
    print(f"({time.perf_counter() - began:.0f} s)")
    if args.plot:
        plot(runs[0][1], args.plot)


if __name__ == "__main__":
    main()
