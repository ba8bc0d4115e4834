"""summary() returns a ModelSummary: today's text as a str, tables in a notebook."""

import pickle
import re

from sklearn.frozen import FrozenEstimator

from sklearn_svdmlp import ModelSummary, SVDCompressedMLPClassifier


def test_summary_is_the_text_shown_as_text_and_as_html(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=[8, 4, None], quantize="int8"
    ).fit(X_train, y_train)
    summary = model.summary()
    assert isinstance(summary, ModelSummary) and isinstance(summary, str)
    # A notebook's plain display (repr) is the text, line breaks not escaped.
    assert repr(summary) == str(summary) and "\\n" not in repr(summary)
    assert str(summary).startswith("Original network (MLPClassifier)\nlayer  kind")
    (original_title, original), (title, compressed) = summary.tables
    assert [row[2] for row in original] == ["64 x 64", "64 x 32", "32 x 10"]
    assert [row[3] for row in compressed] == ["8", "4", "-"]
    parameters = summary.columns.index("parameters")
    assert sum(row[parameters] for row in compressed) == model.n_params_
    assert sum(row[parameters] for row in original) == model.n_params_original_
    html = summary._repr_html_()
    assert html.count("<table>") == 2
    assert f"<caption>{original_title}</caption>" in html
    assert "quantize=&#x27;int8&#x27;" in html  # the title, escaped
    # One HTML row per layer, plus the header and the total of each table.
    assert len(re.findall("<tr>", html)) == len(original) + len(compressed) + 4
    assert f"{model.n_params_:,}" in html and "compression ratio" in html
    assert pickle.loads(pickle.dumps(summary)) == summary


def test_integer_only_scales_are_notes(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        rank=[8, None, None],
        quantize="int8",
        integer_only=True,
    ).fit(X_train, y_train)
    summary = model.summary()
    assert summary.notes[-1].startswith("Integer-only scales")
    assert summary.endswith(summary.notes[-1])
    assert summary._repr_html_().count("<pre>") == 2
