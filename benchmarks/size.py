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

Run: ``python benchmarks/size.py``
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
from _common import machine
from frontier import BUDGETS, mnist_like
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(machine())
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
