"""Size in bytes: rank and precision together, and the C file on the device.

The Keras MNIST experiment's 784-100-50-10 network (84,060 parameters,
672,480 bytes at float64) on the MNIST-like digits of ``frontier.py``. At
each of its three budgets, ``rank="auto"`` with ``svd_on="activations"`` and
no retraining, stored with each ``quantize``: bytes stored, ratio in bytes
against the float64 network, and test accuracy lost, as the mean over
``--runs`` runs (each its own split and network).

Then the C files: ``export_c`` of the int8 model at each budget and
emlearn's C code for the uncompressed ``MLPClassifier`` (``pip install
emlearn``; emlearn is the reference C library for networks on
microcontrollers), each compiled with ``cc -std=c99 -Os -fno-pic -c`` (ours
also with ``-Wall -Wextra -Werror -pedantic``); the size is the object's
read-only data (``.rodata``, where both keep their weights; ours also
holds the table of layers), as ``size -A`` reports it. Our model's file
computes with the package's C runtime (``svdmlp.c``), whose own code and
read-only data are reported once beside it (emlearn's code is in its
object).

Then byte budgets (``target_bytes``), on the same networks: for each
budget, its ratio against float64 and the accuracy lost, for int8 and int4
each rounded to nearest and data-aware, and ``quantize="auto"`` (each
layer's format chosen with its rank), without retraining and with 10
epochs of fine-tuning (through the quantizer); the search's time beside
one fit's at a fixed rank and format. Here each network is trained on 90%
of its run's training part; the other 10% is the held-out data
``quantize="auto"`` scores its candidates on (``X_val``: data the network
has not seen, as the user guide advises). Their ``keep_inputs`` rows (every
input, 300, 100; ``quantize="auto"``), with the first layer's multiply-adds,
run first, and alone with ``--kept-only`` (a few minutes).
Then hand-set pairs (the same rank for the hidden layers, one format), each
beside ``quantize="auto"`` at its bytes. Then, for the first run's models
at one budget and each format: the C file's read-only data and the ONNX
file's size against ``n_bytes_``.

Run: ``python benchmarks/size.py`` (``--kept-only --runs 3``: the kept rows)
"""

import argparse
import functools
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from itertools import product
from pathlib import Path

import numpy as np
from _common import machine
from frontier import BUDGETS, mnist_like
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier, c_runtime_dir, export_c

QUANTIZE = [None, "float32", "float16", "int8"]


def sections(source, directory, name, include, strict=True):
    """Bytes of each section of ``source`` compiled to an object file."""
    path = Path(directory) / f"{name}.c"
    path.write_text(source)
    # Strict for ours; emlearn's headers are compiled as they are.
    flags = ["-Wall", "-Wextra", "-Werror", "-pedantic"] if strict else []
    subprocess.run(
        ["cc", "-std=c99", f"-I{include}", *flags, "-Os", "-fno-pic", "-c"]
        + [str(path), "-o", f"{path}.o"],
        check=True,
    )
    table = subprocess.run(
        ["size", "-A", f"{path}.o"], check=True, capture_output=True, text=True
    ).stdout
    sizes = {}
    for line in table.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith("."):
            sizes[parts[0]] = sizes.get(parts[0], 0) + int(parts[1])
    return sizes


def rodata(sizes):
    """Read-only data, from :func:`sections`."""
    return sum(size for name, size in sizes.items() if name.startswith(".rodata"))


def run(seed):
    X_train, X_test, y_train, y_test = mnist_like(seed)
    network = MLPClassifier((100, 50), max_iter=300, random_state=seed)
    network.fit(X_train, y_train)
    n_params = sum(a.size for a in [*network.coefs_, *network.intercepts_])
    baseline = network.score(X_test, y_test)
    rows, models = [], {}
    for budget in BUDGETS:
        for quantize in QUANTIZE:
            model = SVDCompressedMLPClassifier(
                FrozenEstimator(network),
                rank="auto",
                target_ratio=n_params / budget,
                svd_on="activations",
                quantize=quantize,
                random_state=seed,
            ).fit(X_train, y_train)
            models[budget, quantize] = model
            drop = 100 * (baseline - model.score(X_test, y_test))
            rows.append(
                (budget, quantize, model.n_bytes_, model.n_bytes_original_, drop)
            )
    return rows, network, models


