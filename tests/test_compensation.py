"""svd_on="outputs": factors that undo the error of the layers below."""

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import preactivations
from sklearn.datasets import make_regression
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor
from sklearn_svdmlp._compression._compensation import compensating_fit


def errors_against_the_original(model, network, X):
    """Per layer, the error of the model's pre-activations against the network's.

    Both networks run on ``X``: each layer of the model gets what the model's
    layers below give it, and is compared with what the original network
    computes at that layer.
    """
    errors, H_model, H_net = [], X, X
    for layer, coef, intercept in zip(
        model.layers_, network.coefs_, network.intercepts_, strict=True
    ):
        original = H_net @ coef + intercept
        errors.append(np.linalg.norm(preactivations(layer, H_model) - original))
        H_model, H_net = layer.forward(H_model), np.maximum(original, 0)
    return errors


@pytest.mark.parametrize("bias", ["separate", "augment"])
def test_compensating_factors_reduce_the_error_against_the_original(
    fitted_mlp, digits_split, bias
):
    """Above the first layer, each layer ends closer to the original network.

    The first layer receives the same inputs either way, so its factors are
    the same; every layer above, factored or left dense, is nearer to the
    original pre-activations, on the training data and on unseen data.
    """
    X_train, X_test, y_train, y_test = digits_split
    models = {
        svd_on: SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp), rank=[5, 5, None], bias=bias, svd_on=svd_on
        ).fit(X_train, y_train)
        for svd_on in ["activations", "outputs"]
    }
    first = [models[svd_on].layers_[0] for svd_on in models]
    np.testing.assert_allclose(first[0].left, first[1].left)
    for X in (X_train, X_test):
        plain = errors_against_the_original(models["activations"], fitted_mlp, X)
        compensated = errors_against_the_original(models["outputs"], fitted_mlp, X)
        np.testing.assert_allclose(compensated[0], plain[0])
        assert all(c < p for c, p in zip(compensated[1:], plain[1:], strict=True))
        assert compensated[-1] < 0.9 * plain[-1]
    assert models["outputs"].ranks_ == [5, 5, None]


def _fit(H, Z, prior_coef=None, prior_intercept=None, *args, **kwargs):
    """compensating_fit, shrunk toward zero unless a prior layer is given."""
    if prior_coef is None:
        prior_coef = np.zeros((H.shape[1], Z.shape[1]))
        prior_intercept = np.zeros(Z.shape[1])
    return compensating_fit(H, Z, prior_coef, prior_intercept, *args, **kwargs)


def test_the_fit_is_least_squares_with_weights(rng):
    """Without ridge, the weighted least-squares fit with a free intercept."""
    H = rng.normal(size=(80, 6))
    Z = H @ rng.normal(size=(6, 4)) + rng.normal(size=(80, 4))
    weights = rng.uniform(0.1, 3.0, size=80)
    prior = rng.normal(size=(6, 4)), rng.normal(size=4)
    coef, intercept = _fit(H, Z, *prior, weights, ridges=[0.0])
    design = np.hstack([H, np.ones((80, 1))]) * np.sqrt(weights)[:, np.newaxis]
    expected = np.linalg.lstsq(design, Z * np.sqrt(weights)[:, np.newaxis])[0]
    np.testing.assert_allclose(coef, expected[:-1], atol=1e-10)
    np.testing.assert_allclose(intercept, expected[-1], atol=1e-10)
    # Integer weights are repeated rows, the choice of ridge included; zero
    # weights are rows left out.
    counts = rng.integers(0, 4, size=80)
    repeated = _fit(np.repeat(H, counts, axis=0), np.repeat(Z, counts, axis=0))
    weighted = _fit(H, Z, None, None, counts)
    np.testing.assert_allclose(repeated[0], weighted[0], atol=1e-10)
    np.testing.assert_allclose(repeated[1], weighted[1], atol=1e-10)


