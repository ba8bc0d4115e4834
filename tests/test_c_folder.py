"""export_c(..., folder=...): a library CMake, PlatformIO and the Arduino IDE take.

The manifests are checked against the fields their documentation requires
(PlatformIO's library.json: name, version, description; the Arduino
library specification 1.5, rev. 2.2: name, version, author, maintainer,
sentence, paragraph, category, url, architectures, sources under src/),
and two models exported into one folder build together with CMake.
"""

import json
import re
import shutil
import subprocess
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    c_runtime_dir,
    export_c,
)

ARDUINO_REQUIRED = {
    "name",
    "version",
    "author",
    "maintainer",
    "sentence",
    "paragraph",
    "category",
    "url",
    "architectures",
}
ARDUINO_CATEGORIES = {
    "Display",
    "Communication",
    "Signal Input/Output",
    "Sensors",
    "Device Control",
    "Timing",
    "Data Storage",
    "Data Processing",
    "Other",
}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


@pytest.fixture(scope="module")
def models():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X, y = load_iris(return_X_y=True)
        iris = SVDCompressedMLPClassifier(
            MLPClassifier((8,), max_iter=200, random_state=0), rank=[2, None]
        ).fit(X, y)
        Xd, yd = load_diabetes(return_X_y=True)
        diabetes = SVDCompressedMLPRegressor(
            MLPRegressor(hidden_layer_sizes=(8,), max_iter=200, random_state=0),
            rank=[2, None],
            quantize="int8",
            integer_only=True,
        ).fit(Xd, yd / yd.std())
    return (iris, X[:5]), (diabetes, Xd[:5])


def test_the_files_and_their_paths(models, tmp_path):
    (iris, _), _ = models
    paths = export_c(iris, name="iris", folder=tmp_path)
    assert sorted(paths) == [
        "CMakeLists.txt",
        "library.json",
        "library.properties",
        "src/iris.c",
        "src/iris.h",
        "src/svdmlp.c",
        "src/svdmlp.h",
    ]
    for name, path in paths.items():
        assert path == tmp_path / name and path.is_file()
    for name in ("svdmlp.c", "svdmlp.h"):
        assert paths[f"src/{name}"].read_text() == (c_runtime_dir() / name).read_text()
    source = paths["src/iris.c"].read_text()
    assert '#include "iris.h"' in source
    # The file alone is unchanged without a folder: figures and prototypes in it.
    assert "int iris_predict(const float *x);" in export_c(iris, name="iris")


@pytest.mark.parametrize("name", ["svdmlp", "SVDMLP", "Svdmlp"])
def test_the_runtime_name_is_refused_in_a_folder(models, tmp_path, name):
    # Its header, or its include guard SVDMLP_H, would be the runtime's.
    (iris, _), _ = models
    with pytest.raises(ValueError, match="runtime's header"):
        export_c(iris, name=name, folder=tmp_path)
    assert not list(tmp_path.iterdir())


def test_the_platformio_manifest(models, tmp_path):
    (iris, _), _ = models
    export_c(iris, name="iris", folder=tmp_path)
    manifest = json.loads((tmp_path / "library.json").read_text())
    assert {"name", "version", "description"} <= set(manifest)
    # Names: a-z, digits and single dashes, not at either end, 50 at most.
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", manifest["name"])
    assert len(manifest["name"]) <= 50 and len(manifest["version"]) <= 20
    assert SEMVER.match(manifest["version"]) and len(manifest["description"]) <= 255
    assert manifest["headers"] == ["iris.h"]
    build = manifest["build"]
    assert (tmp_path / build["srcDir"] / "iris.c").is_file()
    assert (tmp_path / build["includeDir"] / "iris.h").is_file()


def test_the_arduino_manifest(models, tmp_path):
    (iris, _), (diabetes, _) = models
    export_c(iris, name="iris", folder=tmp_path)
    export_c(diabetes, name="diabetes", folder=tmp_path)
    lines = (tmp_path / "library.properties").read_text().splitlines()
    fields = dict(line.split("=", 1) for line in lines)
    assert len(fields) == len(lines) and ARDUINO_REQUIRED <= set(fields)
    assert all(fields[key].strip() for key in ARDUINO_REQUIRED)
    name = fields["name"]
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.\-]*", name) and len(name) <= 63
    assert not name.lower().startswith("arduino")
    assert SEMVER.match(fields["version"])
    assert fields["category"] in ARDUINO_CATEGORIES
    assert fields["includes"].split(",") == ["diabetes.h", "iris.h"]
    # The 1.5 layout: every source under src/, none at the root.
    assert not list(tmp_path.glob("*.c")) and not list(tmp_path.glob("*.h"))


@pytest.mark.skipif(shutil.which("cmake") is None, reason="no cmake")
def test_two_models_build_with_cmake(models, tmp_path):
    (iris, X), (diabetes, Xd) = models
    library = tmp_path / "library"
    export_c(iris, name="iris", folder=library)
    paths = export_c(diabetes, name="diabetes", folder=library)
    cmake = paths["CMakeLists.txt"].read_text()
    assert all(f"src/{name}.c" in cmake for name in ("iris", "diabetes", "svdmlp"))
    rows = lambda rows: ", ".join(f"{value:.9e}f" for value in rows[0])  # noqa: E731
    (tmp_path / "main.c").write_text(
        '#include <stdio.h>\n#include "iris.h"\n#include "diabetes.h"\n'
        f"static const float a[IRIS_N_FEATURES] = {{{rows(X)}}};\n"
        f"static const float b[DIABETES_N_FEATURES] = {{{rows(Xd)}}};\n"
        "int main(void)\n{\n    float y[DIABETES_N_OUTPUTS];\n"
        "    diabetes_predict(b, y);\n"
        '    printf("%d %.9g\\n", iris_predict(a), (double)y[0]);\n    return 0;\n}\n'
    )
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(firmware C)\n"
        "add_subdirectory(library)\nadd_executable(main main.c)\n"
        "target_link_libraries(main svdmlp_models)\n"
    )
    build = tmp_path / "build"
    for command in (
        ["cmake", "-S", str(tmp_path), "-B", str(build)],
        ["cmake", "--build", str(build)],
    ):
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    printed = subprocess.run(
        [str(build / "main")], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(printed[0]) == iris.predict(X[:1])[0]
    np.testing.assert_allclose(
        float(printed[1]), diabetes.predict(Xd[:1])[0], rtol=1e-5
    )