# Byte budgets: the float64 network's 672,480 bytes over these ratios.
RATIOS = [25, 40, 50, 65, 80, 100]
# (format, rounding) pairs at a fixed format, then the search over formats.
VARIANTS = [
    ("int8", "nearest"),
    ("int8", "data-aware"),
    ("int4", "nearest"),
    ("int4", "data-aware"),
    ("auto", "data-aware"),
]
HAND_SET_RANKS = [6, 10, 16, 24]
# The 24,180-parameter budget of the experiment, as a ratio.
BUDGETS_RATIO = 84_060 / 24_180
# The kept-inputs rows (issue 30), quantize="auto": 80x and 120x fewer bytes
# than float64 with 0 and 10 epochs, and 24,180 parameters' worth of float64
# bytes with none; every input (None), then 300 and 100 kept, and "auto".
KEPT_BUDGETS = {80: (0, 10), 120: (0, 10), BUDGETS_RATIO: (0,)}
KEEPS = [None, 300, 100, "auto"]


def fitted(network, X_train, y_train, seed, validation=None, **params):
    """The compressed model and its fit's time in seconds.

    ``quantize="auto"`` scores its candidates on ``validation``.
    """
    start = time.perf_counter()
    held_out = {}
    if params.get("quantize") == "auto" and validation is not None:
        held_out = dict(zip(["X_val", "y_val"], validation, strict=True))
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), svd_on="activations", random_state=seed, **params
    ).fit(X_train, y_train, **held_out)
    return model, time.perf_counter() - start


@functools.cache
def held_out_network(seed):
    """The network trained on 90% of the training part; the rest held out.

    Returns the network, its training data, the held-out part (what
    ``quantize="auto"`` scores on, data the network has not seen) and the
    test data.
    """
    X_train, X_test, y_train, y_test = mnist_like(seed)
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_train, y_train, test_size=0.1, random_state=seed, stratify=y_train
    )
    network = MLPClassifier((100, 50), max_iter=300, random_state=seed)
    network.fit(X_fit, y_fit)
    return network, (X_fit, y_fit), (X_val, y_val), (X_test, y_test)


def byte_budgets(seed, budgets=None, variants=VARIANTS, keeps=(None,)):
    """Rows ``(ratio, quantize, rounding, keep, epochs, *measured)``.

    ``budgets`` maps each ratio to the fine-tuning epochs to run at it (by
    default every ratio of ``RATIOS``, with 0 and 10); ``keeps`` are the
    ``keep_inputs``. ``measured``: bytes stored, drop, the first layer's
    multiply-adds, the bytes of its runs of the inputs read, seconds, the
    inputs read.
    """
    network, (X_train, y_train), validation, (X_test, y_test) = held_out_network(seed)
    original = sum(a.nbytes for a in [*network.coefs_, *network.intercepts_])
    baseline = network.score(X_test, y_test)
    data, rows = (network, X_train, y_train, seed), []
    for ratio, epochs in (budgets or dict.fromkeys(RATIOS, (0, 10))).items():
        for (quantize, rounding), keep, n_epochs in product(variants, keeps, epochs):
            model, seconds = fitted(
                *data,
                validation,
                rank="auto",
                target_bytes=int(original / ratio),
                quantize=quantize,
                rounding=rounding,
                fine_tune_epochs=n_epochs,
                keep_inputs=keep,
            )
            drop = 100 * (baseline - model.score(X_test, y_test))
            first = model.network_.layers[0]
            read = first.affine_steps()[0].inputs
            measured = (model.n_bytes_, drop, first.n_multiply_adds)
            measured += (read.n_bytes if read else 0, seconds, len(model.inputs_kept_))
            rows.append((ratio, quantize, rounding, keep, n_epochs, *measured))
    return rows, original


