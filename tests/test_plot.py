"""The Display-API plots and the compression ratio scorer."""

import sys

import numpy as np
import pytest

# The plot extra; without it, these tests skip.
matplotlib = pytest.importorskip("matplotlib")
from _helpers import CountingMLP
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import (
    CompressionCurveDisplay,
    SingularValuesDisplay,
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    byte_compression_ratio_scorer,
    compression_ratio_scorer,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def compressed(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    return SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=[8, 4, None]
    ).fit(X_train, y_train)


# ------------------------------------------------------ SingularValuesDisplay
def test_singular_values_display_draws_each_spectrum_and_rank(compressed):
    display = SingularValuesDisplay.from_estimator(compressed)
    assert len(display.lines_) == 3
    for line, spectrum in zip(display.lines_, compressed.singular_values_, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), spectrum)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(spectrum) + 1))
    assert [None if m is None else m.get_xdata()[0] for m in display.rank_lines_] == [
        8.5,
        4.5,
        None,
    ]
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == ["layer 0 (64 x 64)", "layer 1 (64 x 32)", "layer 2 (32 x 10)"]
    assert display.figure_ is display.ax_.figure


def test_singular_values_display_in_pipeline_on_given_axes(digits_split, fitted_mlp):
    X_train, _, y_train, _ = digits_split
    pipeline = make_pipeline(
        StandardScaler(),
        SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp), method="truncated", rank=[None, 5, None]
        ),
    ).fit(X_train, y_train)
    _, ax = plt.subplots()
    display = SingularValuesDisplay.from_estimator(pipeline, layers=[1], ax=ax, lw=3)
    assert display.ax_ is ax
    [line] = display.lines_
    assert line.get_linewidth() == 3
    np.testing.assert_array_equal(line.get_ydata(), pipeline[-1].singular_values_[1])
    assert display.rank_lines_[0].get_xdata()[0] == 5.5


def test_singular_values_display_from_values(compressed):
    display = SingularValuesDisplay(
        singular_values=[[3.0, 1.0, 0.5], [2.0, 0.1]], ranks=[2, None]
    ).plot()
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == ["layer 0", "layer 1"]
    marker, no_marker = display.rank_lines_
    assert marker.get_color() == display.lines_[0].get_color() and no_marker is None


@pytest.mark.parametrize(
    "layers, error, message",
    [
        ([3], ValueError, "layers must be indices from 0 to 2"),
        ([], ValueError, "at least one"),
        (1, TypeError, "layers must be a list of layer indices"),
        ([1.0], TypeError, "layers must be a list of layer indices"),
    ],
)
def test_singular_values_display_rejects_bad_layers(compressed, layers, error, message):
    with pytest.raises(error, match=message):
        SingularValuesDisplay.from_estimator(compressed, layers=layers)


def test_singular_values_display_rejects_bad_input(compressed, fitted_mlp):
    with pytest.raises(TypeError, match="SVDCompressedMLPClassifier or"):
        SingularValuesDisplay.from_estimator(fitted_mlp)
    with pytest.raises(NotFittedError):
        SingularValuesDisplay.from_estimator(SVDCompressedMLPClassifier())
    with pytest.raises(ValueError, match="ranks must have one entry per spectrum"):
        SingularValuesDisplay(singular_values=[[2.0, 1.0]], ranks=[1, 1]).plot()
    with pytest.raises(ValueError, match="layer_names must have one entry"):
        SingularValuesDisplay(
            singular_values=[[2.0, 1.0]], ranks=[1], layer_names=["a", "b"]
        ).plot()


