"""svd_on="outputs": factors that undo the error of the layers below."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_regression
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_svdmlp import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor
from sklearn_svdmlp._compression import compensating_fit


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
        if layer.rank is None:
            ours = H_model @ layer.coef + layer.intercept
        else:
            inner = H_model @ layer.left
            if layer.left_intercept is not None:
                inner += layer.left_intercept
            ours = inner @ layer.right
            if layer.intercept is not None:
                ours += layer.intercept
        errors.append(np.linalg.norm(ours - original))
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


def test_the_fit_is_least_squares_with_weights(rng):
    """Without ridge, the weighted least-squares fit with a free intercept."""
    H = rng.normal(size=(80, 6))
    Z = H @ rng.normal(size=(6, 4)) + rng.normal(size=(80, 4))
    weights = rng.uniform(0.1, 3.0, size=80)
    coef, intercept = compensating_fit(H, Z, weights, relative_ridge=0.0)
    design = np.hstack([H, np.ones((80, 1))]) * np.sqrt(weights)[:, np.newaxis]
    expected = np.linalg.lstsq(design, Z * np.sqrt(weights)[:, np.newaxis])[0]
    np.testing.assert_allclose(coef, expected[:-1], atol=1e-10)
    np.testing.assert_allclose(intercept, expected[-1], atol=1e-10)
    # Integer weights are repeated rows.
    counts = rng.integers(1, 4, size=80)
    repeated = compensating_fit(
        np.repeat(H, counts, axis=0), np.repeat(Z, counts, axis=0), None, 1e-3
    )
    weighted = compensating_fit(H, Z, counts, 1e-3)
    np.testing.assert_allclose(repeated[0], weighted[0], atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ridge_keeps_a_rank_deficient_input_stable(rng, dtype):
    """Dead and duplicated units, fewer rows than columns: a finite, small fit.

    Plain normal equations are singular here. The ridge fit stays within the
    size of the minimum-norm solution, gives duplicated columns equal weights
    and dead ones none, and fits nearly as well.
    """
    base = rng.normal(size=(30, 20))
    H = np.hstack([base, base[:, :10], np.zeros((30, 10))]).astype(dtype)
    Z = (base @ rng.normal(size=(20, 7)) + 2.0).astype(dtype)
    gram = (H - H.mean(axis=0)).T @ (H - H.mean(axis=0))
    assert np.linalg.matrix_rank(gram) < H.shape[1]
    coef, intercept = compensating_fit(H, Z)
    assert coef.dtype == dtype and intercept.dtype == dtype
    assert np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))
    np.testing.assert_array_equal(coef[30:], 0)
    np.testing.assert_allclose(coef[:10], coef[20:30], rtol=1e-3, atol=1e-5)
    minimum_norm = np.linalg.pinv(H.astype(float) - H.mean(axis=0)) @ (
        Z - Z.mean(axis=0)
    )
    assert np.linalg.norm(coef) <= 1.001 * np.linalg.norm(minimum_norm)
    residual = np.linalg.norm(H @ coef + intercept - Z) / np.linalg.norm(Z)
    assert residual < 1e-2


def test_float32_network_stays_float32(digits_split):
    X_train, X_test, y_train, _ = digits_split
    mlp = MLPClassifier((32, 16), max_iter=200, random_state=0).fit(
        X_train.astype(np.float32), y_train
    )
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(mlp), rank=[5, 5, None], svd_on="outputs"
    ).fit(X_train.astype(np.float32), y_train)
    for layer in model.layers_:
        assert all(array.dtype == np.float32 for array, _ in layer.parameters())
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
    """The refit output layer is the least-squares fit of the network's predictions."""
    X, y = make_regression(300, 12, n_informative=8, noise=1.0, random_state=0)
    network = MLPRegressor(
        hidden_layer_sizes=(40, 20), max_iter=600, random_state=0
    ).fit(X, y / 100)
    models = {
        svd_on: SVDCompressedMLPRegressor(
            FrozenEstimator(network), rank=[3, 3, None], svd_on=svd_on
        ).fit(X, y / 100)
        for svd_on in ["activations", "outputs"]
    }
    target = network.predict(X)
    distance = {
        svd_on: np.linalg.norm(model.predict(X) - target)
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