def hand_set(seed):
    """Rows ``(rank, format, n_bytes, drop, auto_n_bytes, auto_drop)``."""
    network, (X_train, y_train), validation, (X_test, y_test) = held_out_network(seed)
    baseline = network.score(X_test, y_test)
    data, rows = (network, X_train, y_train, seed), []
    for rank in HAND_SET_RANKS:
        for quantize in ["int8", "int4"]:
            model, _ = fitted(*data, rank=[rank, rank, None], quantize=quantize)
            auto, _ = fitted(
                *data,
                validation,
                rank="auto",
                target_bytes=model.n_bytes_,
                quantize="auto",
            )
            hand, searched = (
                100 * (baseline - m.score(X_test, y_test)) for m in (model, auto)
            )
            rows.append((rank, quantize, model.n_bytes_, hand, auto.n_bytes_, searched))
    return rows


def report_byte_budgets(runs):
    n_runs = len(runs)
    print(
        f"\nbyte budgets: mean over {n_runs} runs; drop in test accuracy points "
        "(+- its standard deviation, se: its standard error), fine-tuning "
        "through the quantizer; kept: keep_inputs (all: None); 1st MACs: the "
        "first layer's multiply-adds; index: bytes of its runs of inputs read; "
        "read: inputs read"
    )
    print(
        f"{'ratio':>5s} {'bytes':>7s} {'quantize':>8s} {'rounding':>10s} "
        f"{'kept':>4s} {'epochs':>6s} {'stored':>7s} {'x f64':>6s} {'drop':>6s} "
        f"{'+-':>5s} {'se':>5s} {'1st MACs':>8s} {'index':>5s} {'fit s':>6s} "
        f"{'read':>5s}"
    )
    table = np.array([[row[5:] for row in rows] for rows, _ in runs], dtype=float)
    original = runs[0][1]
    for k, (ratio, quantize, rounding, keep, epochs, *_) in enumerate(runs[0][0]):
        n_bytes, drop, macs, index, seconds, read = table[:, k].T
        error = drop.std(ddof=1) / np.sqrt(n_runs) if n_runs > 1 else np.nan
        print(
            f"{ratio:5.4g} {int(original / ratio):7,d} {quantize:>8s} "
            f"{rounding:>10s} {keep or 'all'!s:>4s} {epochs:6d} "
            f"{n_bytes.mean():7,.0f} {(original / n_bytes).mean():6.1f} "
            f"{drop.mean():6.2f} {drop.std():5.2f} {error:5.2f} "
            f"{macs.mean():8,.0f} {index.mean():5,.0f} {seconds.mean():6.2f} "
            f"{read.mean():5.0f}"
        )


def report_hand_set(runs):
    print(
        f"\nhand-set (rank of both hidden layers, format) against quantize='auto' "
        f"at its bytes: mean over {len(runs)} runs, drop in points"
    )
    print(
        f"{'rank':>4s} {'format':>6s} {'bytes':>7s} {'drop':>6s} "
        f"{'auto bytes':>10s} {'auto drop':>9s} {'auto-hand':>9s} {'se':>5s}"
    )
    table = np.array([[row[2:] for row in rows] for rows in runs], dtype=float)
    for k, (rank, quantize, *_) in enumerate(runs[0]):
        n_bytes, drop, auto_bytes, auto_drop = table[:, k].T
        difference = auto_drop - drop  # standard error of its mean beside it
        error = difference.std(ddof=1) / np.sqrt(len(runs)) if len(runs) > 1 else 0
        print(
            f"{rank:4d} {quantize:>6s} {n_bytes.mean():7,.0f} {drop.mean():6.2f} "
            f"{auto_bytes.mean():10,.0f} {auto_drop.mean():9.2f} "
            f"{difference.mean():+9.2f} {error:5.2f}"
        )


