"""memory (network cache), svd_solver, float32 through the estimator."""

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import CountingMLP
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._factorization import factor_layer, resolve_solver, svd


@pytest.fixture
def counting_network():
    CountingMLP.n_fit_calls = 0
    return CountingMLP((32,), max_iter=200, random_state=0)


@pytest.mark.parametrize("as_object", [False, True])
def test_second_fit_with_another_rank_reuses_the_network(
    counting_network, digits_split, tmp_path, as_object
):
    X_train, X_test, y_train, _ = digits_split
    memory = joblib.Memory(tmp_path, verbose=0) if as_object else str(tmp_path)
    first = SVDCompressedMLPClassifier(counting_network, rank=4, memory=memory).fit(
        X_train, y_train
    )
    second = SVDCompressedMLPClassifier(
        counting_network,
        rank=8,
        method="truncated",
        svd_on="activations",
        memory=memory,
    ).fit(X_train, y_train)
    assert CountingMLP.n_fit_calls == 1
    for a, b in zip(first.estimator_.coefs_, second.estimator_.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    # Other data or other network parameters miss the cache.
    SVDCompressedMLPClassifier(counting_network, rank=4, memory=memory).fit(
        X_train[:-1], y_train[:-1]
    )
    assert CountingMLP.n_fit_calls == 2
    SVDCompressedMLPClassifier(
        counting_network, rank=4, memory=memory, random_state=5
    ).fit(X_train, y_train)
    assert CountingMLP.n_fit_calls == 3
    # Without memory, every fit fits.
    SVDCompressedMLPClassifier(counting_network, rank=4).fit(X_train, y_train)
    assert CountingMLP.n_fit_calls == 4
    assert first.predict(X_test).shape == (len(X_test),)


def test_grid_search_fits_the_network_once_per_fold(
    counting_network, digits_split, tmp_path
):
    X_train, _, y_train, _ = digits_split
    search = GridSearchCV(
        SVDCompressedMLPClassifier(counting_network, memory=str(tmp_path)),
        {"rank": [2, 4, 8, 16, 32, None], "method": ["svd", "truncated"]},
        cv=3,
        refit=False,
    ).fit(X_train, y_train)
    assert CountingMLP.n_fit_calls == 3
    assert len(search.cv_results_["params"]) == 12


def test_memory_is_validated(digits_split):
    X_train, _, y_train, _ = digits_split
    with pytest.raises(ValueError, match="'memory' parameter"):
        SVDCompressedMLPClassifier(memory=3).fit(X_train, y_train)


# ------------------------------------------------------------ svd_solver
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


# ------------------------------------------------------------ float32
@pytest.mark.parametrize("method", ["svd", "truncated"])
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_network_and_input_stay_float32(digits_split, method, sparse):
    X_train, X_test, y_train, _ = digits_split
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    if sparse:
        X_train, X_test = sp.csr_matrix(X_train), sp.csr_matrix(X_test)
    model = SVDCompressedMLPClassifier(
        MLPClassifier((32,), max_iter=50, random_state=0), method=method, rank=6
    ).fit(X_train, y_train)
    assert all(
        array.dtype == np.float32
        for layer in model.layers_
        for array in vars(layer).values()
        if isinstance(array, np.ndarray)
    )
    assert model.network_.forward(X_test).dtype == np.float32
    if method == "svd":
        assert model.predict_proba(X_test).dtype == np.float32
    float64 = model.predict_proba(X_test.astype(np.float64))
    np.testing.assert_allclose(model.predict_proba(X_test), float64, atol=1e-5)


def test_float32_input_to_float64_network(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=6).fit(
        X_train.astype(np.float32), y_train
    )
    proba = model.predict_proba(X_test.astype(np.float32))
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba, model.predict_proba(X_test), atol=1e-6)
