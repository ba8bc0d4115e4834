"""Helpers shared by the tests."""

from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp._network import affine


def preactivations(layer, X):
    """A stored (unquantized) layer's output before its activation."""
    for step in layer.affine_steps():
        assert step.scales is None
        X = affine(X, step.values, step.bias)
    return X


class CountingMLP(MLPClassifier):
    """An MLPClassifier that counts how often it is fitted (on the class)."""

    n_fit_calls = 0

    def fit(self, X, y, sample_weight=None):
        type(self).n_fit_calls += 1
        return super().fit(X, y, sample_weight=sample_weight)