def exports(seed, directory):
    """The C file's read-only data and the ONNX file against ``n_bytes_``."""
    X_train, X_test, y_train, _ = mnist_like(seed)
    network = MLPClassifier((100, 50), max_iter=300, random_state=seed)
    network.fit(X_train, y_train)
    print(
        "\nexports: the ranks of the 24,180-parameter budget in each format, and "
        "quantize='auto' within the int4 model's bytes (first run's network)"
    )
    try:
        from skl2onnx import to_onnx

        import sklearn_svdmlp.onnx  # noqa: F401
    except ImportError:
        to_onnx = None
    int4_bytes = None
    for quantize in ["float32", "float16", "int8", "int4", "auto"]:
        budget = (
            {"target_bytes": int4_bytes}
            if quantize == "auto"
            else {"target_ratio": BUDGETS_RATIO}
        )
        model, _ = fitted(
            network, X_train, y_train, seed, rank="auto", quantize=quantize, **budget
        )
        if quantize == "int4":
            int4_bytes = model.n_bytes_
        source = export_c(model, name="mnist")
        size = rodata(sections(source, directory, f"q_{quantize}", c_runtime_dir()))
        line = (
            f"  {quantize:>7s}: n_bytes_ {model.n_bytes_:7,d}, C read-only data "
            f"{size:7,d} ({size / model.n_bytes_ - 1:+.1%})"
        )
        if to_onnx is not None:
            onx = to_onnx(
                model,
                X_test[:1].astype(np.float32),
                target_opset=21,
                options={"zipmap": False},
            )
            line += f", ONNX file {len(onx.SerializeToString()):7,d} bytes"
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--hand-set-only",
        action="store_true",
        help="only the hand-set comparison (the docs use --runs 20)",
    )
    parser.add_argument(
        "--kept-only", action="store_true", help="only the kept-inputs rows"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    # quantize="auto" scores candidates on a tenth of the training data, which
    # the frozen network has seen (known here: the comparison is on test data).
    warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
    print(machine())
    seeds = range(args.runs)
    if args.hand_set_only:
        report_hand_set([hand_set(seed) for seed in seeds])
        return
    kept = [byte_budgets(seed, KEPT_BUDGETS, VARIANTS[-1:], KEEPS) for seed in seeds]
    report_byte_budgets(kept)
    if args.kept_only:
        return
    budget_runs = [byte_budgets(seed) for seed in seeds]
    report_byte_budgets(budget_runs)
    report_hand_set([hand_set(seed) for seed in range(args.runs)])
    with tempfile.TemporaryDirectory() as directory:
        exports(0, directory)
    results = [run(seed) for seed in range(args.runs)]
    print(f"mean over {args.runs} runs; drop in test accuracy points, no retraining")
    columns = [("budget", 7), ("quantize", 8), ("bytes", 8), ("ratio", 7)]
    columns += [("drop", 6), ("+-", 5)]
    print(" ".join(f"{name:>{width}s}" for name, width in columns))
    rows = np.array(
        [[r[2], r[3], r[4]] for rows, _, _ in results for r in rows], dtype=float
    ).reshape(args.runs, -1, 3)
    keys = [(r[0], r[1]) for r in results[0][0]]
    for k, (budget, quantize) in enumerate(keys):
        n_bytes, original, drop = rows[:, k, 0], rows[:, k, 1], rows[:, k, 2]
        print(
            f"{budget:7,d} {quantize!s:>8s} {n_bytes.mean():8,.0f} "
            f"{(original / n_bytes).mean():7.2f} {drop.mean():6.2f} {drop.std():5.2f}"
        )

    _, network, models = results[0]
    runtime = c_runtime_dir()
    with tempfile.TemporaryDirectory() as directory:
        print(
            "\nC object read-only data (cc -std=c99 -Os -fno-pic -c), "
            "first run's models:"
        )
        for budget in BUDGETS:
            source = export_c(models[budget, "int8"], name="mnist")
            size = rodata(sections(source, directory, f"svdmlp_{budget}", runtime))
            print(f"  export_c, int8, budget {budget:,}: {size:,} bytes")
        code = sections((runtime / "svdmlp.c").read_text(), directory, "rt", runtime)
        print(
            f"  the runtime, svdmlp.c: {code['.text']:,} bytes of code, "
            f"{rodata(code):,} of read-only data"
        )
        try:
            import emlearn
        except ImportError:
            print("  emlearn: not installed (pip install emlearn)")
            return
        # emlearn builds a Python module of the network in ./tmp: keep it in
        # the temporary folder.
        here = os.getcwd()
        os.chdir(directory)
        try:
            source = emlearn.convert(network).save(name="mnist")
        finally:
            os.chdir(here)
        size = rodata(
            sections(source, directory, "emlearn", emlearn.includedir, strict=False)
        )
        print(f"  emlearn {emlearn.__version__}, uncompressed network: {size:,} bytes")


if __name__ == "__main__":
    if shutil.which("cc") is None or shutil.which("size") is None:
        raise SystemExit("needs a C compiler (cc) and binutils (size)")
    main()
