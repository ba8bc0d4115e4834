"""rank="auto" with max_score_drop: the smallest model within a score drop."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import sklearn_svdmlp._search as search_module
from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._rank_selection import breakeven_rank
from sklearn_svdmlp._search import candidate_ranks


def validation_part(X, y, fraction, seed):
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=fraction, random_state=seed, stratify=y
    )
    return X_val, y_val


@pytest.fixture(scope="module")
def network():
    return MLPClassifier((64, 32), max_iter=400, random_state=0)


@pytest.mark.parametrize("method", ["svd", "truncated"])
@pytest.mark.parametrize("max_score_drop", [0.0, 0.02, 0.1])
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
        network, rank="auto", max_score_drop=0.02, random_state=0
    ).fit(X_train, y_train)
    assert len(sensitivities) == 1
    n_thresholds = sum(len(layer["scores"]) for layer in model.sensitivity_) + 1
    assert 1 <= len(combined) <= int(np.ceil(np.log2(n_thresholds))) + 1
    # Per layer: one score per candidate rank, and more rank scores better.
    limits = [breakeven_rank(c.shape, "separate") for c in model.estimator_.coefs_]
    for layer, limit in zip(model.sensitivity_, limits, strict=True):
        np.testing.assert_array_equal(layer["ranks"], candidate_ranks(limit))
        assert layer["scores"][-1] >= layer["scores"][0]


def test_truncated_sensitivity_is_at_the_cut(network, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        network,
        method="truncated",
        rank="auto",
        max_score_drop=0.05,
        random_state=0,
    ).fit(X_train, y_train)
    assert [len(layer["ranks"]) for layer in model.sensitivity_] == [0, 6, 0]
    chosen = model.ranks_[1]
    scores = dict(
        zip(
            model.sensitivity_[1]["ranks"], model.sensitivity_[1]["scores"], strict=True
        )
    )
    smaller = [r for r in scores if r < chosen]
    assert all(model.baseline_score_ - scores[r] > 0.05 for r in smaller)


def test_no_model_within_the_bound_keeps_the_network(digits_split):
    X_train, _, y_train, _ = digits_split
    network = MLPClassifier((4,), max_iter=400, random_state=0)
    with pytest.warns(UserWarning, match="kept uncompressed"):
        model = SVDCompressedMLPClassifier(
            network,
            method="truncated",
            rank="auto",
            max_score_drop=0.0,
            scoring="neg_log_loss",
            random_state=0,
        ).fit(X_train, y_train)
    assert model.ranks_ == [None, None] and model.compression_ratio_ == 1.0
