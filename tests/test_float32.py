"""float32 networks and inputs through the estimator."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp import SVDCompressedMLPClassifier


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
