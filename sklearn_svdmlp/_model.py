"""A compressed model, and the pure function that builds one from the network.

:func:`build_model` makes a candidate from the original network's layers,
one rank request per weight matrix and a frozen :class:`CompressionSettings`;
it never touches an estimator. The estimator and the searches over ranks
(:mod:`._search`) call it and keep the :class:`CompressedModel` they choose,
as ``CalibratedClassifierCV`` keeps the ``_CalibratedClassifier`` that its
module-level functions return.
"""

import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import has_fit_parameter

from ._compression import (
    activation_spectra,
    factored_network,
    truncated_network,
    weight_spectra,
)
from ._head import stored_bytes, stored_floats
from ._layers import total_bytes, total_params
from ._network import CompressedNetwork
from ._rank_selection import truncation_layer
from ._threads import one_blas_thread


def seed_from(random_state):
    """The seed every random choice of a fit uses: an int, or ``None``.

    An int or ``None`` is kept; a ``RandomState`` draws one int, so that the
    network, the head, the splits and the SVD all follow it.

    Examples
    --------
    >>> from sklearn_svdmlp._model import seed_from
    >>> seed_from(3), seed_from(None)
    (3, None)
    """
    if random_state is None or isinstance(random_state, numbers.Integral):
        return random_state
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@dataclass(frozen=True, eq=False)
class CompressionSettings:
    """Everything a candidate is built from besides the network and the requests.

    Parameters
    ----------
    method, bias, svd_on, svd_solver : str
        The estimator's parameters of the same names.
    random_state : int or None
        Seed for the randomized SVD and the head.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data: factors with ``svd_on="activations"`` or
        ``"outputs"``, and the head.
    y : ndarray
        Training targets, for the head.
    sample_weight : ndarray or None
    head : estimator or None
        The unfitted head (``method="truncated"``), validated; each candidate
        fits a clone of it.
    """

    method: str
    bias: str
    svd_on: str
    svd_solver: str
    random_state: int | None
    X: object
    y: object
    sample_weight: object = None
    head: object = None

    @property
    def data(self):
        """The training data the factors are fitted to, or ``None`` (weights)."""
        return None if self.svd_on == "weights" else self.X


@dataclass(eq=False)
class CompressedModel:
    """A fitted compressed model: stored network, head, ranks and spectra.

    Parameters
    ----------
    network : CompressedNetwork
        The stored layers.
    head : estimator or None
        The head retrained above a truncated layer.
    ranks : list of (int or None)
        One per weight matrix of the original network.
    singular_values : list of ndarray
        One per weight matrix: the spectrum each was (or would be) cut from.
    n_params_original : int
        Numbers stored by the original network.
    n_bytes_original : int
        Bytes of the original network's arrays, at their dtype.
    """

    network: CompressedNetwork
    head: object
    ranks: list
    singular_values: list
    n_params_original: int
    n_bytes_original: int

    @property
    def n_params(self):
        """Numbers stored: the network's layers and the head."""
        n_params = self.network.n_params
        return n_params if self.head is None else n_params + stored_floats(self.head)

    @property
    def n_bytes(self):
        """Bytes of every array stored: the network's layers and the head."""
        n_bytes = self.network.n_bytes
        return n_bytes if self.head is None else n_bytes + stored_bytes(self.head)

    @property
    def compression_ratio(self):
        """``n_params_original / n_params``."""
        return self.n_params_original / self.n_params

    def fitted_attributes(self):
        """The estimator's fitted attributes that describe this model."""
        return {
            "network_": self.network,
            "head_": self.head,
            "ranks_": self.ranks,
            "singular_values_": self.singular_values,
            "n_params_original_": self.n_params_original,
            "n_params_": self.n_params,
            "compression_ratio_": self.compression_ratio,
            "n_bytes_original_": self.n_bytes_original,
            "n_bytes_": self.n_bytes,
        }

    def score(self, scorer, estimator, X, y, sample_weight=None):
        """``scorer`` of this model, on a copy of ``estimator`` that holds it.

        ``estimator`` is the fitted (or being fitted) compressed estimator this
        model is a candidate of; it is not modified. ``X`` must be validated
        data: the copy does not check column names.
        """
        # A shallow copy by hand: copy.copy would go through __getstate__,
        # which prepares the estimator for saving.
        holder = type(estimator).__new__(type(estimator))
        vars(holder).update(vars(estimator), **self.fitted_attributes())
        vars(holder).pop("feature_names_in_", None)
        # A plain callable scorer may take no sample_weight.
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(holder, X, y, **weights)


