import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier


@pytest.fixture(scope="session")
def digits_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)


@pytest.fixture(scope="session")
def fitted_mlp(digits_split):
    """A two-hidden-layer network on digits, fitted once for the session.

    Tests must not change it; ``test_frozen_network_is_not_modified`` checks
    that the estimator does not either.
    """
    X_train, _, y_train, _ = digits_split
    return MLPClassifier((64, 32), max_iter=400, random_state=0).fit(X_train, y_train)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
