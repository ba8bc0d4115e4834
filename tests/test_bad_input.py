"""Every invalid input gets a clear error naming what is wrong."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

from sklearn_svdmlp import SVDCompressedMLPClassifier

X, y = load_iris(return_X_y=True)
NETWORK = MLPClassifier((8,), max_iter=30, random_state=0)


@pytest.fixture(autouse=True)
def _quiet(recwarn):
    """ConvergenceWarnings of the 30-iteration network are not under test."""


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(rank=0), ValueError, "'rank' parameter.*int in the range \\[1, inf\\)"),
        (dict(rank=-3), ValueError, "'rank' parameter"),
        (
            dict(rank=1.5),
            ValueError,
            "'rank' parameter.*float in the range \\(0.0, 1.0\\)",
        ),
        (dict(rank=0.0), ValueError, "'rank' parameter"),
        (dict(rank=1.0), ValueError, "'rank' parameter"),
        (dict(rank="high"), ValueError, "'rank' parameter"),
        (dict(rank=True), ValueError, "rank must be an int >= 1.*got True"),
        (dict(rank=[2]), ValueError, "rank has 1 entries but the network has 2"),
        (dict(rank=[2, 3, None]), ValueError, "rank has 3 entries"),
        (dict(rank=[2, "a"]), ValueError, "rank entries must be.*got 'a'"),
        (dict(rank=[2, 0]), ValueError, "rank entries must be.*got 0"),
        (dict(rank=(1.0, None)), ValueError, "rank entries must be.*got 1.0"),
        (dict(rank=[False, None]), ValueError, "rank entries must be.*got False"),
        (dict(method="pca"), ValueError, "'method' parameter.*'svd'"),
        (dict(bias="both"), ValueError, "'bias' parameter.*'augment'"),
        (dict(svd_on="inputs"), ValueError, "'svd_on' parameter.*'outputs'"),
        (
            dict(fine_tune_distillation=1.5),
            ValueError,
            "'fine_tune_distillation' parameter.*range \\[0.0, 1.0\\]",
        ),
        (dict(head="logistic"), ValueError, "'head' parameter"),
        (dict(random_state="seed"), ValueError, "'random_state' parameter"),
        (
            dict(estimator=LogisticRegression()),
            TypeError,
            "estimator must be an MLPClassifier.*got LogisticRegression",
        ),
        (
            dict(estimator=FrozenEstimator(LogisticRegression().fit(X, y))),
            TypeError,
            "FrozenEstimator wrapping LogisticRegression",
        ),
        (dict(estimator="mlp"), ValueError, "'estimator' parameter"),
        (
            dict(method="truncated", rank=[None, 2]),
            ValueError,
            "output layer cannot be truncated",
        ),
        (dict(method="truncated", rank=[2, 2]), ValueError, "exactly one entry"),
    ],
)
def test_invalid_parameters(params, error, match):
    params = {"estimator": NETWORK, **params}
    with pytest.raises(error, match=match):
        SVDCompressedMLPClassifier(**params).fit(X, y)


def test_truncation_needs_a_hidden_layer():
    network = MLPClassifier(hidden_layer_sizes=(), max_iter=30, random_state=0)
    with pytest.raises(ValueError, match="at least one hidden layer"):
        SVDCompressedMLPClassifier(network, method="truncated", rank=2).fit(X, y)


def test_unfitted_frozen_network():
    with pytest.raises(NotFittedError):
        SVDCompressedMLPClassifier(FrozenEstimator(MLPClassifier())).fit(X, y)


def test_frozen_network_with_other_features_or_labels():
    network = MLPClassifier((8,), max_iter=30, random_state=0).fit(X, y)
    with pytest.raises(
        ValueError, match="frozen network in estimator: X has 3 features.*expecting 4"
    ):
        SVDCompressedMLPClassifier(FrozenEstimator(network)).fit(X[:, :3], y)
    with pytest.raises(
        ValueError, match="labels the frozen network.*was not trained on"
    ):
        SVDCompressedMLPClassifier(FrozenEstimator(network)).fit(X, y + 1)


def test_head_that_takes_no_sample_weight():
    from sklearn.neighbors import KNeighborsClassifier

    model = SVDCompressedMLPClassifier(
        NETWORK, method="truncated", rank=2, head=KNeighborsClassifier()
    )
    with pytest.raises(ValueError, match="head KNeighborsClassifier does not accept"):
        model.fit(X, y, sample_weight=np.ones(len(y)))
    model.set_params(head=LinearSVC()).fit(X, y, sample_weight=np.ones(len(y)))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_infinity_rejected(bad):
    X_bad = X.copy()
    X_bad[3, 1] = bad
    model = SVDCompressedMLPClassifier(NETWORK)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        model.fit(X_bad, y)
    model.fit(X, y)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        model.predict(X_bad)


def test_wrong_feature_count_at_predict():
    model = SVDCompressedMLPClassifier(NETWORK).fit(X, y)
    with pytest.raises(
        ValueError, match="X has 3 features, but SVDCompressedMLPClassifier"
    ):
        model.predict_proba(X[:, :3])


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "summary"]
)
def test_use_before_fit(method):
    with pytest.raises(NotFittedError):
        getattr(SVDCompressedMLPClassifier(NETWORK), method)(
            *([X] if method != "summary" else [])
        )


def test_regression_target_rejected():
    with pytest.raises(ValueError, match="Unknown label type"):
        SVDCompressedMLPClassifier(NETWORK).fit(X, X[:, 0])


@pytest.mark.parametrize("frozen", [False, True])
def test_a_regressor_network_is_a_type_error_and_tags_still_work(frozen):
    from sklearn.neural_network import MLPRegressor
    from sklearn.utils import get_tags

    network = MLPRegressor(hidden_layer_sizes=(4,), max_iter=20)
    if frozen:
        network = FrozenEstimator(network.fit(X, y))
    model = SVDCompressedMLPClassifier(network)
    assert get_tags(model).classifier_tags.multi_label  # an MLPClassifier's
    assert "SVDCompressedMLPClassifier" in model._repr_html_()
    with pytest.raises(TypeError, match="estimator must be an MLPClassifier"):
        model.fit(X, y)


@pytest.mark.parametrize("fraction", [np.float32(0.5), np.float16(0.5)])
def test_numpy_float_ranks_are_ranks(fraction):
    ours = SVDCompressedMLPClassifier(NETWORK, rank=fraction).fit(X, y)
    python_float = SVDCompressedMLPClassifier(NETWORK, rank=0.5).fit(X, y)
    assert ours.ranks_ == python_float.ranks_
    SVDCompressedMLPClassifier(NETWORK, validation_fraction=np.float32(0.2))


def test_a_head_bigger_than_what_it_replaces_warns():
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(n_estimators=20, random_state=0)
    with pytest.warns(UserWarning, match="stores more numbers") as record:
        model = SVDCompressedMLPClassifier(
            NETWORK, method="truncated", rank=2, head=forest
        ).fit(X, y)
    assert model.compression_ratio_ < 1
    assert [w.filename for w in record if "stores more" in str(w.message)] == [__file__]


def test_prediction_skips_only_validation_that_would_change_nothing(monkeypatch):
    import sklearn_svdmlp._estimators._prediction as prediction

    model = SVDCompressedMLPClassifier(NETWORK, rank=2).fit(X, y)
    original, validated = prediction.validate_data, []

    def counting(*args, **kwargs):
        validated.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(prediction, "validate_data", counting)
    # A plain finite float array of the right width needs no conversion, and
    # gives what the validated path gives (here from a list).
    expected = model.predict_proba(X.tolist())
    assert len(validated) == 1
    np.testing.assert_array_equal(model.predict_proba(X), expected)
    model.predict(X.astype(np.float32))
    assert len(validated) == 1
    # Anything else is validated as usual: converted, or refused with
    # scikit-learn's own errors.
    whole = X.astype(int)
    np.testing.assert_array_equal(
        model.predict_proba(whole), model.predict_proba(whole.astype(float))
    )
    bad = X.copy()
    bad[3, 1] = np.nan
    for wrong in [bad, X[:, :3], X[:0], X[:, :, np.newaxis]]:
        with pytest.raises(ValueError):
            model.predict(wrong)
    assert len(validated) == 6
