"""Issue 29, item 8: the size scorers look inside wrappers; the Display reads any key.

Before, ``compression_ratio_scorer`` did not unwrap a
``TransformedTargetRegressor``: in a search every ratio was NaN, with one
traceback per fit; ``from_cv_results`` needed the exact key
``"compression_ratio"``.
"""

import warnings

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_svdmlp import (
    CompressionCurveDisplay,
    SVDCompressedMLPClassifier,
    SVDCompressedMLPRegressor,
    byte_compression_ratio_scorer,
    compression_ratio_scorer,
)

X, y = load_diabetes(return_X_y=True)
NETWORK = MLPRegressor(
    hidden_layer_sizes=(16,), solver="lbfgs", max_iter=300, random_state=0
)


def regressor(**params):
    return SVDCompressedMLPRegressor(NETWORK, random_state=0, quantize="int8", **params)


WRAPPED = {
    "transformed target": lambda: TransformedTargetRegressor(
        regressor(), transformer=StandardScaler()
    ),
    "pipeline": lambda: make_pipeline(StandardScaler(), regressor()),
    "transformed target of a pipeline": lambda: TransformedTargetRegressor(
        make_pipeline(StandardScaler(), regressor()), transformer=StandardScaler()
    ),
    "pipeline of a transformed target": lambda: make_pipeline(
        StandardScaler(),
        TransformedTargetRegressor(regressor(), transformer=StandardScaler()),
    ),
}


def inner(model):
    """The compressed model, unwrapped by hand."""
    while not isinstance(model, SVDCompressedMLPRegressor):
        model = model[-1] if hasattr(model, "steps") else model.regressor_
    return model


@pytest.mark.parametrize("wrapping", sorted(WRAPPED))
def test_the_scorers_unwrap(wrapping):
    model = WRAPPED[wrapping]().fit(X, y)
    found = inner(model)
    assert compression_ratio_scorer(model) == found.compression_ratio_
    assert byte_compression_ratio_scorer(model) == (
        found.n_bytes_original_ / found.n_bytes_
    )
    assert compression_ratio_scorer(FrozenEstimator(model)) == found.compression_ratio_


def test_no_nan_in_a_search_over_a_transformed_target():
    # The case: every ratio was NaN.
    search = GridSearchCV(
        WRAPPED["transformed target"](),
        {"regressor__rank": [2, 4]},
        scoring={"r2": "r2", "ratio": compression_ratio_scorer},
        refit=False,
        cv=3,
        error_score="raise",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no failed-fit warnings
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    ratios = search.cv_results_["mean_test_ratio"]
    assert np.isfinite(ratios).all() and ratios[1] < ratios[0]


def test_what_the_scorers_cannot_unwrap_is_named():
    X_class, y_class = X[:100], (y[:100] > 140).astype(int)
    other = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_class, y_class)
    with pytest.raises(TypeError, match="got a Pipeline around LogisticRegression"):
        compression_ratio_scorer(other)
    with pytest.raises(TypeError, match="TransformedTargetRegressor or FrozenEs"):
        byte_compression_ratio_scorer(LogisticRegression())


def test_the_curve_reads_the_ratio_under_any_key():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    search = GridSearchCV(
        WRAPPED["pipeline"](),
        {"svdcompressedmlpregressor__rank": [None, 4, 2]},
        scoring={"fit": "r2", "ratio": compression_ratio_scorer},
        refit=False,
        cv=3,
    ).fit(X, y)
    results = search.cv_results_
    display = CompressionCurveDisplay.from_cv_results(results, ratio_key="ratio")
    np.testing.assert_array_equal(
        np.sort(display.compression_ratios[0]), np.sort(results["mean_test_ratio"])
    )
    assert display.score_name == "fit"  # the ratio is not a score to draw
    with pytest.raises(ValueError, match=r"ratio_key must be one of .*'fit', 'ratio'"):
        CompressionCurveDisplay.from_cv_results(results, ratio_key="size")
    with pytest.raises(ValueError, match="or name its key with ratio_key"):
        CompressionCurveDisplay.from_cv_results(results)
    plt.close("all")


def test_the_classifier_scorer_reads_a_frozen_model(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=4)
    model.fit(X_train, y_train)
    assert compression_ratio_scorer(FrozenEstimator(model)) == model.compression_ratio_
