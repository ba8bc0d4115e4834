"""The code of docs/deploying.rst, as it is on the page, runs on this machine.

Its Python writes the test vectors, its ``main.c`` and ``main.cpp`` are
compiled against a model exported the same way and run: every test vector
gives ``predict``'s class.
"""

import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_svdmlp import c_runtime_dir, export_c

PAGE = Path(__file__).parents[1] / "docs" / "deploying.rst"

# The prototypes and macros of digits.h that the page's programs use.
# TODO(merge): once export_c(folder=...) writes src/<name>.h, use that header
# instead of this stand-in.
HEADER = """#ifndef DIGITS_H
#define DIGITS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
#define DIGITS_N_FEATURES %d
void digits_quantize_input(const float *x, int8_t *xq);
int digits_predict_int8(const int8_t *x);
#ifdef __cplusplus
}
#endif
#endif
"""


def code_blocks(language):
    """The page's ``.. code-block:: language`` blocks, unindented."""
    blocks, lines = [], PAGE.read_text().splitlines()
    for number, line in enumerate(lines):
        if line.strip() == f".. code-block:: {language}":
            block = []
            for following in lines[number + 2 :]:
                if following.strip() and not following.startswith("    "):
                    break
                block.append(following[4:])
            blocks.append("\n".join(block).strip() + "\n")
    return blocks


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The page's model, its C file, and the test vectors its Python writes."""
    directory = tmp_path_factory.mktemp("deploying")
    fit, folder, vectors, emulated = code_blocks("python")
    assert "export_c(model" in folder and "emulate(model" in emulated
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exec(fit, namespace)
    model = namespace["model"]
    (directory / "digits.c").write_text(export_c(model, name="digits"))
    (directory / "digits.h").write_text(HEADER % model.n_features_in_)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        exec(vectors, namespace)
    return directory, namespace


def test_the_test_vectors_are_predicts(exported):
    directory, namespace = exported
    text = (directory / "digits_test.h").read_text()
    assert "#define N_TESTS 20" in text
    rows = namespace["X_test"][:20].astype(np.float32)
    labels = namespace["model"].predict(rows)
    expected = text.split("test_y[N_TESTS] = {")[1].split("}")[0]
    assert [int(cell) for cell in expected.split(",")] == list(labels)


@pytest.mark.parametrize(
    "language, compiler, flags",
    [
        ("c", "cc", ["-std=c99", "-pedantic"]),
        ("cpp", "c++", ["-std=c++11"]),
    ],
)
def test_the_programs_on_the_page_agree_with_predict(
    exported, language, compiler, flags
):
    if shutil.which(compiler) is None or shutil.which("cc") is None:
        pytest.skip(f"no {compiler}")
    directory, _ = exported
    (program,) = code_blocks(language)
    main = directory / f"main.{language}"
    main.write_text(program)
    runtime = c_runtime_dir()
    objects = []
    for source in [directory / "digits.c", runtime / "svdmlp.c"]:
        objects.append(directory / f"{source.stem}.o")
        subprocess.run(
            ["cc", "-std=c99", "-O2", f"-I{runtime}", "-c", str(source)]
            + ["-o", str(objects[-1])],
            check=True,
        )
    binary = directory / f"main-{language}"
    subprocess.run(
        [compiler, *flags, "-Wall", "-Wextra", "-Werror", f"-I{directory}"]
        + [str(main), *map(str, objects), "-o", str(binary), "-lm"],
        check=True,
    )
    result = subprocess.run([str(binary)], capture_output=True, text=True)
    assert result.stdout == "0 of 20 test vectors differ from predict\n"
    assert result.returncode == 0
