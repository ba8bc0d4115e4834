"""Spectra: what each layer is decomposed from, and its SVD.

A layer is compressed from its weights ``W`` (or ``[W; b]``), or from its
pre-activations ``Z = H W + b`` on the training data ``H`` that reaches it.
:class:`NetworkSpectra` holds the original network's decompositions,
computed once each when first asked: the plan reads ranks off them, the
build reuses them, and a search shares them between its candidates.
"""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from ._factorization import matrix_to_factor, resolve_solver, singular_values, svd


def sample_weights(sample_weight, n_samples):
    """Row weights that sum to one (uniform without ``sample_weight``)."""
    if sample_weight is None:
        return np.full(n_samples, 1.0 / n_samples)
    return np.asarray(sample_weight, dtype=np.float64) / np.sum(sample_weight)


def mean_rows(H, weights):
    """The ``weights``-weighted mean row of ``H`` (dense or sparse)."""
    return np.asarray(safe_sparse_dot(weights, H)).ravel()


def activation_directions(
    H,
    coef,
    intercept,
    centered,
    sample_weight=None,
    rank=None,
    solver="full",
    random_state=None,
):
    """Right singular vectors and values of a layer's pre-activations on data.

    The pre-activations are ``Z = H @ coef + intercept``; their rows are
    weighted by the square root of ``sample_weight``, and with ``centered``
    their weighted mean is removed first (a PCA of ``Z``). ``rank``,
    ``solver`` and ``random_state`` are passed to
    :func:`~sklearn_svdmlp._compression._factorization.svd`.

    Returns
    -------
    singular_values : ndarray of shape (k,)
    right_vectors : ndarray of shape (k, n_out)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._spectra import activation_directions
    >>> H = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> s, vt = activation_directions(H, np.eye(2), np.zeros(2), centered=False)
    >>> s.shape, vt.shape
    ((2,), (2, 2))
    """
    weights = sample_weights(sample_weight, H.shape[0])
    Z = safe_sparse_dot(H, coef)
    Z += intercept
    if centered:
        Z -= weights @ Z
    Z *= np.sqrt(weights)[:, np.newaxis]
    _, s, vt = svd(Z, rank, solver, random_state)
    return s, vt


def triplets_to_compute(triplets, shape, bias, n_samples=None):
    """How many singular triplets an SVD is asked for: ``triplets``, capped.

    The cap is the most the decomposed matrix's rank can be: ``W`` (or
    ``[W; b]``), or with ``n_samples`` the pre-activations ``H W + b`` on
    that many rows, whose rank the bias can raise by one. ``None`` (the
    whole spectrum) stays ``None``.
    """
    if triplets is None:
        return None
    n_in, n_out = shape
    if n_samples is None:
        return min(int(triplets), n_in + (bias == "augment"), n_out)
    return min(int(triplets), n_in + 1, n_out, n_samples)


def decompose(layer, triplets, bias, H, centered, sample_weight, solver, random_state):
    """SVD of what a layer is compressed from: its weights, or its data.

    With ``H`` (the data reaching the layer) it is the layer's pre-activations
    on ``H`` (:func:`activation_directions`); otherwise ``W`` or ``[W; b]``.
    ``triplets`` (an int, or ``None`` for all) tells a randomized solver how
    many to find.

    Returns
    -------
    left_vectors : ndarray or None
        ``None`` for pre-activations, whose left vectors are never needed.
    singular_values, right_vectors : ndarray
    """
    n_samples = None if H is None else H.shape[0]
    known = triplets_to_compute(triplets, layer.shape, bias, n_samples)
    if H is None:
        matrix = matrix_to_factor(layer.coef, layer.intercept, bias)
        return svd(matrix, known, solver, random_state)
    s, vt = activation_directions(
        H,
        layer.coef,
        layer.intercept,
        centered,
        sample_weight,
        known,
        solver,
        random_state,
    )
    return None, s, vt


