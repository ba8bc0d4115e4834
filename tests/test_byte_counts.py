"""What the header's flash figure counts, against ``n_bytes_`` (as the user guide says).

``<NAME>_FLASH_BYTES`` is the arrays of ``n_bytes_`` as the C file writes
them (float32 for ``quantize=None``, whose ``n_bytes_`` counts float64; an
integer-only network's input scale and zero point, 8 bytes, as macros), the
step table (44 bytes a step, 56 integer-only, 16 for the model) and a
scaler's means and scales (8 bytes a feature).
"""

import re
import warnings

import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import SVDCompressedMLPClassifier, export_c

X, y = load_digits(return_X_y=True)


@pytest.mark.parametrize("scaler", [False, True])
@pytest.mark.parametrize(
    ("quantize", "integer"),
    [(None, False), ("float32", False), ("float16", False), ("int4", False)]
    + [("int8", False), ("int8", True), ("int4", True)],
)
def test_the_flash_figure_is_n_bytes_and_the_step_table(
    quantize, integer, scaler, tmp_path
):
    model = SVDCompressedMLPClassifier(
        MLPClassifier((32,), max_iter=30, random_state=0),
        rank=[8, None],
        quantize=quantize,
        integer_only=integer,
    )
    estimator = make_pipeline(StandardScaler(), model) if scaler else model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    header = export_c(estimator, name="m", folder=tmp_path)["src/m.h"].read_text()
    stated = int(re.search(r"#define M_FLASH_BYTES (\d+)", header).group(1))
    if integer:
        n_steps = sum(len(layer.steps) for layer in model.network_.layers)
        arrays, step_bytes = model.n_bytes_ - 8, 56
    else:
        n_steps = sum(len(layer.affine_steps()) for layer in model.layers_)
        arrays = model.n_bytes_ // 2 if quantize is None else model.n_bytes_
        step_bytes = 44
    scaler_bytes = 8 * X.shape[1] if scaler else 0
    assert n_steps == 3  # a factored layer (two steps) and the output layer
    assert stated == arrays + step_bytes * n_steps + 16 + scaler_bytes


@pytest.mark.parametrize(
    ("quantize", "integer"),
    [(None, False), ("float16", False), ("int4", False), ("int8", True)]
    + [("int4", True)],
)
def test_the_summary_total_is_n_bytes(quantize, integer):
    # The case: an integer-only summary totalled 48 bytes short of
    # n_bytes_ (10 output scales and the input's scale and zero point).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SVDCompressedMLPClassifier(
            MLPClassifier((32,), max_iter=30, random_state=0),
            rank=[8, None],
            quantize=quantize,
            integer_only=integer,
        ).fit(X, y)
    title, rows = model.summary().tables[-1]
    assert sum(row[5] for row in rows) == model.n_bytes_
    totals = [line for line in str(model.summary()).splitlines() if "total" in line]
    assert f" {model.n_bytes_:,} " in totals[-1]
