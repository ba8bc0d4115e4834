"""rank="auto" with max_score_drop: the smallest model within a score drop."""

import warnings

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import sklearn_svdmlp._estimators._search as search_module
from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._rank_selection import breakeven_rank
from sklearn_svdmlp._estimators._search import candidate_ranks


def validation_part(X, y, fraction, seed):
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=fraction, random_state=seed, stratify=y
    )
    return X_val, y_val


@pytest.fixture(scope="module")
def network():
    return MLPClassifier((64, 32), max_iter=400, random_state=0)


# Drops at which each method compresses this network, so the bound is tested
# on compressed models (at smaller drops, truncation keeps it uncompressed).
@pytest.mark.parametrize(
    "method, max_score_drop",
    [
        ("svd", 0.0),
        ("svd", 0.02),
        ("svd", 0.1),
        ("truncated", 0.05),
        ("truncated", 0.1),
    ],
)
def test_drop_bound_holds_on_the_validation_part(
    network, digits_split, method, max_score_drop
):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        network,
        method=method,
        rank="auto",
        max_score_drop=max_score_drop,
        svd_on="activations",
        validation_fraction=0.2,
        random_state=0,
        keep_original=True,
    ).fit(X_train, y_train)
    X_val, y_val = validation_part(X_train, y_train, 0.2, 0)
    baseline = model.estimator_.score(X_val, y_val)
    assert model.baseline_score_ == pytest.approx(baseline)
    assert model.score(X_val, y_val) == pytest.approx(model.validation_score_)
    assert model.score(X_val, y_val) >= baseline - max_score_drop - 1e-12
    # The network never saw the validation part: it is the network fitted on
    # the rest alone.
    X_rest, _, y_rest, _ = train_test_split(
        X_train, y_train, test_size=0.2, random_state=0, stratify=y_train
    )
    alone = MLPClassifier((64, 32), max_iter=400, random_state=0).fit(X_rest, y_rest)
    for ours, theirs in zip(model.estimator_.coefs_, alone.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert model.compression_ratio_ > 1.1
    if max_score_drop >= 0.1:
        assert model.compression_ratio_ > 1.2


def test_a_larger_budget_buys_a_smaller_model(network, digits_split):
    X_train, _, y_train, _ = digits_split
    ratios = [
        SVDCompressedMLPClassifier(
            network,
            rank="auto",
            max_score_drop=drop,
            svd_on="activations",
            random_state=0,
        )
        .fit(X_train, y_train)
        .compression_ratio_
        for drop in [0.0, 0.05, 0.3]
    ]
    assert ratios[0] <= ratios[1] <= ratios[2] and ratios[0] < ratios[2]


def test_sensitivity_is_computed_once_and_the_search_is_short(
    network, digits_split, monkeypatch
):
    X_train, _, y_train, _ = digits_split
    # Each combined candidate of the bisection asks for its requests once.
    combined, sensitivities = [], []
    original_requests = search_module.requests_for_threshold
    original_sensitivity = search_module.layer_sensitivity

    def counting_requests(sensitivity, baseline, threshold):
        combined.append(threshold)
        return original_requests(sensitivity, baseline, threshold)

    def counting_sensitivity(evaluate, limits):
        sensitivities.append(limits)
        return original_sensitivity(evaluate, limits)

    monkeypatch.setattr(search_module, "requests_for_threshold", counting_requests)
    monkeypatch.setattr(search_module, "layer_sensitivity", counting_sensitivity)
    model = SVDCompressedMLPClassifier(
        network, rank="auto", max_score_drop=0.02, random_state=0, keep_original=True
    ).fit(X_train, y_train)
    assert len(sensitivities) == 1
    n_thresholds = sum(len(layer["scores"]) for layer in model.sensitivity_) + 1
    assert 1 <= len(combined) <= int(np.ceil(np.log2(n_thresholds))) + 1
    # Per layer: one score per candidate rank, and more rank scores better.
    limits = [breakeven_rank(c.shape, "separate") for c in model.estimator_.coefs_]
    for layer, limit in zip(model.sensitivity_, limits, strict=True):
        np.testing.assert_array_equal(layer["ranks"], candidate_ranks(limit))
        assert layer["scores"][-1] >= layer["scores"][0]


def test_truncated_search_tries_each_hidden_layer_widest_first(network, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        network,
        method="truncated",
        rank="auto",
        max_score_drop=0.05,
        random_state=0,
    ).fit(X_train, y_train)
    tried = [list(layer["ranks"]) for layer in model.sensitivity_]
    # Every hidden layer (64 and 32 wide), never the output layer; the full
    # width first, then a bisection over 1, 2, 4, ... instead of all of them.
    assert tried[2] == []
    for widths, width in zip(tried[:2], [64, 32], strict=True):
        assert width in widths
        assert len(widths) <= np.ceil(np.log2(len(candidate_ranks(width)))) + 1
    cut = next(i for i, rank in enumerate(model.ranks_) if rank is not None)
    chosen = model.ranks_[cut]
    assert model.baseline_score_ - model.validation_score_ <= 0.05
    scores = dict(
        zip(
            model.sensitivity_[cut]["ranks"],
            model.sensitivity_[cut]["scores"],
            strict=True,
        )
    )
    assert scores[chosen] == pytest.approx(model.validation_score_)
    smaller = [r for r in scores if r < chosen]
    assert all(model.baseline_score_ - scores[r] > 0.05 for r in smaller)


def test_no_model_within_the_bound_keeps_the_network(digits_split):
    X_train, _, y_train, _ = digits_split
    network = MLPClassifier((4,), max_iter=400, random_state=0)
    with pytest.warns(UserWarning, match="kept uncompressed") as record:
        model = SVDCompressedMLPClassifier(
            network,
            method="truncated",
            rank="auto",
            max_score_drop=0.0,
            scoring="neg_log_loss",
            random_state=0,
        ).fit(X_train, y_train)
    assert model.ranks_ == [None, None] and model.compression_ratio_ == 1.0
    # The full width failed, so no narrower one was tried.
    assert list(model.sensitivity_[0]["ranks"]) == [4]
    # The warning points at the caller's line, not into scikit-learn.
    (warning,) = [w for w in record if "kept uncompressed" in str(w.message)]
    assert warning.filename == __file__


def test_users_validation_data_judges_the_drop(network, digits_split):
    X_train, X_test, y_train, y_test = digits_split
    model = SVDCompressedMLPClassifier(
        network, rank="auto", max_score_drop=0.02, random_state=0, keep_original=True
    ).fit(X_train, y_train, X_val=X_test, y_val=y_test)
    # Nothing is split off: the network is the one fitted on all of X_train.
    alone = MLPClassifier((64, 32), max_iter=400, random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(model.estimator_.coefs_[0], alone.coefs_[0])
    assert model.baseline_score_ == pytest.approx(alone.score(X_test, y_test))
    assert model.validation_score_ == pytest.approx(model.score(X_test, y_test))
    assert model.score(X_test, y_test) >= model.baseline_score_ - 0.02
    assert model.compression_ratio_ > 1.2


@pytest.mark.parametrize(
    "params, fit_params",
    [
        (dict(rank="auto", max_score_drop=0.1), dict(X_val="X")),
        (dict(rank="auto", max_score_drop=0.1), dict(y_val="y")),
        (dict(rank=4), dict(y_val="y", sample_weight_val="w")),
    ],
)
def test_validation_data_goes_together(digits_split, params, fit_params):
    X_train, _, y_train, _ = digits_split
    fit_params = {
        name: {"X": X_train, "y": y_train, "w": np.ones(len(y_train))}[value]
        for name, value in fit_params.items()
    }
    with pytest.raises(ValueError, match="X_val and y_val .* go together"):
        SVDCompressedMLPClassifier(MLPClassifier((8,), max_iter=20), **params).fit(
            X_train, y_train, **fit_params
        )


def test_warns_when_the_validation_part_was_seen_or_is_too_small(
    fitted_mlp, digits_split
):
    X_train, X_test, y_train, y_test = digits_split
    frozen = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank="auto", max_score_drop=0.05
    )
    with pytest.warns(UserWarning, match="data the network has seen") as record:
        frozen.fit(X_train, y_train)
    assert all(
        w.filename == __file__ for w in record if "network has" in str(w.message)
    )
    # With the user's own validation data, no such warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        frozen.fit(X_train, y_train, X_val=X_test, y_val=y_test)
    # 135 validation rows: one row is 0.0074 of accuracy, more than half of 0.01.
    with pytest.warns(UserWarning, match=r"One validation row is worth 0\.0074"):
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=50, random_state=0),
            rank="auto",
            max_score_drop=0.01,
            random_state=0,
        ).fit(X_train, y_train)


