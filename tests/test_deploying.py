"""The code of docs/deploying.rst, as it is on the page, runs on this machine.

Its Python exports the folder and writes the test vectors; its ``main.c``
and ``main.cpp`` are compiled against the folder's ``src/`` (the real
``digits.h``, ``digits.c`` and runtime) and run: every test vector gives
``predict``'s label.
"""

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

PAGE = Path(__file__).parents[1] / "docs" / "deploying.rst"


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
    """The page's model, its folder, and the test vectors its Python writes."""
    directory = tmp_path_factory.mktemp("deploying")
    fit, folder, vectors, emulated = code_blocks("python")
    assert "export_c(model" in folder and "emulate(model" in emulated
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exec(fit, namespace)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        exec(folder, namespace)
        exec(vectors, namespace)
    return directory, namespace


def test_the_folder_is_the_pages_list(exported):
    directory, namespace = exported
    section = PAGE.read_text().split("The folder\n")[1].split("A minimal")[0]
    names = [
        name
        for line in section.splitlines()
        if line.startswith("- ``")
        for name in re.findall(r"``([^`]+)``", line.split(": ")[0])
    ]
    paths = namespace["paths"]
    assert sorted(names) == sorted(paths)
    # The paths are as the page's call gives them: relative to its folder.
    assert all((directory / path).is_file() for path in paths.values())
    header = (directory / paths["src/digits.h"]).read_text()
    for macro in re.findall(r"``(DIGITS_[A-Z_]+)``", PAGE.read_text()):
        assert macro in header, macro
    cmake = (directory / paths["CMakeLists.txt"]).read_text()
    (block,) = code_blocks("cmake")
    target = re.search(r"PRIVATE (\w+)", block)[1]
    assert f"add_library({target} STATIC" in cmake


def test_the_test_vectors_are_predicts(exported):
    directory, namespace = exported
    text = (directory / "digits_test.h").read_text()
    assert "#define N_TESTS 20" in text
    rows = namespace["X_test"][:20].astype(np.float32)
    labels = namespace["model"].predict(rows)
    expected = text.split("test_y[N_TESTS] = {")[1].split("}")[0]
    assert [int(cell) for cell in expected.split(",")] == list(labels)
    np.testing.assert_array_equal(namespace["expected"], labels)


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
    src = directory / "digits_model" / "src"
    objects = []
    for source in sorted(src.glob("*.c")):
        objects.append(directory / f"{source.stem}.o")
        subprocess.run(
            ["cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{src}"]
            + ["-c", str(source), "-o", str(objects[-1])],
            check=True,
        )
    binary = directory / f"main-{language}"
    subprocess.run(
        [compiler, *flags, "-Wall", "-Wextra", "-Werror", f"-I{directory}"]
        + [f"-I{src}", str(main), *map(str, objects), "-o", str(binary), "-lm"],
        check=True,
    )
    result = subprocess.run([str(binary)], capture_output=True, text=True)
    assert result.stdout == "0 of 20 test vectors differ from predict\n"
    assert result.returncode == 0
