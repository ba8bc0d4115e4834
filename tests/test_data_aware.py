"""svd_on="activations": factors chosen on the data that reaches each layer."""

import numpy as np
import pytest
from _helpers import preactivations
from sklearn.frozen import FrozenEstimator

from sklearn_svdmlp import SVDCompressedMLPClassifier
from sklearn_svdmlp._compression._build import factor_on_activations


def preactivation_error(model, fitted_mlp, X):
    """Frobenius error of each factored layer's pre-activations on X."""
    errors, H_model, H_net = [], X, X
    for layer, coef, intercept in zip(
        model.layers_, fitted_mlp.coefs_, fitted_mlp.intercepts_, strict=False
    ):
        target = H_net @ coef + intercept
        if layer.rank is not None:
            ours = preactivations(layer, H_model)
            errors.append(np.linalg.norm(ours - (H_model @ coef + intercept)))
        H_model, H_net = layer.forward(H_model), np.maximum(target, 0)
    return errors


@pytest.mark.parametrize("bias", ["separate", "augment"])
def test_lower_preactivation_error_on_held_out_data(fitted_mlp, digits_split, bias):
    X_train, X_test, y_train, y_test = digits_split
    models = {
        svd_on: SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp), rank=[6, 6, None], bias=bias, svd_on=svd_on
        ).fit(X_train, y_train)
        for svd_on in ["weights", "activations"]
    }
    on_weights = preactivation_error(models["weights"], fitted_mlp, X_test)
    on_data = preactivation_error(models["activations"], fitted_mlp, X_test)
    assert all(d < w for d, w in zip(on_data, on_weights, strict=True))
    assert models["activations"].score(X_test, y_test) > models["weights"].score(
        X_test, y_test
    )


def test_factors_are_the_best_rank_r_plus_bias_fit_on_the_data(rng):
    """Eckart-Young for centered data: the error is the discarded singular values."""
    H = rng.normal(size=(200, 12)) @ rng.normal(size=(12, 12))
    coef, intercept = rng.normal(size=(12, 9)), rng.normal(size=9)
    left, left_b, right, new_b, s = factor_on_activations(
        H, coef, intercept, 3, "separate"
    )
    Z = H @ coef + intercept
    error = np.linalg.norm(H @ left @ right + new_b - Z)
    # Rows weighted 1/n inside, so the spectrum is of Z_centered / sqrt(n).
    expected = np.sqrt(np.sum(s[3:] ** 2) * len(H))
    np.testing.assert_allclose(error, expected, rtol=1e-8)
    # Any other rank-3 factorization with any bias does no better, e.g. the
    # weight SVD with its own bias.
    u, sw, vt = np.linalg.svd(coef, full_matrices=False)
    other = H @ (u[:, :3] * sw[:3]) @ vt[:3] + intercept
    assert np.linalg.norm(other - Z) >= error


def test_sample_weight_changes_the_directions(rng):
    H = rng.normal(size=(100, 8))
    coef, intercept = rng.normal(size=(8, 8)), np.zeros(8)
    weights = np.where(np.arange(100) < 50, 10.0, 0.1)
    plain = factor_on_activations(H, coef, intercept, 2, "augment")
    weighted = factor_on_activations(H, coef, intercept, 2, "augment", weights)
    assert not np.allclose(np.abs(plain[2]), np.abs(weighted[2]))
    # Repeating rows is the same as weighting them.
    repeated = factor_on_activations(
        np.vstack([H[:50]] * 2 + [H[50:]]),
        coef,
        intercept,
        2,
        "augment",
        np.concatenate([np.full(100, 5.0), np.full(50, 0.1)]),
    )
    np.testing.assert_allclose(np.abs(repeated[2]), np.abs(weighted[2]), atol=1e-10)


def test_truncation_on_activations_keeps_the_data_directions(fitted_mlp, digits_split):
    """The kept directions capture more of the pre-activations on unseen data.

    (Accuracy after the head is retrained is not guaranteed to follow: the
    benchmark reports it.)
    """
    X_train, X_test, y_train, _ = digits_split
    hidden = np.maximum(X_test @ fitted_mlp.coefs_[0] + fitted_mlp.intercepts_[0], 0)
    Z = hidden @ fitted_mlp.coefs_[1] + fitted_mlp.intercepts_[1]
    errors = {}
    for svd_on in ["weights", "activations"]:
        model = SVDCompressedMLPClassifier(
            FrozenEstimator(fitted_mlp), method="truncated", rank=4, svd_on=svd_on
        ).fit(X_train, y_train)
        assert model.ranks_ == [None, 4, None]
        assert len(model.singular_values_[1]) == 32
        kept = model.layers_[1]
        directions = np.linalg.lstsq(fitted_mlp.coefs_[1], kept.coef, rcond=None)[0]
        errors[svd_on] = np.linalg.norm(
            Z - (hidden @ kept.coef + kept.intercept) @ directions.T
        )
    assert errors["activations"] < errors["weights"]


def test_energy_fraction_on_activation_spectrum(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=[0.9, None, None], svd_on="activations"
    ).fit(X_train, y_train)
    s = model.singular_values_[0]
    energy = np.cumsum(s**2) / np.sum(s**2)
    assert model.ranks_[0] == int(np.argmax(energy >= 0.9)) + 1


def test_sparse_input_on_activations(fitted_mlp, digits_split):
    import scipy.sparse as sp

    X_train, X_test, y_train, _ = digits_split
    dense = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=6, svd_on="activations"
    ).fit(X_train, y_train)
    sparse = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=6, svd_on="activations"
    ).fit(sp.csr_matrix(X_train), y_train)
    np.testing.assert_allclose(
        sparse.predict_proba(X_test), dense.predict_proba(X_test), atol=1e-8
    )