def test_verbose_reports_the_search(network, digits_split, capsys):
    X_train, _, y_train, _ = digits_split
    SVDCompressedMLPClassifier(
        network, rank="auto", max_score_drop=0.05, verbose=1, random_state=0
    ).fit(X_train, y_train)
    out = capsys.readouterr().out
    assert "uncompressed network scores" in out
    assert out.count("best so far") >= 5
    SVDCompressedMLPClassifier(
        network, method="truncated", rank="auto", target_ratio=2, verbose=1
    ).fit(X_train, y_train)
    assert "cut to" in capsys.readouterr().out


def test_a_plain_callable_scorer_and_the_quantized_baseline(fitted_mlp, digits_split):
    X_train, X_test, y_train, y_test = digits_split

    def accuracy(estimator, X, y):  # takes no sample_weight
        return float(np.mean(estimator.predict(X) == y))

    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp),
        rank="auto",
        max_score_drop=0.02,
        scoring=accuracy,
        quantize="int8",
        random_state=0,
    ).fit(X_train, y_train, X_val=X_test, y_val=y_test)
    # The drop is measured from the network as it is, not as it is stored.
    assert model.baseline_score_ == fitted_mlp.score(X_test, y_test)
    assert model.score(X_test, y_test) >= fitted_mlp.score(X_test, y_test) - 0.02
