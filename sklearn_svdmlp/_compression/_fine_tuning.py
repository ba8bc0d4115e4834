"""Fine-tuning a compressed model: loss, backpropagation, optimizer loop, orchestration.

The loss is ``MLPClassifier``'s: the log-loss of the output layer (softmax,
or logistic for binary and multilabel targets) plus ``alpha / 2`` times the
squared norm of the weight matrices, divided by the sum of sample weights.
Each layer computes its own gradients (a factored layer as its two factors);
scikit-learn's own loss functions, activation derivatives and optimizers are
used. :func:`fine_tune_model` trains a whole compressed model, head included.
"""

import copy
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
from sklearn.utils import check_random_state, gen_batches

from .._compat import DERIVATIVES, LOSS_FUNCTIONS, AdamOptimizer
from .._network import (
    CompressedNetwork,
    head_adapter,
    loss_of_activation,
    mlp_layers,
)
from .._split import split_off
from ._quantization import as_stored, inputs_read
from ._step_sizes import adam_peak, make_optimizer, step_size_factor, take_step


def parameters(layers):
    """The trainable arrays of ``layers``, in a fixed order (no copies)."""
    return [array for layer in layers for array, _ in layer.parameters()]


def loss_and_gradients(layers, X, Y, sample_weight=None, alpha=0.0):
    """``MLPClassifier``'s loss on ``layers`` and its gradient.

    Parameters
    ----------
    layers : list of DenseLayer or FactoredLayer
        The last one's activation picks the loss, as in scikit-learn's MLPs:
        ``"softmax"`` log-loss, ``"logistic"`` binary log-loss, ``"identity"``
        squared error, ``"exp"`` Poisson deviance.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Targets as the network's output layer predicts them (for a classifier,
        its label binarizer's encoding).
    sample_weight : ndarray of shape (n_samples,), default=None
    alpha : float, default=0.0
        L2 penalty on the weight matrices (factors included), not the biases.

    Returns
    -------
    loss : float
    gradients : list of ndarray
        One per array of :func:`parameters`, in the same order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp import DenseLayer
    >>> from sklearn_svdmlp._compression._fine_tuning import loss_and_gradients
    >>> layers = [DenseLayer(np.zeros((2, 2)), np.zeros(2), "softmax")]
    >>> loss, grads = loss_and_gradients(layers, np.ones((1, 2)), np.array([[1, 0]]))
    >>> print(f"{loss:.4f}")  # log(2)
    0.6931
    """
    # outputs[i] is the input of layer i; saved[i] what its backward needs.
    outputs, saved = [X], []
    for layer in layers:
        output, kept = layer.forward_for_training(outputs[-1])
        outputs.append(output)
        saved.append(kept)

    loss_name = loss_of_activation(layers[-1].activation)
    loss = LOSS_FUNCTIONS[loss_name](Y, outputs[-1], sample_weight)
    penalty = sum(
        np.dot(array.ravel(), array.ravel())
        for layer in layers
        for array, weight in layer.parameters()
        if weight
    )
    sw_sum = X.shape[0] if sample_weight is None else np.sum(sample_weight)
    loss += 0.5 * alpha * penalty / sw_sum

    delta = outputs[-1] - Y
    if sample_weight is not None:
        delta *= np.asarray(sample_weight).reshape(-1, 1)
    gradients = []
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        layer_gradients, delta = layer.backward(saved[i], delta, input_delta=i > 0)
        gradients[:0] = [
            (gradient + alpha * array if weight else gradient) / sw_sum
            for gradient, (array, weight) in zip(
                map(np.asarray, layer_gradients), layer.parameters(), strict=True
            )
        ]
        if i > 0:
            DERIVATIVES[layers[i - 1].activation](outputs[i], delta)
    return float(loss), gradients


