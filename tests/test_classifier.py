"""Behaviour of SVDCompressedMLPClassifier as a scikit-learn estimator."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import CountingMLP
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    make_multilabel_classification,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from sklearn_svdmlp import DenseLayer, FactoredLayer, SVDCompressedMLPClassifier


@pytest.fixture
def frozen_counting_mlp(digits_split):
    X_train, _, y_train, _ = digits_split
    mlp = CountingMLP((32,), max_iter=300, random_state=0).fit(X_train, y_train)
    CountingMLP.n_fit_calls = 0
    return mlp


# ------------------------------------------------------------ frozen path
def test_frozen_network_is_not_modified(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    coefs = copy.deepcopy(fitted_mlp.coefs_)
    intercepts = copy.deepcopy(fitted_mlp.intercepts_)
    for method in ["svd", "truncated"]:
        for bias in ["separate", "augment"]:
            model = SVDCompressedMLPClassifier(
                FrozenEstimator(fitted_mlp), method=method, rank=4, bias=bias
            ).fit(X_train, y_train)
            # Writing into the stored layers must not reach the wrapped network.
            for layer in model.layers_:
                for array in vars(layer).values():
                    if isinstance(array, np.ndarray):
                        array += 1.0
            model.predict(X_test)
    for before, after in zip(
        coefs + intercepts, fitted_mlp.coefs_ + fitted_mlp.intercepts_, strict=True
    ):
        assert before.tobytes() == after.tobytes()


def test_frozen_network_is_never_refit_and_survives_clone(
    frozen_counting_mlp, digits_split
):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(frozen_counting_mlp), rank=4, keep_original=True
    )
    cloned = clone(model)
    assert cloned.estimator is model.estimator
    cloned.fit(X_train, y_train)
    assert CountingMLP.n_fit_calls == 0
    assert cloned.estimator_ is frozen_counting_mlp


def test_unfrozen_network_is_cloned_and_fitted(digits_split):
    X_train, _, y_train, _ = digits_split
    mlp = CountingMLP((16,), max_iter=50, random_state=0)
    CountingMLP.n_fit_calls = 0
    model = SVDCompressedMLPClassifier(mlp, rank=4, keep_original=True)
    model.fit(X_train, y_train)
    assert CountingMLP.n_fit_calls == 1
    assert model.estimator_ is not mlp
    assert not hasattr(mlp, "coefs_")


def test_grid_search_over_rank_with_frozen_network(frozen_counting_mlp, digits_split):
    X_train, X_test, y_train, y_test = digits_split
    search = GridSearchCV(
        SVDCompressedMLPClassifier(FrozenEstimator(frozen_counting_mlp)),
        {"rank": [1, 4, 16]},
        cv=3,
    ).fit(X_train, y_train)
    assert CountingMLP.n_fit_calls == 0
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] < scores[1] < scores[2] + 1e-9
    assert search.best_params_ == {"rank": 16}
    assert search.score(X_test, y_test) > 0.9


def test_pipeline_grid_search_picks_sensible_rank_and_method():
    X, y = load_digits(return_X_y=True)
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "compress",
                SVDCompressedMLPClassifier(
                    MLPClassifier((32,), max_iter=300, random_state=0)
                ),
            ),
        ]
    )
    grid = {"compress__rank": [1, 2, 16], "compress__method": ["svd", "truncated"]}
    search = GridSearchCV(pipeline, grid, cv=3).fit(X, y)
    uncompressed = cross_val_score(
        Pipeline(
            [
                ("scale", StandardScaler()),
                ("mlp", MLPClassifier((32,), max_iter=300, random_state=0)),
            ]
        ),
        X,
        y,
        cv=3,
    ).mean()
    # Rank 1 or 2 squeezes ten classes through one or two numbers: never best.
    assert search.best_params_["compress__rank"] == 16
    assert search.best_score_ > uncompressed - 0.03
    scores = dict(
        zip(
            map(str, search.cv_results_["params"]),
            search.cv_results_["mean_test_score"],
            strict=True,
        )
    )
    assert min(scores.values()) < search.best_score_ - 0.1


# ------------------------------------------------------------ exactness
@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_rank_none_reproduces_network(fitted_mlp, digits_split, method):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method=method, rank=None
    ).fit(X_train, y_train)
    np.testing.assert_array_equal(
        model.predict_proba(X_test), fitted_mlp.predict_proba(X_test)
    )
    np.testing.assert_array_equal(model.predict(X_test), fitted_mlp.predict(X_test))
    assert model.ranks_ == [None, None, None]
    assert model.n_params_ == model.n_params_original_
    assert model.compression_ratio_ == 1.0
    assert model.head_ is None


@pytest.mark.parametrize("bias", ["separate", "augment"])
def test_factored_layers_at_full_rank_reproduce_network(fitted_mlp, digits_split, bias):
    """Factors at full rank (built here although they would not save) are exact."""
    from sklearn_svdmlp._compression._factorization import factor_layer

    _, X_test, _, _ = digits_split
    output = X_test
    for i, (coef, intercept) in enumerate(
        zip(fitted_mlp.coefs_, fitted_mlp.intercepts_, strict=True)
    ):
        full = min(coef.shape[0] + (bias == "augment"), coef.shape[1])
        *factors, _ = factor_layer(coef, intercept, full, bias)
        last = i == len(fitted_mlp.coefs_) - 1
        output = FactoredLayer(*factors, "softmax" if last else "relu").forward(output)
    np.testing.assert_allclose(output, fitted_mlp.predict_proba(X_test), atol=1e-10)


def test_forward_uses_factors_not_a_rebuilt_matrix(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=8).fit(
        X_train, y_train
    )
    assert model.ranks_ == [8, 8, None]  # 32 x 10: rank 8 would not save
    kinds = [type(layer) for layer in model.layers_]
    assert kinds == [FactoredLayer, FactoredLayer, DenseLayer]
    # Computing by hand from the stored factors gives the model's output.
    hidden = X_test
    for layer in model.layers_[:2]:
        hidden = np.maximum((hidden @ layer.left) @ layer.right + layer.intercept, 0)
    logits = hidden @ model.layers_[2].coef + model.layers_[2].intercept
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(X_test), proba, atol=1e-12)
    assert model.n_params_ == sum(layer.n_params for layer in model.layers_)
    assert model.n_params_ == 8 * (64 + 64) + 64 + 8 * (64 + 32) + 32 + 32 * 10 + 10


def test_compression_costs_little_accuracy_at_moderate_rank(fitted_mlp, digits_split):
    X_train, X_test, y_train, y_test = digits_split
    baseline = fitted_mlp.score(X_test, y_test)
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=16).fit(
        X_train, y_train
    )
    assert model.compression_ratio_ > 1.5
    assert model.score(X_test, y_test) > baseline - 0.03
    tiny = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=1).fit(
        X_train, y_train
    )
    assert tiny.score(X_test, y_test) < baseline - 0.2


def test_energy_rank_and_cap_visible_in_ranks(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), rank=[0.5, 1000, None]
    ).fit(X_train, y_train)
    s = model.singular_values_[0]
    energy = np.cumsum(s**2) / np.sum(s**2)
    assert model.ranks_[0] == int(np.argmax(energy >= 0.5)) + 1
    assert model.ranks_[1] is None  # capped at 32, where factoring cannot save
    assert [len(s) for s in model.singular_values_] == [64, 32, 10]


# ------------------------------------------------------------ truncation
def test_truncated_cuts_last_hidden_layer_by_default(fitted_mlp, digits_split):
    X_train, X_test, y_train, y_test = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=12
    ).fit(X_train, y_train)
    assert model.ranks_ == [None, 12, None]
    assert [layer.shape for layer in model.layers_] == [(64, 64), (64, 12)]
    assert isinstance(model.head_, LogisticRegression)
    assert model.head_.coef_.shape == (10, 12)
    head_params = 10 * 12 + 10
    assert model.n_params_ == 64 * 64 + 64 + 64 * 12 + 12 + head_params
    assert model.score(X_test, y_test) > 0.9
    # The head is trained on the truncated activations of the training data.
    activations = model.network_.forward(X_train)
    expected = LogisticRegression(max_iter=1000).fit(activations, y_train)
    np.testing.assert_allclose(model.head_.coef_, expected.coef_)


def test_truncated_list_rank_chooses_the_layer(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=[5, None, None]
    ).fit(X_train, y_train)
    assert model.ranks_ == [5, None, None]
    assert [layer.shape for layer in model.layers_] == [(64, 5)]
    assert model.predict_proba(X_test).shape == (len(X_test), 10)


@pytest.mark.parametrize(
    "head", [KNeighborsClassifier(3), DecisionTreeClassifier(random_state=0)]
)
def test_any_classifier_head(fitted_mlp, digits_split, head):
    X_train, X_test, y_train, y_test = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=16, head=head
    ).fit(X_train, y_train)
    assert type(model.head_) is type(head) and model.head_ is not head
    assert model.score(X_test, y_test) > 0.8
    # What a non-linear head stores is counted too (KNN keeps its training set).
    n_network = sum(layer.n_params for layer in model.layers_)
    if isinstance(head, KNeighborsClassifier):
        assert model.n_params_ == n_network + X_train.size // 64 * 16
    else:
        tree = model.head_.tree_
        assert model.n_params_ == n_network + tree.threshold.size + tree.value.size
    assert "?" in model.summary()  # its multiply-adds are unknown


def test_head_without_predict_proba(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=16, head=SVC()
    )
    assert not hasattr(model, "predict_proba")
    model.fit(X_train, y_train)
    assert not hasattr(model, "predict_proba")
    assert model.predict(X_test).shape == (len(X_test),)
    # The fitted head decides; a fresh copy with the plain method has it.
    assert not hasattr(model.set_params(method="svd"), "predict_proba")
    assert hasattr(clone(model), "predict_proba")


def test_frozen_network_with_classes_missing_from_y(fitted_mlp, digits_split):
    X_train, X_test, y_train, _ = digits_split
    keep = y_train < 8
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=8
    ).fit(X_train[keep], y_train[keep])
    proba = model.predict_proba(X_test)
    np.testing.assert_array_equal(model.classes_, np.arange(10))
    assert proba.shape == (len(X_test), 10)
    np.testing.assert_array_equal(proba[:, 8:], 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1)


# ------------------------------------------------------------ targets, inputs
@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_binary_string_labels(method):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labels = np.array(["benign", "malignant"])[y]
    model = SVDCompressedMLPClassifier(
        MLPClassifier((20,), max_iter=300, random_state=0),
        method=method,
        rank=3,
        random_state=0,
    ).fit(X, labels)
    assert model.predict_proba(X).shape == (len(X), 2)
    assert set(model.predict(X)) == {"benign", "malignant"}
    assert model.score(X, labels) > 0.9


@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_multilabel(method):
    X, Y = make_multilabel_classification(n_samples=300, n_classes=4, random_state=0)
    network = MLPClassifier((20,), max_iter=500, random_state=0).fit(X, Y)
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(network), method=method, rank=None if method == "svd" else 8
    ).fit(X, Y)
    assert model.predict(X).shape == Y.shape
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape
    assert ((proba >= 0) & (proba <= 1)).all()
    if method == "svd":
        np.testing.assert_array_equal(model.predict(X), network.predict(X))
    else:
        assert (model.predict(X) == (proba > 0.5)).mean() > 0.95
        assert model.score(X, Y) > 0.3  # subset accuracy, 4 labels


@pytest.mark.parametrize("sparse_format", [sp.csr_matrix, sp.csc_matrix])
@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_sparse_input_matches_dense(digits_split, fitted_mlp, sparse_format, method):
    X_train, X_test, y_train, _ = digits_split
    dense = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method=method, rank=8
    ).fit(X_train, y_train)
    sparse = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method=method, rank=8
    ).fit(sparse_format(X_train), y_train)
    np.testing.assert_allclose(
        sparse.network_.forward(sparse_format(X_test)),
        dense.network_.forward(X_test),
        atol=1e-12,
    )
    if method == "svd":
        np.testing.assert_allclose(
            sparse.predict_proba(sparse_format(X_test)),
            dense.predict_proba(X_test),
            atol=1e-10,
        )
    else:
        # The head is retrained on activations that differ in the last bits;
        # its iterative solver amplifies that a little, so compare labels.
        agree = sparse.predict(sparse_format(X_test)) == dense.predict(X_test)
        assert agree.mean() > 0.99


def test_sample_weight_reaches_network_and_head(digits_split):
    X_train, _, y_train, _ = digits_split
    weights = np.random.default_rng(0).uniform(0.1, 3.0, size=len(y_train))
    network = MLPClassifier((16,), max_iter=100, random_state=0)
    model = SVDCompressedMLPClassifier(
        network, method="truncated", rank=6, keep_original=True
    ).fit(X_train, y_train, sample_weight=weights)
    expected = clone(network).fit(X_train, y_train, sample_weight=weights)
    for ours, theirs in zip(model.estimator_.coefs_, expected.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    activations = model.network_.forward(X_train)
    head = LogisticRegression(max_iter=1000).fit(
        activations, y_train, sample_weight=weights
    )
    np.testing.assert_allclose(model.head_.coef_, head.coef_)
    unweighted = LogisticRegression(max_iter=1000).fit(activations, y_train)
    assert not np.allclose(model.head_.coef_, unweighted.coef_)


def test_random_state_is_passed_on(digits_split):
    X_train, X_test, y_train, _ = digits_split
    network = MLPClassifier((16,), max_iter=50)
    a = SVDCompressedMLPClassifier(
        network, rank=4, random_state=3, keep_original=True
    ).fit(X_train, y_train)
    b = SVDCompressedMLPClassifier(network, rank=4, random_state=3).fit(
        X_train, y_train
    )
    c = SVDCompressedMLPClassifier(network, rank=4, random_state=4).fit(
        X_train, y_train
    )
    assert a.estimator_.random_state == 3
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert not np.array_equal(a.predict_proba(X_test), c.predict_proba(X_test))
    rng_model = SVDCompressedMLPClassifier(
        network, rank=4, random_state=np.random.RandomState(0), keep_original=True
    ).fit(X_train, y_train)
    assert isinstance(rng_model.estimator_.random_state, int)


def test_float32_input_stays_float32(digits_split):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        MLPClassifier((16,), max_iter=50, random_state=0), rank=4
    ).fit(X_train.astype(np.float32), y_train)
    assert model.layers_[0].left.dtype == np.float32
    assert model.predict_proba(X_test.astype(np.float32)).dtype == np.float32


def test_pandas_feature_names_kept(digits_split):
    pd = pytest.importorskip("pandas")
    X_train, X_test, y_train, _ = digits_split
    columns = [f"pixel_{i}" for i in range(X_train.shape[1])]
    model = SVDCompressedMLPClassifier(
        MLPClassifier((16,), max_iter=50, random_state=0), rank=4
    ).fit(pd.DataFrame(X_train, columns=columns), y_train)
    np.testing.assert_array_equal(model.feature_names_in_, columns)
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(X_test)


@pytest.mark.parametrize("method", ["svd", "truncated"])
def test_pickle_round_trip(fitted_mlp, digits_split, method):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method=method, rank=8
    ).fit(X_train, y_train)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        restored.predict_proba(X_test), model.predict_proba(X_test)
    )
    assert restored.ranks_ == model.ranks_ and restored.n_params_ == model.n_params_


# ------------------------------------------------------------ summary
def test_summary_lists_both_networks(fitted_mlp, digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(FrozenEstimator(fitted_mlp), rank=8).fit(
        X_train, y_train
    )
    text = model.summary()
    original, compressed, ratio = text.split("\n\n")
    assert "64 x 64" in original and f"{model.n_params_original_:,}" in original
    assert "64 x 8 x 64" in compressed and "64 x 8 x 32" in compressed
    assert f"{model.n_params_:,}" in compressed
    n_madds = sum(layer.n_multiply_adds for layer in model.layers_)
    assert compressed.splitlines()[-1].split()[-1] == f"{n_madds:,}"
    assert ratio.splitlines() == [
        f"compression ratio: {model.compression_ratio_:.2f}",
        f"in bytes: {model.n_bytes_original_ / model.n_bytes_:.2f}",
    ]
    assert f"{model.n_bytes_:,}" in compressed

    truncated = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank=5
    ).fit(X_train, y_train)
    text = truncated.summary()
    assert "truncated" in text and "LogisticRegression" in text and "5 -> 10" in text