def full_spectra(original, settings):
    """Every layer's whole spectrum, of its weights or of its data.

    Parameters
    ----------
    original : list of DenseLayer
    settings : CompressionSettings

    Returns
    -------
    spectra : list of ndarray
    """
    if settings.svd_on == "weights":
        return weight_spectra(original, settings.bias)
    return activation_spectra(
        original, settings.X, settings.bias, settings.sample_weight
    )


def fit_head(network, settings):
    """A new head fitted on the truncated network's activations of the training data."""
    head = clone(settings.head)
    if settings.random_state is not None and "random_state" in head.get_params():
        head.set_params(random_state=settings.random_state)
    activations = network.forward(settings.X)
    weights = {}
    if settings.sample_weight is not None:
        if not has_fit_parameter(head, "sample_weight"):
            raise ValueError(
                f"head {type(head).__name__} does not accept sample_weight in fit; "
                "pass a head that does, or no sample_weight."
            )
        weights = {"sample_weight": settings.sample_weight}
    with one_blas_thread():
        return head.fit(activations, settings.y, **weights)


def build_model(original, requests, settings, spectra=None):
    """The compressed model for one rank request per weight matrix.

    Parameters
    ----------
    original : list of DenseLayer
        The network's layers (never written to).
    requests : list of (int, float or None)
        One rank request per weight matrix. With ``method="truncated"``, at
        most one is not ``None``: the layer cut (all ``None``: no compression).
    settings : CompressionSettings
    spectra : list of ndarray, default=None
        :func:`full_spectra`, when already computed (a truncation needs it).

    Returns
    -------
    model : CompressedModel

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._model import CompressionSettings, build_model
    >>> rng = np.random.default_rng(0)
    >>> original = [DenseLayer(rng.normal(size=(20, 30)), np.zeros(30), "relu"),
    ...             DenseLayer(rng.normal(size=(30, 3)), np.zeros(3), "softmax")]
    >>> settings = CompressionSettings(
    ...     "svd", "separate", "weights", "full", 0, X=None, y=None)
    >>> model = build_model(original, [4, None], settings)
    >>> model.ranks, model.n_params, model.n_params_original
    ([4, None], 323, 723)
    """
    n_params_original = total_params(original)
    n_bytes_original = total_bytes(original)
    if settings.method == "svd" or all(request is None for request in requests):
        network, ranks, singular_values = factored_network(
            original,
            requests,
            settings.bias,
            settings.data,
            settings.sample_weight,
            settings.svd_solver,
            settings.random_state,
            compensate=settings.svd_on == "outputs",
        )
        return CompressedModel(
            network, None, ranks, singular_values, n_params_original, n_bytes_original
        )
    cut = truncation_layer(requests)
    network, rank, spectrum = truncated_network(
        original,
        cut,
        requests[cut],
        settings.bias,
        settings.data,
        settings.sample_weight,
        settings.svd_solver,
        settings.random_state,
    )
    singular_values = list(
        full_spectra(original, settings) if spectra is None else spectra
    )
    singular_values[cut] = spectrum
    ranks = [None] * len(original)
    ranks[cut] = rank
    head = fit_head(network, settings)
    return CompressedModel(
        network, head, ranks, singular_values, n_params_original, n_bytes_original
    )