def fine_tune(
    layers,
    X,
    Y,
    network,
    epochs,
    sample_weight=None,
    random_state=None,
    validation_score=None,
    verbose=0,
    stored=None,
):
    """Train ``layers`` in place for ``epochs`` passes over ``(X, Y)``.

    Mini-batches, shuffling, ``alpha`` and the optimizer follow ``network``
    (the ``MLPClassifier`` that was compressed); the step size is the
    network's times :func:`step_size_factor` (warm-up, then linear decay),
    and for Adam times :func:`adam_peak`.
    With ``validation_score`` (a callable scoring the layers on held-out
    data), the layers are scored before training and after each epoch; the
    last epoch's are kept. With ``early_stopping`` (``network``'s) as well,
    training stops once the score has not improved by ``network.tol`` for
    ``network.n_iter_no_change`` epochs and the best layers seen are kept,
    the start's included, as scikit-learn's early stopping does.

    With ``stored`` (``stored(layers)``: the arrays of :func:`parameters` as
    the model stores them), each batch's loss and gradient are computed
    with the stored arrays, and the gradient updates the float ones (the
    straight-through estimator): the model is trained as it will be stored.
    The early-stopping score is then the stored model's too, and at the end
    the layers take their stored values, so that storing them again gives
    the same numbers: the stored model is the one trained.

    Returns
    -------
    loss_curve : list of float
        The mean training loss of each epoch.
    validation_scores : list of float
        The start's ``validation_score``, then each epoch's (or none).
    """
    params = parameters(layers)
    optimizer = make_optimizer(params, network)
    rng = check_random_state(random_state)
    n_samples = X.shape[0]
    batch_size = (
        min(200, n_samples)
        if network.batch_size == "auto"
        else int(np.clip(network.batch_size, 1, n_samples))
    )
    batches = list(gen_batches(n_samples, batch_size))
    n_steps = epochs * len(batches)
    peak = adam_peak(n_steps) if isinstance(optimizer, AdamOptimizer) else 1.0
    loss_curve, scores, best, stale = [], [], None, 0  # best: early stopping's

    def score_and_keep():
        """Score the layers; with early stopping, keep them if best, count stale."""
        nonlocal best, stale
        with _computing_as(params, stored, layers):
            score = validation_score(layers)
        best_score = max(scores, default=-np.inf)
        # As scikit-learn's early stopping: a gain under tol counts as none.
        stale = stale + 1 if score < best_score + network.tol else 0
        if network.early_stopping and score > best_score:
            best = [param.copy() for param in params]
        scores.append(score)
        return score

    if validation_score is not None:
        score = score_and_keep()
        stale = 0
        if verbose:
            print(f"Start, validation score = {score:.6f}")
    for epoch in range(epochs):
        order = rng.permutation(n_samples) if network.shuffle else np.arange(n_samples)
        total = 0.0
        for step, batch in enumerate(batches, start=epoch * len(batches)):
            idx = order[batch]
            weights = None if sample_weight is None else sample_weight[idx]
            with _computing_as(params, stored, layers):
                loss, grads = loss_and_gradients(
                    layers, X[idx], Y[idx], weights, network.alpha
                )
            factor = peak * step_size_factor(step, n_steps)
            take_step(optimizer, params, grads, factor)
            total += loss * len(idx)
        loss_curve.append(total / n_samples)
        optimizer.iteration_ends((epoch + 1) * n_samples)
        message = f"Iteration {epoch + 1}, loss = {loss_curve[-1]:.8f}"
        if validation_score is not None:
            message += f", validation score = {score_and_keep():.6f}"
        if verbose:
            print(message)
        if (
            validation_score is not None
            and network.early_stopping
            and stale > network.n_iter_no_change
        ):
            break
    if best is not None:
        for param, value in zip(params, best, strict=True):
            param[...] = value
    if stored is not None:  # the trained model is the stored one
        for param, value in zip(params, stored(layers), strict=True):
            param[...] = value
    return loss_curve, scores


@contextmanager
def _computing_as(params, stored, layers):
    """``params`` hold ``stored(layers)`` inside, their own values again after."""
    if stored is None:
        yield
        return
    own = [param.copy() for param in params]
    for param, value in zip(params, stored(layers), strict=True):
        param[...] = value
    try:
        yield
    finally:
        for param, value in zip(params, own, strict=True):
            param[...] = value


def distilled_targets(Y, network, X, distillation):
    """Fine-tuning targets: ``Y`` mixed with the original network's outputs.

    ``(1 - distillation) * Y + distillation * P``, where ``P`` is what the
    output layer of ``network`` (the fitted multi-layer perceptron that was
    compressed) gives on ``X``: its probabilities for a classifier, its
    predictions for a regressor. The losses take such soft targets as they
    are (cross-entropy against a probability, squared error against a
    number), so the compressed network learns from the classes the original
    finds likely, not only the true one.

    Raises ``ValueError`` when ``Y`` is encoded for other outputs than the
    network's (a head fitted on fewer classes than a frozen network knows).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sklearn_svdmlp._compression._fine_tuning import distilled_targets
    >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
    >>> network = MLPRegressor(hidden_layer_sizes=(3,), random_state=0).fit(X, y)
    >>> Y = distilled_targets(y.reshape(-1, 1), network, X, 0.5)
    >>> bool(np.allclose(Y.ravel(), (y + network.predict(X)) / 2))
    True
    """
    if not distillation:
        return Y
    outputs = CompressedNetwork(mlp_layers(network)).forward(X)
    if outputs.shape != Y.shape:
        raise ValueError(
            f"fine_tune_distillation needs targets shaped as the network's "
            f"{outputs.shape[1]} outputs, but the head's targets have "
            f"{Y.shape[1]} columns (it was fitted on fewer classes than the "
            "network knows). Pass fine_tune_distillation=0."
        )
    return (1 - distillation) * Y + distillation * outputs


