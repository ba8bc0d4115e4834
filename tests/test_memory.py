"""memory: the fitted network is cached like a Pipeline's transformers."""

import joblib
import numpy as np
import pytest
from _helpers import CountingMLP
from sklearn.model_selection import GridSearchCV

from sklearn_svdmlp import SVDCompressedMLPClassifier


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
    first = SVDCompressedMLPClassifier(
        counting_network, rank=4, memory=memory, keep_original=True
    ).fit(X_train, y_train)
    second = SVDCompressedMLPClassifier(
        counting_network,
        rank=8,
        method="truncated",
        svd_on="activations",
        memory=memory,
        keep_original=True,
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