def test_the_ridge_is_a_shrinkage_toward_the_layer_as_it_was(rng):
    """A huge ridge gives back the prior layer; the ridge shrinks toward it."""
    H = rng.normal(size=(60, 8)) + 3.0
    Z = H @ rng.normal(size=(8, 3)) + 1.0
    prior_coef, prior_intercept = rng.normal(size=(8, 3)), rng.normal(size=3)
    coef, intercept = compensating_fit(H, Z, prior_coef, prior_intercept, None, [1e9])
    np.testing.assert_allclose(coef, prior_coef, atol=1e-6)
    # The intercept is unpenalized: the fit passes through the means.
    np.testing.assert_allclose(intercept, Z.mean(0) - H.mean(0) @ coef, atol=1e-10)
    solutions = [
        compensating_fit(H, Z, prior_coef, prior_intercept, None, [ridge])[0]
        for ridge in (0.0, 0.01, 1.0, 100.0)
    ]
    distances = [np.linalg.norm(coef - prior_coef) for coef in solutions]
    assert distances == sorted(distances, reverse=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ridge_keeps_a_nearly_collinear_input_stable(rng, dtype):
    """Nearly duplicated and dead units: without the ridge the fit explodes.

    The duplicated columns differ by noise of size 1e-6, which least squares
    fits with huge opposite weights. The ridge gives them nearly equal,
    weights instead, whose difference stays that of the prior layer, leaves
    the dead units at the prior layer's weights, and fits nearly as well.
    """
    base = rng.normal(size=(200, 20))
    near_copies = base[:, :10] + 1e-6 * rng.normal(size=(200, 10))
    H = np.hstack([base, near_copies, np.zeros((200, 10))]).astype(dtype)
    Z = (base @ rng.normal(size=(20, 7)) + 2.0).astype(dtype)
    Z += (0.01 * rng.normal(size=Z.shape)).astype(dtype)
    prior_coef = rng.normal(size=(40, 7)).astype(dtype)
    prior_intercept = np.zeros(7, dtype=dtype)
    unstable, _ = compensating_fit(H, Z, prior_coef, prior_intercept, None, [0.0])
    coef, intercept = compensating_fit(H, Z, prior_coef, prior_intercept)
    assert coef.dtype == np.float64
    assert np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))
    assert np.linalg.norm(unstable) > 100 * np.linalg.norm(coef)
    np.testing.assert_allclose(coef[30:], prior_coef[30:])
    # Their difference is a direction the data barely spans: it stays as it was.
    np.testing.assert_allclose(
        coef[:10] - coef[20:30], prior_coef[:10] - prior_coef[20:30], atol=0.05
    )
    residual = np.linalg.norm(H @ coef + intercept - Z) / np.linalg.norm(Z)
    assert residual < 0.01


def _brute_force_gcv_fit(H, Z, prior_coef, prior_intercept, ridges):
    """Every ridge fitted from the normal equations; the smallest GCV kept.

    GCV = (RSS / n) / (1 - trace(hat) / n)^2, the hat matrix built
    explicitly with an intercept column that the ridge leaves unpenalized.
    """
    n, n_in = H.shape
    design = np.hstack([H, np.ones((n, 1))])
    R = Z - H @ prior_coef - prior_intercept
    scale = np.sum(np.var(H, axis=0))  # sum(s^2) of the centered, 1/n-weighted H
    best = None
    for ridge in ridges:
        penalty = np.diag([ridge * scale / n_in * n] * n_in + [0.0])
        hat = design @ np.linalg.solve(design.T @ design + penalty, design.T)
        dof = np.trace(hat)
        if dof >= n:
            continue
        gcv = np.sum((R - hat @ R) ** 2) / n / (1 - dof / n) ** 2
        if best is None or gcv < best[0]:
            change = np.linalg.solve(design.T @ design + penalty, design.T @ R)
            best = gcv, prior_coef + change[:-1], prior_intercept + change[-1]
    return best[1:]


@pytest.mark.parametrize("n_rows, n_in", [(40, 12), (12, 20), (25, 25)])
def test_the_ridge_is_chosen_by_generalized_cross_validation(rng, n_rows, n_in):
    """The same choice and fit as the textbook criterion, weights as repeats.

    Integer weights on fewer distinct rows than inputs are compared with the
    brute force on the repeated rows: the sample count is the weights' sum.
    """
    ridges = np.logspace(-4, 3, 15)
    H = rng.normal(size=(n_rows, n_in))
    Z = H @ rng.normal(size=(n_in, 3)) + rng.normal(size=(n_rows, 3))
    prior = rng.normal(size=(n_in, 3)), rng.normal(size=3)
    counts = rng.integers(1, 4, size=n_rows)
    expected = _brute_force_gcv_fit(
        np.repeat(H, counts, axis=0), np.repeat(Z, counts, axis=0), *prior, ridges
    )
    coef, intercept = compensating_fit(H, Z, *prior, counts, ridges)
    np.testing.assert_allclose(coef, expected[0], atol=1e-8)
    np.testing.assert_allclose(intercept, expected[1], atol=1e-8)
    coef, intercept = compensating_fit(H, Z, *prior, None, ridges)
    expected = _brute_force_gcv_fit(H, Z, *prior, ridges)
    np.testing.assert_allclose(coef, expected[0], atol=1e-8)


def test_too_few_samples_keep_the_weights(rng):
    """No degrees of freedom left: the weights stay, the bias takes the mean."""
    H, Z = rng.normal(size=(3, 5)), rng.normal(size=(3, 2))
    prior_coef, prior_intercept = rng.normal(size=(5, 2)), rng.normal(size=2)
    with pytest.warns(UserWarning, match="sum of sample_weight"):
        coef, intercept = compensating_fit(
            H, Z, prior_coef, prior_intercept, np.full(3, 0.3)
        )
    np.testing.assert_allclose(coef, prior_coef, atol=1e-3)
    residual = Z - H @ coef - intercept
    np.testing.assert_allclose(residual.mean(axis=0), 0, atol=1e-10)
    with pytest.warns(UserWarning, match="no degrees of freedom"):
        coef, _ = compensating_fit(H[:1], Z[:1], prior_coef, prior_intercept)
    np.testing.assert_array_equal(coef, prior_coef)


