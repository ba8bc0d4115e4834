"""Helpers shared by the tests."""

from sklearn.neural_network import MLPClassifier

from sklearn_svdmlp._layers import _affine


def preactivations(layer, X):
    """A stored (unquantized) layer's output before its activation."""
    for weights, bias, scales in layer.affine_steps():
        assert scales is None
        X = _affine(X, weights, bias)
    return X


class CountingMLP(MLPClassifier):
    """An MLPClassifier that counts how often it is fitted (on the class)."""

    n_fit_calls = 0

    def fit(self, X, y, sample_weight=None):
        type(self).n_fit_calls += 1
        return super().fit(X, y, sample_weight=sample_weight)