# ---------------------------------------------------- CompressionCurveDisplay
def test_compression_curve_joins_points_in_order_of_ratio():
    display = CompressionCurveDisplay(
        compression_ratios=[[4.0, 1.0, 2.0], [3.0, 1.5]],
        scores=[[0.5, 0.9, 0.8], [0.7, 0.6]],
        labels=["a", "b"],
        score_name="accuracy",
    ).plot(color="k")
    first, second = display.lines_
    np.testing.assert_array_equal(first.get_xdata(), [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(first.get_ydata(), [0.9, 0.8, 0.5])
    np.testing.assert_array_equal(second.get_xdata(), [1.5, 3.0])
    assert first.get_color() == "k"
    assert display.ax_.get_xscale() == "log"
    display.figure_.canvas.draw()
    ticks = [label.get_text() for label in display.ax_.get_xticklabels()]
    assert {"1", "1.5", "2", "3", "4"} <= set(ticks)
    assert display.ax_.get_ylabel() == "accuracy"
    labels = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert labels == ["a", "b"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(compression_ratios=[[1, 2]], scores=[[1, 2], [3, 4]]), "one array per"),
        (dict(compression_ratios=[[1, 2]], scores=[[1]]), "curve 0 has 2 compression"),
        (dict(compression_ratios=[[1]], scores=[[1]], labels=["a", "b"]), "labels"),
        (dict(compression_ratios=[1, 2], scores=[0.9, 0.8]), "lists of 1-d arrays"),
    ],
)
def test_compression_curve_rejects_mismatched_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CompressionCurveDisplay(**kwargs).plot()


def test_compression_curve_from_estimator_matches_cross_validation(
    fitted_mlp, digits_split
):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp))
    cv = KFold(3, shuffle=True, random_state=0)
    ranks = [None, 16, 4]
    display = CompressionCurveDisplay.from_estimator(
        model, X_train, y_train, param_name="rank", param_range=ranks, cv=cv
    )
    expected_scores, expected_ratios = [], []
    for rank in ranks:
        model.set_params(rank=rank)
        expected_scores.append(cross_val_score(model, X_train, y_train, cv=cv).mean())
        expected_ratios.append(model.fit(X_train, y_train).compression_ratio_)
    np.testing.assert_allclose(display.scores[0], expected_scores)
    np.testing.assert_allclose(display.compression_ratios[0], expected_ratios)
    assert expected_ratios[0] == 1.0 and expected_ratios[2] > expected_ratios[1] > 1
    assert display.ax_.get_ylabel() == "accuracy"
    assert display.ax_.get_legend() is None


def test_compression_curve_from_estimator_takes_scoring_and_pipeline_names(
    fitted_mlp, digits_split
):
    X_train, _, y_train, _ = digits_split
    pipeline = make_pipeline(
        StandardScaler(), SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp))
    )
    display = CompressionCurveDisplay.from_estimator(
        pipeline,
        X_train,
        y_train,
        param_name="svdcompressedmlpclassifier__rank",
        param_range=[8, 2],
        cv=2,
        scoring="neg_log_loss",
        label="pipeline",
    )
    assert display.ax_.get_ylabel() == "neg_log_loss"
    assert np.all(display.scores[0] < 0)
    assert display.labels == ["pipeline"]


def test_compression_curve_from_estimator_names_regression_score(rng):
    X = rng.normal(size=(120, 6))
    y = X @ rng.normal(size=6)
    display = CompressionCurveDisplay.from_estimator(
        SVDCompressedMLPRegressor(random_state=0),
        X,
        y,
        param_range=[None, 1],
        cv=2,
    )
    assert display.ax_.get_ylabel() == "R^2"
    r2 = cross_val_score(SVDCompressedMLPRegressor(random_state=0, rank=1), X, y, cv=2)
    assert display.scores[0][1] == pytest.approx(r2.mean())


def test_compression_curve_from_estimator_raises_on_bad_value(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.raises(TypeError, match="scoring must be a str, a callable or None"):
        CompressionCurveDisplay.from_estimator(
            SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp)),
            X_train,
            y_train,
            param_range=[2],
            scoring=["accuracy"],
        )
    with pytest.raises(ValueError, match="rank"):
        CompressionCurveDisplay.from_estimator(
            SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp)),
            X_train,
            y_train,
            param_range=[-1],
            cv=2,
        )


