"""Unused parameters warn, contradictory ones raise: the rule in ``PARAMETER_USES``.

Issue 29, item 5: a grid search mixing configurations must run, so a
parameter set where the configuration does not use it warns (and is
ignored); only what cannot be meant raises.
"""

import warnings

import numpy as np
import pytest
from joblib import Memory
from sklearn.datasets import load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._estimators._parameters import PARAMETER_USES

X, y = load_iris(return_X_y=True)
MLP = MLPClassifier((8,), solver="lbfgs", max_iter=300, random_state=0).fit(X, y)
NETWORK = FrozenEstimator(MLP)

# Per parameter of the table: a configuration that sets it without using it,
# the start of its warning, and one that uses it.
CASES = {
    "head": (
        dict(rank=2, head=LogisticRegression()),
        "head is only used with method='truncated'; it is ignored with method='svd'.",
        dict(rank=2, method="truncated", head=LogisticRegression()),
    ),
    "target_ratio": (
        dict(rank=2, target_ratio=1.5),
        "target_ratio is only used with rank='auto'; it is ignored with rank=2.",
        dict(rank="auto", target_ratio=1.5),
    ),
    "target_bytes": (
        dict(rank=2, target_bytes=300),
        "target_bytes is only used with rank='auto'",
        dict(rank="auto", target_bytes=300),
    ),
    "max_score_drop": (
        dict(rank=None, max_score_drop=0.5),
        "max_score_drop is only used with rank='auto'; it is ignored with rank=None.",
        dict(rank="auto", max_score_drop=0.5),
    ),
    "scoring": (
        dict(rank="auto", target_ratio=1.5, scoring="accuracy"),
        "scoring is only used with rank='auto' and max_score_drop",
        dict(rank="auto", max_score_drop=0.5, scoring="accuracy"),
    ),
    "validation_fraction": (
        dict(rank=2, validation_fraction=0.2),
        "validation_fraction is only used with rank='auto' and max_score_drop",
        dict(rank="auto", max_score_drop=0.5, validation_fraction=0.3),
    ),
    "fine_tune_distillation": (
        dict(rank=2, fine_tune_distillation=0.5),
        "fine_tune_distillation=0.5 is only used with fine_tune_epochs > 0",
        dict(rank=2, fine_tune_epochs=1, fine_tune_distillation=0.5),
    ),
    "rounding": (
        dict(rank=2, rounding="nearest"),
        "rounding='nearest' is only used with an integer quantize format",
        dict(rank=2, quantize="int8", rounding="nearest"),
    ),
    "svd_solver": (
        dict(rank=0.8, svd_solver="randomized"),
        "svd_solver='randomized' is only used for int ranks",
        dict(rank=2, svd_solver="randomized"),
    ),
    "keep_inputs": (
        dict(rank="auto", target_ratio=1.5, keep_inputs="auto"),
        "keep_inputs='auto' is only used with rank='auto' and target_bytes or "
        "max_score_drop",
        dict(rank="auto", target_bytes=300, keep_inputs="auto"),
    ),
    "memory": (
        dict(rank=2, memory=Memory(None)),
        "memory is only used where the network is fitted here",
        dict(
            estimator=MLPClassifier((8,), solver="lbfgs", max_iter=300),
            rank=2,
            memory=Memory(None),
        ),
    ),
}


def fit(**params):
    params = {"estimator": NETWORK, "random_state": 0, **params}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = SVDCompressedMLPClassifier(**params).fit(X, y)
    return model, [str(warning.message) for warning in record]


def test_every_parameter_of_the_rule_has_a_case():
    assert set(CASES) == set(PARAMETER_USES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_set_but_unused_warns_and_is_ignored(name):
    unused, message, _ = CASES[name]
    model, messages = fit(**unused)
    assert [m for m in messages if m.startswith(message)], messages
    # Ignored: the model is the one the configuration makes without it.
    default = SVDCompressedMLPClassifier().get_params()[name]
    plain, _ = fit(**{**unused, name: default})
    assert model.ranks_ == plain.ranks_
    assert model.n_bytes_ == plain.n_bytes_


@pytest.mark.parametrize("name", sorted(CASES))
def test_used_does_not_warn(name):
    _, message, used = CASES[name]
    subject = message.split(" is only used")[0]
    _, messages = fit(**used)
    assert not [m for m in messages if f"{subject} is only used" in m], messages


@pytest.mark.parametrize("target", [dict(target_ratio=4.0), dict(max_score_drop=0.05)])
def test_a_grid_search_mixing_configurations_runs(fitted_mlp, digits_split, target):
    # The issue's reproduction: this raised "target_ratio is only used with
    # rank='auto'" for the candidates rank=4 and rank=8.
    X_train, _, y_train, _ = digits_split
    search = GridSearchCV(
        SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), **target),
        {"rank": [4, 8, "auto"]},
        cv=3,
        error_score="raise",
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
        with pytest.warns(UserWarning, match=f"{next(iter(target))} is only used"):
            search.fit(X_train, y_train)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert len(search.cv_results_["params"]) == 3


@pytest.mark.parametrize(
    "params, fit_params, match",
    [
        (dict(rank="auto", target_ratio=2.0, max_score_drop=0.1), {}, "got 2"),
        (dict(rank="auto"), {}, "needs exactly one of target_ratio.*got 0"),
        (dict(rank=2, quantize="auto"), {}, "quantize='auto' chooses"),
        (dict(rank=2, integer_only=True), {}, "integer_only=True computes"),
        (dict(rank="auto", target_bytes=True), {}, "target_bytes must be an int"),
        (
            dict(rank=2, fine_tune_epochs=1, fine_tune_distillation=True),
            {},
            "fine_tune_distillation must be a float",
        ),
        (
            dict(rank="auto", max_score_drop=0.5, validation_fraction=0.3),
            dict(X_val=X, y_val=y),
            "validation_fraction and X_val both .* validation_fraction=0.3",
        ),
        (dict(rank=2), dict(X_val=X), "X_val and y_val .* go together; got X_val"),
    ],
)
def test_contradictions_raise(params, fit_params, match):
    with pytest.raises(ValueError, match=match):
        SVDCompressedMLPClassifier(NETWORK, **params).fit(X, y, **fit_params)


def test_unused_validation_data_warns_and_is_ignored():
    with pytest.warns(UserWarning, match="X_val, y_val are only used with"):
        model = SVDCompressedMLPClassifier(NETWORK, rank=2).fit(
            X, y, X_val=X[:20], y_val=y[:20]
        )
    assert model.ranks_ == SVDCompressedMLPClassifier(NETWORK, rank=2).fit(X, y).ranks_
