"""The header export_c writes: a C and a C++ firmware that include only it predict.

Each caller includes only ``<name>.h`` (and ``stdio.h``), calls every public
function, uses the macros and the labels array, and prints; what it prints
is what ``predict`` says. The C caller is built with ``-std=c99`` and
strict warnings; the C++ one with ``c++ -std=c++11 -Wall -Werror``, linking
the model and the runtime compiled as C.
"""

import shutil
import subprocess
import warnings

import numpy as np
import pytest
from _helpers import STRICT_C
from sklearn.datasets import load_diabetes, load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import (
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    export_c,
)

pytestmark = pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("c++") is None,
    reason="no C and C++ compilers (cc, c++)",
)
N_ROWS = 25


def _model(kind, integer):
    if kind == "regression":
        X, y = load_diabetes(return_X_y=True)
        y = np.column_stack([y, -y / 2]) / y.std()
        network = MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
        model = SVDCompressedMLPRegressor(network, rank=[4, None])
    else:
        if kind == "multilabel":
            X, y = make_multilabel_classification(
                n_samples=200, n_classes=3, random_state=0
            )
        else:
            X, y = load_iris(return_X_y=True)
            if kind == "binary":
                y = np.array(['no "one"', "yes/*!*/"])[(y > 0).astype(int)]
            else:
                y = y * 10 - 5
        network = MLPClassifier((16,), max_iter=300, random_state=0)
        model = SVDCompressedMLPClassifier(network, rank=[2, None])
    model.set_params(quantize="int8", integer_only=integer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), X[:N_ROWS]


def _calls(kind, integer, upper):
    """C statements printing, for row r, every function's results."""
    floats = 'for (j = 0; j < {n}; j++) printf("%.9g ", (double)y[j]);'
    lines = []
    if kind == "regression":
        lines.append(f"m_predict(rows[r], y); {floats.format(n=upper + '_N_OUTPUTS')}")
        if integer:
            lines += [
                "m_quantize_input(rows[r], xq); m_predict_int8(xq, y16);",
                'printf("%.9g ", (double)((float)y16[0] * M_OUTPUT_SCALE_0));',
                'printf("%.9g ", (double)((float)y16[1] * M_OUTPUT_SCALE_1));',
            ]
        return lines
    if kind == "multilabel":
        lines.append(
            "m_predict_labels(rows[r], labels);"
            'for (j = 0; j < M_N_OUTPUTS; j++) printf("%d ", labels[j]);'
        )
        if integer:
            lines.append(
                "m_quantize_input(rows[r], xq); m_predict_labels_int8(xq, labels);"
                'for (j = 0; j < M_N_OUTPUTS; j++) printf("%d ", labels[j]);'
            )
    else:
        label = '"%s "' if kind == "binary" else '"%ld "'
        cast = "" if kind == "binary" else "(long)"
        lines.append(f"printf({label}, {cast}M_LABELS[m_predict(rows[r])]);")
        if integer:
            lines.append(
                "m_quantize_input(rows[r], xq);"
                f"printf({label}, {cast}M_LABELS[m_predict_int8(xq)]);"
            )
    lines.append(f"m_predict_proba(rows[r], y); {floats.format(n='M_N_OUTPUTS')}")
    return lines


def _main(kind, integer, X):
    rows = ",\n".join(
        "    {" + ", ".join(f"{value:.9e}f" for value in row) + "}"
        for row in np.float32(X)
    )
    body = "\n        ".join(_calls(kind, integer, "M"))
    return (
        '#include <stdio.h>\n#include "m.h"\n\n'
        f"static const float rows[{len(X)}][M_N_FEATURES] = {{\n{rows}\n}};\n\n"
        "int main(void)\n{\n"
        "    int r, j, labels[M_N_OUTPUTS];\n    float y[M_N_OUTPUTS];\n"
        + (
            "    int8_t xq[M_N_FEATURES];\n    int16_t y16[M_N_OUTPUTS];\n"
            if integer
            else ""
        )
        + f"    for (r = 0; r < {len(X)}; r++) {{\n        {body}\n"
        '        printf("\\n");\n    }\n'
        "    (void)labels; (void)y; (void)j;\n"
        + ("    (void)xq; (void)y16;\n" if integer else "")
        + "    return 0;\n}\n"
    )


def _run(command, cwd):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _printed(kind, model, X, tmp_path, language):
    folder = tmp_path / "library"
    paths = export_c(model, name="m", folder=folder)
    src = str(paths["src/m.h"].parent)
    model_c = [str(paths["src/m.c"]), str(paths["src/svdmlp.c"])]
    main = tmp_path / f"main.{language}"
    main.write_text(
        _main(kind, model.network_.__class__.__name__ == "IntegerNetwork", X)
    )
    if language == "c":
        _run(
            [
                "cc",
                *STRICT_C,
                "-O2",
                f"-I{src}",
                str(main),
                *model_c,
                "-o",
                "main",
                "-lm",
            ],
            tmp_path,
        )
    else:
        for path in model_c:  # the model and the runtime compiled as C
            _run(["cc", *STRICT_C, "-O2", f"-I{src}", "-c", path], tmp_path)
        _run(
            ["c++", "-std=c++11", "-Wall", "-Wextra", "-Werror", "-O2", f"-I{src}"]
            + [str(main), "m.o", "svdmlp.o", "-o", "main", "-lm"],
            tmp_path,
        )
    return [line.split() for line in _run(["./main"], tmp_path).splitlines()]


CASES = [
    ("multiclass", False),
    ("multiclass", True),
    ("binary", True),
    ("multilabel", True),
    ("regression", False),
    ("regression", True),
]


@pytest.mark.parametrize("language", ["c", "cpp"])
@pytest.mark.parametrize(("kind", "integer"), CASES)
def test_a_caller_that_includes_only_the_header_predicts(
    kind, integer, language, tmp_path
):
    model, X = _model(kind, integer)
    printed = _printed(kind, model, X, tmp_path, language)
    expected = model.predict(X)
    if kind == "regression":
        values = np.array(printed, dtype=np.float32)
        n = model.output_spec_.n_outputs
        np.testing.assert_allclose(values[:, :n], expected, rtol=1e-4, atol=1e-4)
        if integer:  # the int16 outputs times the header's scales
            np.testing.assert_array_equal(values[:, n:], values[:, :n])
        return
    n_labels = model.output_spec_.n_targets if kind == "multilabel" else 1
    copies = 2 if integer else 1
    for copy in range(copies):
        cells = [row[copy * n_labels : (copy + 1) * n_labels] for row in printed]
        if kind == "multilabel":
            np.testing.assert_array_equal(np.array(cells, dtype=int), expected)
        elif kind == "binary":  # a label with a space prints as two cells
            for row, label in zip(printed, expected, strict=True):
                assert " ".join(row).startswith(" ".join([label] * copies) + " ")
        else:
            np.testing.assert_array_equal(np.array(cells, dtype=float)[:, 0], expected)
    proba = np.array([row[-model.output_spec_.n_targets :] for row in printed], float)
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)
