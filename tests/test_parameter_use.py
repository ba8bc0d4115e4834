"""No parameter passes silently: unused ones warn, meaningless ones fail."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor

X, y = load_iris(return_X_y=True)
NETWORK = FrozenEstimator(
    MLPClassifier((8,), solver="lbfgs", max_iter=300, random_state=0).fit(X, y)
)


def fit(**params):
    return SVDCompressedMLPClassifier(NETWORK, random_state=0, **params).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(head=LogisticRegression(), rank=2),
            "head is only used with method='truncated'",
        ),
        (
            dict(fine_tune_distillation=0.5, rank=2),
            "fine_tune_distillation=0.5 is only used with fine_tune_epochs > 0",
        ),
        (
            dict(validation_fraction=0.2, rank=2),
            "validation_fraction is only used with rank='auto' and max_score_drop",
        ),
        (
            dict(validation_fraction=0.2, rank="auto", target_ratio=1.5),
            "validation_fraction is only used with rank='auto' and max_score_drop",
        ),
        (
            dict(svd_solver="randomized", rank=0.8),
            "svd_solver='randomized' is only used for int ranks",
        ),
        (
            dict(svd_solver="randomized", rank=[0.8, None], method="truncated"),
            "svd_solver='randomized' is only used for int ranks",
        ),
        (
            dict(svd_solver="randomized", rank=None),
            "svd_solver='randomized' is only used for int ranks",
        ),
    ],
)
def test_an_unused_parameter_warns_at_the_callers_line(params, message):
    with pytest.warns(UserWarning, match=message) as record:
        fit(**params)
    (warning,) = [w for w in record if message in str(w.message)]
    assert warning.filename == __file__


@pytest.mark.parametrize(
    "params",
    [
        dict(rank=2),
        dict(method="truncated", rank=2, head=LogisticRegression()),
        dict(rank=2, fine_tune_epochs=1, fine_tune_distillation=0.5),
        dict(rank="auto", max_score_drop=0.5, validation_fraction=0.3),
        dict(rank=[2, None], svd_solver="randomized"),
        dict(rank="auto", target_ratio=1.2, svd_solver="randomized"),
        dict(rank=0.8, svd_solver="full"),
    ],
)
def test_used_parameters_do_not_warn(params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # What the search says of its validation data is not under test.
        warnings.filterwarnings("ignore", "estimator is a FrozenEstimator")
        fit(**params)


@pytest.mark.parametrize("fraction, n_rows", [(None, 15), (0.3, 45)])
def test_validation_fraction_means_one_thing(fraction, n_rows):
    # The share of the 150 rows held out to judge max_score_drop (0.1 by
    # default), which the warning about one row's worth reports.
    with pytest.warns(UserWarning, match=f"row is worth {1 / n_rows:.4f} of"):
        fit(rank="auto", max_score_drop=0.01, validation_fraction=fraction)
    with pytest.raises(ValueError, match="validation_fraction and X_val both"):
        SVDCompressedMLPClassifier(
            NETWORK, rank="auto", max_score_drop=0.5, validation_fraction=0.3
        ).fit(X, y, X_val=X, y_val=y)


@pytest.mark.parametrize("distillation", [True, False, np.True_])
def test_a_bool_is_not_a_distillation_weight(distillation):
    with pytest.raises(ValueError, match="fine_tune_distillation.* must be a float"):
        fit(rank=2, fine_tune_epochs=1, fine_tune_distillation=distillation)


@pytest.mark.parametrize(
    "estimator, target",
    [
        (SVDCompressedMLPClassifier(MLPClassifier((4,), max_iter=20)), y),
        (
            SVDCompressedMLPRegressor(
                MLPRegressor(hidden_layer_sizes=(4,), max_iter=20)
            ),
            X[:, 0],
        ),
    ],
)
def test_negative_sample_weight_is_refused(estimator, target):
    weights = np.ones(len(X))
    weights[3] = -1
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        estimator.fit(X, target, sample_weight=weights)
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        estimator.set_params(rank="auto", max_score_drop=0.1).fit(
            X, target, X_val=X, y_val=target, sample_weight_val=weights
        )
