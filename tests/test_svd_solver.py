"""svd_solver: randomized and full SVDs, alone and through the estimator."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._factorization import factor_layer, resolve_solver, svd


def optimal_error(matrix, rank):
    s = np.linalg.svd(matrix, compute_uv=False)
    return np.sqrt(np.sum(s[rank:] ** 2))


@pytest.mark.parametrize(
    "spectrum", ["flat", "decaying", "trained"], ids=["gaussian", "decaying", "trained"]
)
def test_randomized_error_is_within_one_percent_of_optimal(rng, fitted_mlp, spectrum):
    if spectrum == "flat":
        matrix = rng.normal(size=(600, 700))
    elif spectrum == "decaying":
        u, _ = np.linalg.qr(rng.normal(size=(600, 600)))
        v, _ = np.linalg.qr(rng.normal(size=(700, 600)))
        matrix = (u * 0.97 ** np.arange(600)) @ v.T
    else:
        # A trained network's first layer, tiled to a size where "auto" picks
        # the randomized solver.
        coef = fitted_mlp.coefs_[0]
        matrix = np.tile(coef, (10, 10)) + 0.01 * rng.normal(size=(640, 640))
    for rank in [8, 64, 200]:
        left, _, right, _, _ = factor_layer(
            matrix,
            np.zeros(matrix.shape[1]),
            rank,
            "separate",
            svd(matrix, rank, "randomized", random_state=0),
        )
        error = np.linalg.norm(matrix - left @ right)
        assert error <= 1.01 * optimal_error(matrix, rank)


def test_solvers_agree_in_the_estimator(digits_split):
    X_train, X_test, y_train, _ = digits_split
    network = MLPClassifier((600,), max_iter=30, random_state=0).fit(
        np.tile(X_train, (1, 10)), y_train
    )
    X_train, X_test = np.tile(X_train, (1, 10)), np.tile(X_test, (1, 10))
    models = {
        solver: SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank=[40, None], svd_solver=solver, random_state=0
        ).fit(X_train, y_train)
        for solver in ["full", "randomized", "auto"]
    }
    assert len(models["full"].singular_values_[0]) == 600
    assert len(models["randomized"].singular_values_[0]) == 40
    assert len(models["auto"].singular_values_[0]) == 600  # too small to pay
    # The randomized values (4 power iterations) are close at the top (within
    # 5e-4 here) and a little low at the tail of a flat spectrum (up to about
    # 3.5%); the reconstruction error, the bound that matters, is tested above.
    randomized_s = models["randomized"].singular_values_[0]
    full_s = models["full"].singular_values_[0][:40]
    np.testing.assert_allclose(randomized_s[:10], full_s[:10], rtol=1e-3)
    np.testing.assert_allclose(randomized_s, full_s, rtol=5e-2)
    full, randomized = (models[s].predict_proba(X_test) for s in ["full", "randomized"])
    assert np.mean(full.argmax(1) == randomized.argmax(1)) > 0.98
    # Energy fractions need the whole spectrum: full SVD whatever the solver.
    with pytest.warns(UserWarning, match="svd_solver='randomized' is only used"):
        energy = SVDCompressedMLPClassifier(
            FrozenEstimator(network), rank=[0.5, None], svd_solver="randomized"
        ).fit(X_train, y_train)
    assert len(energy.singular_values_[0]) == 600


def test_auto_solver_rule():
    assert resolve_solver("auto", (2048, 2048), 64) == "randomized"
    assert resolve_solver("auto", (1024, 2048), 128) == "randomized"
    assert resolve_solver("auto", (1024, 2048), 129) == "full"
    assert resolve_solver("auto", (784, 1024), 16) == "full"
    assert resolve_solver("auto", (2048, 2048), None) == "full"
    assert resolve_solver("full", (4096, 4096), 8) == "full"
    assert resolve_solver("randomized", (10, 10), 2) == "randomized"


def test_randomized_solver_follows_random_state(rng):
    matrix = rng.normal(size=(600, 600))
    a = svd(matrix, 20, "randomized", random_state=0)
    b = svd(matrix, 20, "randomized", random_state=0)
    c = svd(matrix, 20, "randomized", random_state=1)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[2], c[2])