def weight_spectra(layers, bias):
    """Singular values of each dense layer's ``W`` (or ``[W; b]``)."""
    return [
        singular_values(matrix_to_factor(layer.coef, layer.intercept, bias))
        for layer in layers
    ]


class NetworkSpectra:
    """The original network's decompositions, each computed once, when first asked.

    Parameters
    ----------
    original : list of DenseLayer
        The network's layers (never written to).
    bias : {"separate", "augment"}
    X : {ndarray, sparse matrix} or None, default=None
        Training data: layers are decomposed on their pre-activations on it;
        ``None`` decomposes the weights.
    sample_weight : ndarray or None, default=None
    svd_solver : {"full", "randomized", "auto"}, default="full"
    random_state : int or None, default=None
        For the randomized solver.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression._spectra import NetworkSpectra
    >>> layer = DenseLayer(np.diag([3.0, 1.0]), np.zeros(2), "relu")
    >>> spectra = NetworkSpectra([layer], "separate")
    >>> spectra.layer(0)[1]
    array([3., 1.])
    """

    def __init__(
        self,
        original,
        bias,
        X=None,
        sample_weight=None,
        svd_solver="full",
        random_state=None,
    ):
        self.original, self.bias, self.X = original, bias, X
        self.sample_weight, self.svd_solver = sample_weight, svd_solver
        self.random_state = random_state
        self._decompositions, self._inputs, self._weight_spectra = {}, [X], None

    def inputs(self, index):
        """What reaches layer ``index`` of the original network, on ``X``."""
        while len(self._inputs) <= index:
            below = self.original[len(self._inputs) - 1]
            self._inputs.append(below.forward(self._inputs[-1]))
        return self._inputs[index]

    @property
    def on_data(self):
        """Whether layers are decomposed on their pre-activations on data."""
        return self.X is not None

    def largest_rank(self, index):
        """The most the rank of what layer ``index`` is decomposed from can be."""
        layer = self.original[index]
        n_samples = None if self.X is None else self.X.shape[0]
        return triplets_to_compute(
            max(layer.shape) + 1, layer.shape, self.bias, n_samples
        )

    def _decomposition(self, index, triplets, centered):
        layer = self.original[index]
        H = None if self.X is None else self.inputs(index)
        n_samples = None if H is None else H.shape[0]
        known = triplets_to_compute(triplets, layer.shape, self.bias, n_samples)
        n_rows = layer.shape[0] + (self.bias == "augment") if H is None else n_samples
        if resolve_solver(self.svd_solver, (n_rows, layer.shape[1]), known) == "full":
            known = None  # the full SVD is the same whatever was asked
        key = (index, known, centered)
        if key not in self._decompositions:
            self._decompositions[key] = decompose(
                self.original[index],
                triplets,
                self.bias,
                H,
                centered,
                self.sample_weight,
                self.svd_solver,
                self.random_state,
            )
        return self._decompositions[key]

    def layer(self, index, triplets=None):
        """``(left_vectors, singular_values, right_vectors)`` a layer is factored from.

        ``W`` or ``[W; b]``, or the pre-activations on ``X`` (centered with
        ``bias="separate"``: their principal directions); ``triplets`` as in
        :func:`decompose`.
        """
        return self._decomposition(index, triplets, self.bias == "separate")

    def cut(self, index, triplets=None):
        """The decomposition a truncation at layer ``index`` keeps directions of.

        As :meth:`layer`, but on data always uncentered: the truncated layer
        keeps the top right singular vectors of its pre-activations.
        """
        return self._decomposition(index, triplets, False)

    def full(self):
        """Every layer's whole spectrum (singular values only), as a list.

        Of the weights, or of the pre-activations on ``X`` (centered with
        ``bias="separate"``), as :meth:`layer` decomposes them.
        """
        if self.X is not None:
            return [self.layer(i)[1] for i in range(len(self.original))]
        if self._weight_spectra is None:
            self._weight_spectra = weight_spectra(self.original, self.bias)
        return list(self._weight_spectra)