@pytest.fixture
def grid_search(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    return GridSearchCV(
        SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), random_state=0),
        {"rank": [None, 8, 4], "method": ["svd", "truncated"]},
        scoring={"accuracy": "accuracy", "compression_ratio": compression_ratio_scorer},
        refit=False,
        cv=2,
    ).fit(X_train, y_train)


def test_compression_curve_from_cv_results_one_curve_per_group(grid_search):
    results = grid_search.cv_results_
    display = CompressionCurveDisplay.from_cv_results(results, group_by="method")
    assert display.labels == ["method='svd'", "method='truncated'"]
    for label, ratios, scores in zip(
        ["svd", "truncated"], display.compression_ratios, display.scores, strict=True
    ):
        rows = [p["method"] == label for p in results["params"]]
        np.testing.assert_array_equal(
            ratios, results["mean_test_compression_ratio"][rows]
        )
        np.testing.assert_array_equal(scores, results["mean_test_accuracy"][rows])
    assert display.ax_.get_ylabel() == "accuracy"
    # rank=None is the uncompressed network, in either group.
    assert [ratios.min() for ratios in display.compression_ratios] == [1.0, 1.0]


def test_compression_curve_from_cv_results_one_curve_without_group(grid_search):
    display = CompressionCurveDisplay.from_cv_results(
        grid_search.cv_results_, metric="accuracy", score_name="cv accuracy"
    )
    assert len(display.lines_) == 1 and display.labels is None
    assert len(display.lines_[0].get_xdata()) == 6
    assert display.ax_.get_ylabel() == "cv accuracy"


def test_compression_curve_from_cv_results_rejects_bad_input(grid_search, fitted_mlp):
    results = grid_search.cv_results_
    with pytest.raises(ValueError, match="metric must be one of .*'accuracy'"):
        CompressionCurveDisplay.from_cv_results(results, metric="f1")
    with pytest.raises(ValueError, match="group_by must be a parameter"):
        CompressionCurveDisplay.from_cv_results(results, group_by="bias")
    plain = {
        key: value for key, value in results.items() if "compression_ratio" not in key
    }
    with pytest.raises(ValueError, match="compression_ratio_scorer"):
        CompressionCurveDisplay.from_cv_results(plain)
    two_scores = {**results, "mean_test_other": results["mean_test_accuracy"]}
    with pytest.raises(ValueError, match="metric must name one of"):
        CompressionCurveDisplay.from_cv_results(two_scores)
    only_ratio = {k: v for k, v in results.items() if "accuracy" not in k}
    with pytest.raises(ValueError, match="no score to draw besides"):
        CompressionCurveDisplay.from_cv_results(only_ratio)
    with pytest.raises(TypeError, match="group_by must be a parameter name"):
        CompressionCurveDisplay.from_cv_results(results, group_by=["method"])
    partly = {**results, "params": [dict(p) for p in results["params"]]}
    del partly["params"][0]["method"]
    with pytest.raises(ValueError, match="'method' is missing from 1 of 6"):
        CompressionCurveDisplay.from_cv_results(partly, group_by="method")


def test_compression_curve_groups_by_list_valued_parameter(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    rank_lists = [[8, 4, None], [4, 2, None], None]
    results = (
        GridSearchCV(
            SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp)),
            {"rank": rank_lists, "bias": ["separate", "augment"]},
            scoring={
                "accuracy": "accuracy",
                "compression_ratio": compression_ratio_scorer,
            },
            refit=False,
            cv=2,
        )
        .fit(X_train, y_train)
        .cv_results_
    )
    display = CompressionCurveDisplay.from_cv_results(results, group_by="rank")
    assert display.labels == [f"rank={ranks!r}" for ranks in rank_lists]
    assert [len(ratios) for ratios in display.compression_ratios] == [2, 2, 2]
    np.testing.assert_array_equal(display.compression_ratios[2], [1.0, 1.0])


