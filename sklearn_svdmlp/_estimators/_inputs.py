"""``keep_inputs``: the inputs a compressed network reads, chosen once in ``fit``.

The inputs are chosen (:func:`~sklearn_svdmlp._compression._input_choice.choose_inputs`)
before anything is compressed, on the data as the first layer reads it, and
the network is reduced to them (``first_layer_on``: the first layer's weights
on the kept inputs, the others' contribution in its bias). Everything after
(plan, factors, searches, rounding, fine-tuning, integer calibration) runs on
that reduced network and the kept columns of the data, as on a network with
that many inputs, so that dropped inputs stay dropped. The model then reads
those columns through its first step's
:class:`~sklearn_svdmlp._network.InputSelection` (composed with the constant
inputs a quantized first layer skips): the one place the forward pass, the
byte counts and the exports read.
"""

import copy
import math
import numbers
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from .._compat import Interval, StrOptions
from .._compression._input_choice import first_layer_on, input_order
from .._network import (
    InputSelection,
    IntegerNetwork,
    constant_features,
    mlp_layers,
    total_bytes,
    total_params,
)

# keep_inputs' constraint: None, a count, a fraction of the varying inputs, or
# "auto" (chosen by the searches: _input_search.py).
KEEP_INPUTS = [
    None,
    StrOptions({"auto"}),
    Interval(numbers.Integral, 1, None, closed="left"),
    Interval(numbers.Real, 0, 1, closed="right"),
]


def n_inputs_kept(keep_inputs, n_varying, n_samples=None):
    """How many inputs ``keep_inputs`` keeps of ``n_varying`` not constant.

    ``n_samples``: the rows they were counted on, for the message.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._inputs import n_inputs_kept
    >>> n_inputs_kept(10, 61), n_inputs_kept(0.5, 61), n_inputs_kept(0.001, 61)
    (10, 31, 1)
    """
    if isinstance(keep_inputs, bool):
        raise TypeError(
            "keep_inputs must be None, an int >= 1, a float in (0, 1] or 'auto'; "
            "got a bool."
        )
    if isinstance(keep_inputs, numbers.Integral):
        if keep_inputs > n_varying:
            raise ValueError(
                f"keep_inputs={keep_inputs} is more than the {n_varying} inputs "
                "not constant on the training data; keep at most those."
            )
        return int(keep_inputs)
    if n_varying == 0:
        raise ValueError(
            f"keep_inputs={keep_inputs!r} keeps a fraction of the inputs not constant "
            f"on the training data, and there are none over its {n_samples} "
            "samples (of positive weight); use keep_inputs=None."
        )
    # Rounded first: 0.07 * 100 is 7.000000000000001 in floating point.
    return max(1, math.ceil(round(keep_inputs * n_varying, 9)))


def reduced_network(network, X, kept, sample_weight=None):
    """A shallow copy of the fitted ``network`` that reads only the inputs ``kept``.

    Its first layer is ``first_layer_on``'s; ``network`` is not modified.
    """
    reduced = copy.copy(network)
    dtype = network.coefs_[0].dtype
    weights, bias = first_layer_on(
        X, network.coefs_[0], network.intercepts_[0], kept, sample_weight=sample_weight
    )
    reduced.coefs_ = [weights.astype(dtype), *network.coefs_[1:]]
    reduced.intercepts_ = [np.asarray(bias, dtype=dtype), *network.intercepts_[1:]]
    reduced.n_features_in_ = len(kept)
    vars(reduced).pop("feature_names_in_", None)
    return reduced


def _composed(inner, kept, n_features):
    """What a selection ``inner`` of the ``kept`` features reads of all of them."""
    mask = np.zeros(n_features, dtype=bool)
    mask[kept if inner is None else kept[inner.indices]] = True
    return InputSelection.of_mask(mask)


def network_reading(network, kept, n_features):
    """``network``, fitted on the columns ``kept``, reading them of all ``n_features``.

    The first step's selection becomes one of all the features; arrays are
    shared, not copied.
    """
    if isinstance(network, IntegerNetwork):
        first, *layers = network.layers
        step, *steps = first.steps
        step = replace(step, inputs=_composed(step.inputs, kept, n_features))
        first = replace(first, steps=[step, *steps])
        return replace(network, layers=[first, *layers], n_features=n_features)
    first, *layers = network.layers
    first = replace(first, inputs=_composed(first.inputs, kept, n_features))
    return replace(network, layers=[first, *layers])


