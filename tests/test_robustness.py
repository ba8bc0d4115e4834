"""Edge cases: concurrent prediction, failed and repeated fits, odd targets."""

import pickle
import threading
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from sklearn_svdmlp import CompressedNetwork, DenseLayer, SVDCompressedMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_concurrent_forward_calls_restore_blas_threads():
    rng = np.random.default_rng(0)
    network = CompressedNetwork(
        [
            DenseLayer(rng.normal(size=(30, 48)), np.zeros(48), "relu"),
            DenseLayer(rng.normal(size=(48, 5)), np.zeros(5), "softmax"),
        ]
    )
    X = rng.normal(size=(3000, 30))
    expected = network.layers[1].forward(network.layers[0].forward(X))
    errors = []

    def predict():
        for _ in range(30):
            output = network.forward(X, block_bytes=64 * 48 * 8)
            if not np.allclose(output, expected, rtol=1e-12, atol=1e-15):
                errors.append("wrong output")

    with threadpool_limits(2, user_api="blas"):
        threads = [threading.Thread(target=predict) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        current = threadpool_limits(None, user_api="blas").get_original_num_threads()
        assert current["blas"] == 2
    assert not errors


def test_multilabel_truncated_with_a_label_never_on():
    X, Y = make_multilabel_classification(n_samples=150, n_classes=3, random_state=0)
    Y[:, 2] = 0
    model = SVDCompressedMLPClassifier(
        MLPClassifier((16,), max_iter=300, random_state=0),
        method="truncated",
        rank=4,
        head=DecisionTreeClassifier(random_state=0),
    ).fit(X, Y)
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(proba[:, 2], 0)
    np.testing.assert_array_equal(model.predict(X), (proba > 0.5).astype(int))


def test_failed_fit_leaves_no_fitted_state_and_no_training_data(
    fitted_mlp, digits_split
):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        FrozenEstimator(fitted_mlp), method="truncated", rank="auto", target_ratio=100
    )
    with pytest.raises(ValueError, match="cannot be reached"):
        model.fit(X_train, y_train)
    with pytest.raises(NotFittedError):
        model.predict(X_test)
    assert not hasattr(model, "_fit_data") and not hasattr(model, "network_")
    # Nothing but the parameters: it pickles like a fresh copy of itself.
    assert len(pickle.dumps(model)) == len(pickle.dumps(clone(model)))


def test_refit_drops_attributes_of_the_earlier_configuration(digits_split):
    X_train, _, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        MLPClassifier((16,), max_iter=100, random_state=0),
        rank="auto",
        max_score_drop=0.05,
        fine_tune_epochs=2,
        random_state=0,
    ).fit(X_train, y_train)
    for name in ["sensitivity_", "baseline_score_", "validation_score_", "loss_curve_"]:
        assert hasattr(model, name)
    model.set_params(rank=4, max_score_drop=None, fine_tune_epochs=0).fit(
        X_train, y_train
    )
    for name in ["sensitivity_", "baseline_score_", "validation_score_", "loss_curve_"]:
        assert not hasattr(model, name)


def test_a_regressor_is_not_a_head():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(TypeError, match="head must be a classifier.*LinearRegression"):
        SVDCompressedMLPClassifier(
            MLPClassifier((8,), max_iter=50, random_state=0),
            method="truncated",
            rank=2,
            head=LinearRegression(),
        ).fit(X, y)


@pytest.mark.parametrize("bias", ["separate", "augment"])
def test_float32_with_activations_stays_float32(digits_split, bias):
    X_train, X_test, y_train, _ = digits_split
    model = SVDCompressedMLPClassifier(
        MLPClassifier((32,), max_iter=50, random_state=0),
        rank=6,
        svd_on="activations",
        bias=bias,
    ).fit(X_train.astype(np.float32), y_train)
    for layer in model.layers_:
        for array in vars(layer).values():
            if isinstance(array, np.ndarray):
                assert array.dtype == np.float32
    assert model.predict_proba(X_test.astype(np.float32)).dtype == np.float32


def test_truncation_width_is_capped_at_the_rank_of_the_data_alike_for_both_solvers():
    """Iris, a 4 -> 20 layer: H W + b has rank at most 5, whatever is asked."""
    X, y = load_iris(return_X_y=True)
    network = MLPClassifier((20,), max_iter=300, random_state=0).fit(X, y)
    ranks = {
        solver: SVDCompressedMLPClassifier(
            FrozenEstimator(network),
            method="truncated",
            rank=10,
            svd_on="activations",
            svd_solver=solver,
            random_state=0,
        )
        .fit(X, y)
        .ranks_
        for solver in ["full", "randomized"]
    }
    assert ranks["full"] == ranks["randomized"] == [5, None]


def test_dataframe_with_score_drop_search_warns_nothing(digits_split):
    pd = pytest.importorskip("pandas")
    X_train, _, y_train, _ = digits_split
    frame = pd.DataFrame(X_train, columns=[f"pixel_{i}" for i in range(64)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        SVDCompressedMLPClassifier(
            MLPClassifier((16,), max_iter=100, random_state=0),
            rank="auto",
            max_score_drop=0.05,
            random_state=0,
        ).fit(frame, y_train)
