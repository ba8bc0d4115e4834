"""The C runtime on its own, the stack a prediction needs, and the built wheel."""

import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _helpers import STRICT_C
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier, c_runtime_dir, export_c

COMPILER = shutil.which("cc")
pytestmark = pytest.mark.skipif(COMPILER is None, reason="no C compiler (cc) found")
STRICT = STRICT_C
TESTS = Path(__file__).parent / "c"


def test_runtime_compiles_under_strict_flags(tmp_path):
    runtime = c_runtime_dir()
    for optimization in ["-O0", "-O2", "-Os"]:
        subprocess.run(
            [COMPILER, *STRICT, optimization, "-c", str(runtime / "svdmlp.c")]
            + ["-o", str(tmp_path / "svdmlp.o")],
            check=True,
            capture_output=True,
            text=True,
        )


@pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler (c++)")
def test_cpp_firmware_links_the_runtime(tmp_path):
    """The header declares C linkage, so C++ code (Arduino, mbed) links it."""
    runtime = c_runtime_dir()
    subprocess.run(
        [COMPILER, *STRICT, "-O2", "-c", str(runtime / "svdmlp.c")]
        + ["-o", str(tmp_path / "svdmlp.o")],
        check=True,
        capture_output=True,
        text=True,
    )
    main = tmp_path / "main.cpp"
    main.write_text(
        '#include "svdmlp.h"\n'
        "int main() { const float z[2] = {0.0f, 1.0f}; "
        "return svdmlp_argmax(z, 2) == 1 ? 0 : 1; }\n"
    )
    program = tmp_path / "main"
    subprocess.run(
        ["c++", "-Wall", "-Werror", f"-I{runtime}", str(main)]
        + [str(tmp_path / "svdmlp.o"), "-o", str(program), "-lm"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert subprocess.run([str(program)]).returncode == 0


def test_runtime_unit_tests_pass(tmp_path):
    runtime = c_runtime_dir()
    program = tmp_path / "test_svdmlp"
    subprocess.run(
        [COMPILER, *STRICT, "-O2", f"-I{runtime}", str(TESTS / "test_svdmlp.c")]
        + [str(runtime / "svdmlp.c"), "-o", str(program), "-lm"],
        check=True,
        capture_output=True,
        text=True,
    )
    result = subprocess.run([str(program)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "ok\n"


def _stack_bytes(source, tmp_path):
    """The largest stack frame of the model file's functions (gcc -fstack-usage)."""
    path = tmp_path / "model.c"
    path.write_text(source)
    subprocess.run(
        [COMPILER, *STRICT, "-O2", "-fstack-usage", f"-I{c_runtime_dir()}"]
        + ["-c", str(path), "-o", str(tmp_path / "model.o")],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    usage = (tmp_path / "model.su").read_text().splitlines()
    return max(int(line.split("\t")[1]) for line in usage)


@pytest.mark.parametrize("quantize", [None, "int8"])
def test_a_prediction_keeps_buffers_as_wide_as_the_widest_layer(tmp_path, quantize):
    """784 inputs, 100 and 50 hidden units: 2 x 100 floats, not 2 x 784."""
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 784)), np.arange(60) % 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPClassifier(
            MLPClassifier((100, 50), max_iter=5, random_state=0),
            rank=[20, 10, None],
            quantize=quantize,
        ).fit(X, y)
    source = export_c(model)
    assert "float work[SVDMLP_WORK_FLOATS(100)]" in source
    # The largest frame is the one holding the work buffer: 2 x 100 floats.
    stack = _stack_bytes(source, tmp_path)
    assert 4 * 2 * 100 <= stack <= 4 * 2 * 100 + 128
    assert stack < 2 * 784 * 4 / 5  # what input-wide buffers would take


def test_the_wheel_ships_the_runtime_and_the_installed_package_uses_it(tmp_path):
    """Build the wheel, install it alone into a new folder, export and compile."""
    root = Path(__file__).parents[1]
    # A copy of what the wheel is built from: a build in the tree itself
    # would leave (and reuse) its build/ folder there.
    source = tmp_path / "source"
    shutil.copytree(root / "sklearn_svdmlp", source / "sklearn_svdmlp")
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(root / name, source)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", "dist"]
        + [str(source)],
        check=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    (wheel,) = (tmp_path / "dist").glob("sklearn_svdmlp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for runtime_file in ["svdmlp.h", "svdmlp.c"]:
        assert f"sklearn_svdmlp/_export/runtime/{runtime_file}" in names
    # Every package of the source tree is in the wheel.
    packages = {
        str(path.parent.relative_to(root))
        for path in (root / "sklearn_svdmlp").rglob("__init__.py")
    }
    assert packages <= {str(Path(name).parent) for name in names}
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q"]
        + ["--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    script = """
import sys
import numpy as np
from sklearn.datasets import load_iris
from sklearn.neural_network import MLPClassifier
import sklearn_svdmlp
from sklearn_svdmlp import SVDCompressedMLPClassifier, c_runtime_dir, export_c

assert sklearn_svdmlp.__file__.startswith(sys.argv[1]), sklearn_svdmlp.__file__
X, y = load_iris(return_X_y=True)
model = SVDCompressedMLPClassifier(
    MLPClassifier((8,), solver="lbfgs", max_iter=300, random_state=0),
    rank=2, quantize="int8",
).fit(X, y)
open("iris.c", "w").write(export_c(model, name="iris"))
print(c_runtime_dir())
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
    )
    runtime = Path(result.stdout.strip())
    assert runtime.is_relative_to(target)
    subprocess.run(
        [COMPILER, *STRICT[:5], f"-I{runtime}", "iris.c", str(runtime / "svdmlp.c")]
        + ["-o", "iris.so", "-shared", "-fPIC", "-lm"],
        check=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "int iris_predict(const float *x)" in (tmp_path / "iris.c").read_text()