# -------------------------------------------------- compression_ratio_scorer
def test_compression_ratio_scorer_reads_the_model_or_pipeline(compressed):
    assert compression_ratio_scorer(compressed) == compressed.compression_ratio_
    assert compressed.compression_ratio_ > 1
    pipeline = make_pipeline(FrozenEstimator(StandardScaler()), compressed)
    assert (
        compression_ratio_scorer(pipeline, None, None) == compressed.compression_ratio_
    )


def test_compression_ratio_scorer_rejects_other_estimators():
    with pytest.raises(TypeError, match="got LogisticRegression"):
        compression_ratio_scorer(LogisticRegression())
    with pytest.raises(TypeError, match="got a Pipeline around LogisticRegression"):
        compression_ratio_scorer(make_pipeline(StandardScaler(), LogisticRegression()))
    with pytest.raises(NotFittedError):
        compression_ratio_scorer(SVDCompressedMLPClassifier())


def test_plot_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    display = CompressionCurveDisplay(compression_ratios=[[1.0]], scores=[[1.0]])
    with pytest.raises(ImportError, match=r"sklearn-svdmlp\[plot\]"):
        display.plot()


def test_style_keywords_and_their_aliases_override_the_defaults(compressed):
    display = SingularValuesDisplay.from_estimator(compressed, ms=6, c="black")
    assert all(line.get_markersize() == 6 for line in display.lines_)
    assert all(line.get_color() == "black" for line in display.lines_)
    curve = CompressionCurveDisplay(
        compression_ratios=[[1.0, 2.0]], scores=[[0.9, 0.8]], labels=["a"]
    ).plot(marker="s", label="b")
    assert curve.lines_[0].get_marker() == "s" and curve.lines_[0].get_label() == "b"


def test_missing_matplotlib_is_reported_before_the_search(monkeypatch, digits_split):
    X_train, _, y_train, _ = digits_split
    CountingMLP.n_fit_calls = 0
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    model = SVDCompressedMLPClassifier(CountingMLP((8,), max_iter=20))
    with pytest.raises(ImportError, match=r"sklearn-svdmlp\[plot\]"):
        CompressionCurveDisplay.from_estimator(
            model, X_train, y_train, param_name="rank", param_range=[1, 2], cv=2
        )
    assert CountingMLP.n_fit_calls == 0


def test_the_size_axis_can_count_bytes(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    search = GridSearchCV(
        SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=8),
        {"quantize": [None, "float16", "int8"]},
        scoring={
            "accuracy": "accuracy",
            "compression_ratio": compression_ratio_scorer,
            "byte_compression_ratio": byte_compression_ratio_scorer,
        },
        refit=False,
        cv=KFold(2),
    ).fit(X_train, y_train)
    by_bytes = CompressionCurveDisplay.from_cv_results(
        search.cv_results_, metric="accuracy", size="bytes"
    )
    by_parameters = CompressionCurveDisplay.from_cv_results(
        search.cv_results_, metric="accuracy"
    )
    # Rounding shrinks bytes, not parameters (but for the rows of the blank
    # pixels a stored model skips: 3 of 64 inputs at most here).
    ratios = by_parameters.compression_ratios[0]
    assert ratios.max() / ratios.min() < 1.05
    np.testing.assert_allclose(
        np.sort(by_bytes.compression_ratios[0]),
        np.sort(search.cv_results_["mean_test_byte_compression_ratio"]),
    )
    assert by_bytes.compression_ratios[0].max() > 7
    assert "bytes" in by_bytes.ax_.get_xlabel()
    with pytest.raises(ValueError, match="size must be 'parameters' or 'bytes'"):
        CompressionCurveDisplay.from_cv_results(search.cv_results_, size="kB")