def test_the_no_freedom_warning_points_at_the_fit_call(fitted_mlp, digits_split):
    """Raised deep in the build, whichever path leads there: shown at fit."""
    X_train, _, y_train, _ = digits_split
    weights = np.full(len(y_train), 1e-4)  # they sum to 0.13 "rows"
    for params in [dict(rank=[5, 5, None]), dict(rank="auto", target_ratio=3)]:
        with pytest.warns(UserWarning, match="no degrees of freedom") as record:
            SVDCompressedMLPClassifier(
                FrozenEstimator(fitted_mlp), svd_on="outputs", **params
            ).fit(X_train, y_train, sample_weight=weights)
        assert {w.filename for w in record if "degrees" in str(w.message)} == {__file__}


def test_the_ridge_follows_the_evidence(rng):
    """Generalized cross-validation: fit the signal, not noise, of few samples.

    With many samples and a real change, the fit finds the change; with
    fewer samples than inputs and nothing but noise to fit, it stays near
    the prior layer, where a small fixed ridge would fit the noise exactly.
    """
    prior_coef, prior_intercept = rng.normal(size=(30, 4)), rng.normal(size=4)
    change = rng.normal(size=(30, 4))
    H = rng.normal(size=(2000, 30))
    Z = H @ (prior_coef + change) + prior_intercept + 0.1 * rng.normal(size=(2000, 4))
    coef, _ = compensating_fit(H, Z, prior_coef, prior_intercept)
    assert np.linalg.norm(coef - prior_coef - change) < 0.05 * np.linalg.norm(change)
    H = rng.normal(size=(20, 30))
    Z = H @ prior_coef + prior_intercept + rng.normal(size=(20, 4))
    chosen, _ = compensating_fit(H, Z, prior_coef, prior_intercept)
    fixed, _ = compensating_fit(H, Z, prior_coef, prior_intercept, None, [1e-5])
    assert np.linalg.norm(chosen - prior_coef) < 0.5 * np.linalg.norm(
        fixed - prior_coef
    )


@pytest.mark.parametrize("fit_dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "method, svd_on",
    [
        ("svd", "activations"),
        ("svd", "outputs"),
        ("truncated", "activations"),
        ("truncated", "outputs"),
    ],
)
def test_float32_network_stays_float32(digits_split, fit_dtype, method, svd_on):
    """Whatever the training data's dtype, a float32 network's layers stay float32."""
    X_train, X_test, y_train, _ = digits_split
    mlp = MLPClassifier((32, 16), max_iter=200, random_state=0).fit(
        X_train.astype(np.float32), y_train
    )
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(mlp),
        method=method,
        rank=[5, 5, None] if method == "svd" else 5,
        svd_on=svd_on,
    ).fit(X_train.astype(fit_dtype), y_train)
    # The layers kept from the network; a retrained head has its own dtype.
    kept = model.layers_ if method == "svd" else model.network_.layers
    for layer in kept:
        assert all(array.dtype == np.float32 for array, _ in layer.parameters())
    if method == "svd":
        assert model.predict_proba(X_test.astype(np.float32)).dtype == np.float32


def test_sparse_input(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    dense, sparse = (
        SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp), rank=6, svd_on="outputs"
        ).fit(X, y_train)
        for X in (X_train, sp.csr_matrix(X_train))
    )
    np.testing.assert_allclose(
        sparse.predict_proba(X_test), dense.predict_proba(X_test), atol=1e-8
    )


def test_regressor_output_layer_fits_the_network_predictions():
    """The regressor's predictions end closer to the network's on its training data."""
    X, y = make_regression(2000, 12, n_informative=8, noise=1.0, random_state=0)
    X_train, _, y_train, _ = train_test_split(X, y / 100, random_state=0)
    network = MLPRegressor(
        hidden_layer_sizes=(40, 20), max_iter=600, random_state=0
    ).fit(X_train, y_train)
    models = {
        svd_on: SVDCompressedMLPRegressor(
            FrozenEstimator(network), rank=[3, 3, None], svd_on=svd_on
        ).fit(X_train, y_train)
        for svd_on in ["activations", "outputs"]
    }
    distance = {
        svd_on: np.linalg.norm(model.predict(X_train) - network.predict(X_train))
        for svd_on, model in models.items()
    }
    assert distance["outputs"] < 0.95 * distance["activations"]


def test_truncation_is_the_same_as_on_activations(fitted_mlp, digits_split):
    """A truncation keeps the layers below its cut, so nothing is compensated."""
    X_train, X_test, y_train, _ = digits_split
    probabilities = [
        SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp),
            method="truncated",
            rank=4,
            svd_on=svd_on,
            random_state=0,
        )
        .fit(X_train, y_train)
        .predict_proba(X_test)
        for svd_on in ["activations", "outputs"]
    ]
    np.testing.assert_array_equal(*probabilities)
