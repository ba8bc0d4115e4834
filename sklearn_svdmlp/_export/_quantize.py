"""The int8 input an integer-only model's device code takes, computed in Python."""

import numpy as np
from sklearn.utils import check_array

from .._estimators import model_and_scaler
from .._network import IntegerNetwork
from .._network._int_arithmetic import int8_of_scaled


def quantize_input(estimator, X):
    """The int8 rows ``<name>_predict_int8`` takes, from raw rows ``X``.

    What the exported ``<name>_quantize_input`` computes on the device, bit
    for bit: the standardization of a ``StandardScaler`` before the model
    folded in, then the model's input quantization, in float32. Test vectors
    for a firmware, or rows quantized on a host and sent to a device. For a
    model fitted with ``keep_inputs``, ``Xq[:, model.inputs_kept_]`` is what
    ``<name>_predict_int8_kept`` takes and ``<name>_quantize_input_kept``
    writes.

    Parameters
    ----------
    estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or Pipeline
        A fitted integer-only model (``integer_only=True``), alone or after
        one ``StandardScaler`` in a ``Pipeline`` (either may be in a
        ``FrozenEstimator``), as :func:`export_c` takes it.
    X : array-like of shape (n_samples, n_features)
        Raw rows, as the pipeline's ``predict`` takes them (read as float32,
        as the device's ``const float *x``; NaN is quantized as 0).

    Returns
    -------
    Xq : ndarray of shape (n_samples, n_features), int8

    Raises
    ------
    ValueError
        If the model is not integer-only, or ``X`` has another number of
        features than the model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_svdmlp import SVDCompressedMLPClassifier, quantize_input
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(
    ...     MLPClassifier((16,), max_iter=500, random_state=0),
    ...     rank=2, quantize="int8", integer_only=True,
    ... )
    >>> pipeline = make_pipeline(StandardScaler(), model).fit(X, y)
    >>> Xq = quantize_input(pipeline, X[:2])
    >>> Xq.dtype, Xq.shape
    (dtype('int8'), (2, 4))
    """
    model, scaler = model_and_scaler(estimator, "quantize_input")
    network = model.network_
    if not isinstance(network, IntegerNetwork):
        raise ValueError(
            "quantize_input needs an integer-only model (integer_only=True); "
            f"this {type(model).__name__} computes in float."
        )
    X = check_array(X, dtype=np.float64, ensure_all_finite=False)
    if X.shape[1] != model.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, the model {model.n_features_in_}."
        )
    X = X.astype(np.float32)
    if scaler is None:
        return network.quantize_input(X)
    n = model.n_features_in_
    mean = scaler.mean_ if scaler.with_mean else np.zeros(n)
    scale = scaler.scale_ if scaler.with_std else np.ones(n)
    # As the C file writes them: float32 means and float32 factors.
    factors = np.float32(1.0 / (network.input_scale * np.asarray(scale, float)))
    return int8_of_scaled((X - np.float32(mean)) * factors, network.input_zero_point)
