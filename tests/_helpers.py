"""Helpers shared by the tests."""

import ctypes
import subprocess

from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import c_runtime_dir
from sklearn_svdmlp._network import affine


def preactivations(layer, X):
    """A stored (unquantized) layer's output before its activation."""
    for step in layer.affine_steps():
        assert step.scales is None
        X = affine(X, step.values, step.bias)
    return X


class CountingMLP(MLPClassifier):
    """An MLPClassifier that counts how often it is fitted (on the class)."""

    n_fit_calls = 0

    def fit(self, X, y, sample_weight=None):
        type(self).n_fit_calls += 1
        return super().fit(X, y, sample_weight=sample_weight)


# As strict as gcc gets for C99 code meant for small devices: no implicit
# conversion, no promotion to double, no prototype missing.
STRICT_C = [
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
    "-Wshadow",
    "-Wstrict-prototypes",
    "-Wmissing-prototypes",
    "-Wconversion",
    "-Wdouble-promotion",
    "-Wcast-qual",
]


def compiled(source, directory, name="svdmlp"):
    """A C file of export_c and the runtime, built strictly, loaded with ctypes."""
    runtime = c_runtime_dir()
    path, library = directory / f"{name}.c", directory / f"lib{name}.so"
    path.write_text(source)
    subprocess.run(
        ["cc", *STRICT_C, "-O2", f"-I{runtime}", "-shared", "-fPIC", str(path)]
        + [str(runtime / "svdmlp.c"), "-o", str(library), "-lm"],
        check=True,
        capture_output=True,
        text=True,
    )
    return ctypes.CDLL(str(library))