def inputs_read(network, n_features):
    """The indices, sorted, of the features a fitted ``network`` reads."""
    first = network.layers[0]
    if isinstance(network, IntegerNetwork):
        selection = first.steps[0].inputs
    else:
        selection = first.affine_steps()[0].inputs
    if selection is None:
        return np.arange(n_features, dtype=np.int64)
    return selection.indices


def training_rows(X, sample_weight):
    """The rows of positive weight of ``X``, dense, and their weights (or ``None``).

    What inputs are chosen on.
    """
    if sample_weight is not None:
        positive = sample_weight > 0
        X, sample_weight = X[positive], sample_weight[positive]
    return (X.toarray() if sp.issparse(X) else X), sample_weight


class FitInputs:
    """One fit's inputs: what is compressed on, and the model put back on all of them.

    With ``keep_inputs`` set, the estimator's ``estimator_`` and
    ``n_features_in_`` are those of the reduced network while it compresses
    (the searches score their candidates through them), until :meth:`finish`.

    Parameters
    ----------
    estimator : BaseSVDCompressedMLP
        Being fitted, ``estimator_`` set.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The training data (validated).
    validation : tuple
        ``(X_val, y_val, sample_weight_val)``, ``X_val`` possibly ``None``.
    sample_weight : ndarray or None
        Inputs are chosen, and the first layer refitted, on the rows of
        positive weight, weighted.
    keep : int, float or None, default=None
        How many inputs to keep (as ``keep_inputs``); ``None``: every one.
    order : ndarray of int or None, default=None
        :func:`~sklearn_svdmlp._compression._input_choice.input_order` of
        these rows and network, if already computed: the first ``keep``.
    rows : tuple or None, default=None
        :func:`training_rows` of ``X`` and ``sample_weight``, if already
        computed (a search over counts densifies sparse rows once).

    Attributes
    ----------
    X, validation : the data to compress on: the kept columns.
    kept : ndarray of int64 or None
        The inputs kept, or ``None`` (``keep_inputs=None``).
    """

    def __init__(
        self,
        estimator,
        X,
        validation,
        sample_weight=None,
        keep=None,
        order=None,
        rows=None,
    ):
        self.estimator, self.n_features = estimator, X.shape[1]
        self.X, self.validation, self.kept = X, validation, None
        self.network = estimator.estimator_
        if keep is None:
            return
        dense, weights = rows or training_rows(X, sample_weight)
        n_varying = int(np.sum(~constant_features(dense)))
        n_kept = n_inputs_kept(keep, n_varying, len(dense))
        if order is None:
            order = input_order(
                dense, self.network.coefs_[0], n_kept, sample_weight=weights
            )
        self.kept = np.sort(order[:n_kept])
        read = InputSelection.of_mask(self._mask())
        self.reduced = reduced_network(self.network, dense, self.kept, weights)
        self.X = read.take(X)
        X_val, *rest = validation
        if X_val is not None:
            self.validation = (read.take(X_val), *rest)
        self.enter()

    def enter(self):
        """Compress on the inputs kept: ``estimator_`` is the reduced network."""
        if self.kept is not None:
            self.estimator.estimator_ = self.reduced
            self.estimator.n_features_in_ = len(self.kept)

    def leave(self):
        """Put the estimator's own network and width back."""
        if self.kept is not None:
            self.estimator.estimator_ = self.network
            self.estimator.n_features_in_ = self.n_features

    @property
    def n_bytes(self):
        """Bytes of the runs of the inputs kept, which the fitted model stores."""
        if self.kept is None:
            return 0
        return InputSelection.of_mask(self._mask()).n_bytes

    def _mask(self):
        return np.isin(np.arange(self.n_features), self.kept)

    def finish(self, model):
        """``model`` reading the kept inputs of all; the estimator's own put back.

        Sets ``inputs_kept_``. The original network's counts are the full
        one's.
        """
        self.leave()
        if self.kept is not None:
            original = mlp_layers(self.network)
            model = replace(
                model,
                network=network_reading(model.network, self.kept, self.n_features),
                n_params_original=total_params(original),
                n_bytes_original=total_bytes(original),
            )
        self.estimator.inputs_kept_ = inputs_read(model.network, self.n_features)
        return model


def reads_kept_inputs(model):
    """Whether a fitted model reads the inputs ``keep_inputs`` chose.

    Not with ``keep_inputs=None``, nor with an unused ``"auto"`` (which
    reads what ``None`` reads): only then does it have ``_kept`` entry points.
    """
    keep = getattr(model, "keep_inputs", None)
    return keep is not None and (keep != "auto" or hasattr(model, "input_candidates_"))