def fine_tune_model(
    model,
    data,
    network,
    epochs,
    *,
    output_spec,
    random_state=None,
    stratify=None,
    distillation=0.0,
    verbose=0,
    formats=None,
    held_out=None,
):
    """A copy of ``model`` trained further, as it is stored, with its head.

    The stored layers are trained as they are (a factored layer as its two
    factors); a truncated model's head is trained with them when it can be
    written as layers
    (:meth:`~sklearn_svdmlp._network.Head.require_layers`). Training
    follows ``network``, the multi-layer perceptron that was compressed
    (:func:`fine_tune`), including early stopping (on ``held_out``, else a
    ``validation_fraction`` split) when it used ``early_stopping``. The
    targets, the loss and the held-out score follow the output
    specification of what is trained: the network's, or the head's.

    Parameters
    ----------
    model : CompressedModel
        Not modified.
    data : TrainingData
        The training data, targets (as given to ``fit``) and sample weights
        the model was built with.
    network : MLPClassifier or MLPRegressor
    epochs : int
    output_spec : OutputSpec
        The network's.
    random_state : int or None, default=None
        Seed of the shuffling and the early-stopping split; ``None`` takes
        the network's ``random_state``.
    stratify : ndarray or None, default=None
        Labels to stratify the early-stopping split by.
    distillation : float in [0, 1], default=0.0
        Weight of ``network``'s outputs in the targets
        (:func:`distilled_targets`); early stopping still scores against the
        labels.
    verbose : int, default=0
    formats : str or list of str, default=None
        The storage format of every layer (or one per layer, a head's
        included) the model will be stored in: training computes with the
        weights as stored, rounded to nearest (:func:`fine_tune`'s
        ``stored``). ``None``: as they are.
    held_out : tuple or None, default=None
        ``(X, y, sample_weight)``, data the model is not trained on, to
        score it on (and to stop early on, instead of a split, when the
        network used early stopping).

    Returns
    -------
    model : CompressedModel
    loss_curve : list of float
    validation_scores : list of float or None
        The held-out score of the start and of each epoch.
    held_out : tuple or None
        ``(X, y, sample_weight)`` scored on: ``held_out``, the split or none.
    """
    X, sample_weight = data.X, data.sample_weight
    n_stored = len(model.network.layers)
    layers = [layer.copy() for layer in model.network.layers]
    head, spec = None, output_spec
    if model.head is not None:
        head = head_adapter(copy.deepcopy(model.head))
        layers += head.require_layers("fine_tune_epochs with method='truncated'")
        spec = head.output_spec(output_spec)
    Y = spec.encode(data.y)
    if random_state is None:
        random_state = network.random_state
    targets = distilled_targets(Y, network, X, distillation)
    validation_score = None
    if held_out is not None:
        X_stop, y_stop, weights_stop = held_out
        Y_stop = spec.encode(y_stop)
    elif network.early_stopping:
        (X, targets, sample_weight, _, _), held_out = split_off(
            [X, targets, sample_weight, data.y, Y],
            network.validation_fraction,
            random_state,
            stratify,
        )
        X_stop, _, weights_stop, y_stop, Y_stop = held_out
        held_out = (X_stop, y_stop, weights_stop)
    if held_out is not None:

        def validation_score(layers):
            output = CompressedNetwork(layers).forward(X_stop)
            return spec.score(output, Y_stop, weights_stop)

    stored = None
    if formats is not None:
        if isinstance(formats, str) or len(set(formats)) == 1:
            # One format for all, a head's layers included.
            formats = [formats if isinstance(formats, str) else formats[0]] * len(
                layers
            )
        kept = data.X
        if data.sample_weight is not None:
            kept = kept[data.sample_weight > 0]
        # The rows of the inputs the stored first matrix reads, as storing it
        # decides (where skipping the constant ones saves bytes).
        read = inputs_read(layers[0], formats[0], kept)

        def stored(layers):
            return as_stored(layers, formats, read)

    loss_curve, scores = fine_tune(
        layers,
        X,
        targets,
        network,
        epochs,
        sample_weight,
        random_state,
        validation_score,
        verbose,
        stored,
    )
    if head is not None:
        head.set_layers(layers[n_stored:])
        head = head.estimator
    return (
        replace(model, network=CompressedNetwork(layers[:n_stored]), head=head),
        loss_curve,
        scores or None,
        held_out,
    )
