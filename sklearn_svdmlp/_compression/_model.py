"""A compressed model, and the functions that plan and build one from the network.

:func:`plan_model` decides what each layer becomes and :func:`build_model`
builds that, from the original network's layers, the
:class:`CompressionSettings` and the :class:`TrainingData`; neither touches
an estimator. The estimator and the searches over ranks call them and keep
the :class:`CompressedModel` they choose, as ``CalibratedClassifierCV``
keeps the ``_CalibratedClassifier`` that its module-level functions return.
"""

from dataclasses import dataclass

from sklearn.base import clone
from sklearn.utils.validation import has_fit_parameter

from .._network import CompressedNetwork, head_adapter, total_bytes, total_params
from .._threads import one_blas_thread
from ._build import build_network
from ._plan import make_plan
from ._spectra import NetworkSpectra


@dataclass(frozen=True, kw_only=True)
class CompressionSettings:
    """How to compress: the estimator's choices that every candidate shares.

    Parameters
    ----------
    method, bias, svd_on, svd_solver : str
        The estimator's parameters of the same names.
    random_state : int or None
        Seed for the randomized SVD and the head.
    head : estimator or None, default=None
        The unfitted head (``method="truncated"``), validated; each candidate
        fits a clone of it.
    """

    method: str
    bias: str
    svd_on: str
    svd_solver: str
    random_state: int | None
    head: object = None


@dataclass(frozen=True, eq=False)
class TrainingData:
    """The data a model is compressed (and fine-tuned) on.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Factors with ``svd_on="activations"`` or ``"outputs"``, and the head.
    y : ndarray
        Targets, for the head and fine-tuning.
    sample_weight : ndarray or None, default=None
    """

    X: object
    y: object
    sample_weight: object = None


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
        head = 0 if self.head is None else head_adapter(self.head).n_params
        return self.network.n_params + head

    @property
    def n_bytes(self):
        """Bytes of every array stored: the network's layers and the head."""
        head = 0 if self.head is None else head_adapter(self.head).n_bytes
        return self.network.n_bytes + head

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


def network_spectra(original, settings, data):
    """The original network's decompositions, as ``settings`` asks for them."""
    return NetworkSpectra(
        original,
        settings.bias,
        None if settings.svd_on == "weights" else data.X,
        data.sample_weight,
        settings.svd_solver,
        settings.random_state,
    )


def fit_head(network, settings, data):
    """A new head fitted on the truncated network's activations of the training data."""
    head = clone(settings.head)
    if settings.random_state is not None and "random_state" in head.get_params():
        head.set_params(random_state=settings.random_state)
    activations = network.forward(data.X)
    weights = {}
    if data.sample_weight is not None:
        if not has_fit_parameter(head, "sample_weight"):
            raise ValueError(
                f"head {type(head).__name__} does not accept sample_weight in fit; "
                "pass a head that does, or no sample_weight."
            )
        weights = {"sample_weight": data.sample_weight}
    with one_blas_thread():
        return head.fit(activations, data.y, **weights)


def plan_model(original, requests, settings, spectra):
    """The :class:`~sklearn_svdmlp._compression._plan.Plan` for one request per layer.

    With ``method="truncated"``, at most one request is not ``None``: the
    layer cut (all ``None``: no compression).
    """
    return make_plan(settings.method, requests, spectra, settings.bias)


def compress(original, requests, settings, data, spectra=None):
    """Plan, then build: the compressed model for one rank request per layer.

    ``spectra`` (from :func:`network_spectra`) shares the original
    network's decompositions between calls; ``None`` makes them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression import (
    ...     CompressionSettings, TrainingData, compress)
    >>> rng = np.random.default_rng(0)
    >>> original = [DenseLayer(rng.normal(size=(20, 30)), np.zeros(30), "relu"),
    ...             DenseLayer(rng.normal(size=(30, 3)), np.zeros(3), "softmax")]
    >>> settings = CompressionSettings(method="svd", bias="separate",
    ...     svd_on="weights", svd_solver="full", random_state=0)
    >>> model = compress(original, [4, None], settings, TrainingData(X=None, y=None))
    >>> model.ranks, model.n_params, model.n_params_original
    ([4, None], 323, 723)
    """
    if spectra is None:
        spectra = network_spectra(original, settings, data)
    plan = plan_model(original, requests, settings, spectra)
    return build_model(original, plan, settings, data, spectra)


def build_model(original, plan, settings, data, spectra):
    """The compressed model ``plan`` describes, its head fitted.

    Parameters
    ----------
    original : list of DenseLayer
        The network's layers (never written to).
    plan : Plan
    settings : CompressionSettings
    data : TrainingData
    spectra : NetworkSpectra
        From :func:`network_spectra`, shared between the candidates of a
        search.

    Returns
    -------
    model : CompressedModel
    """
    n_params_original = total_params(original)
    n_bytes_original = total_bytes(original)
    network, ranks, reported = build_network(
        original, plan, spectra, compensate=settings.svd_on == "outputs"
    )
    if not plan.is_truncation:
        return CompressedModel(
            network,
            None,
            ranks,
            reported,
            n_params_original,
            n_bytes_original,
        )
    singular_values = spectra.full()
    (singular_values[plan.cut],) = reported
    head = fit_head(network, settings, data)
    return CompressedModel(
        network,
        head,
        ranks,
        singular_values,
        n_params_original,
        n_bytes_original,
    )
