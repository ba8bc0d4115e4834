"""Fine-tuning's optimizer and its step size at each step.

The optimizer is the network's own (scikit-learn's Adam or SGD, with its
settings); fine-tuning scales each step by a warm-up and linear decay
(:func:`step_size_factor`) and, for Adam, a peak that grows with the steps
planned (:func:`adam_peak`). The benchmarks page gives the measurements
behind both.
"""

import numpy as np

from .._compat import AdamOptimizer, SGDOptimizer

# The step size rises linearly over this share of the steps, from
# 1 / (that many steps) of its peak to all of it, then falls linearly to
# almost nothing at the last step (:func:`step_size_factor`).
WARMUP_FRACTION = 0.1
# Adam's peak step size, at most, in multiples of the network's
# learning_rate_init, and the steps planned per multiple (:func:`adam_peak`).
ADAM_PEAK_FACTOR = 10
STEPS_PER_MULTIPLE = 7


def make_optimizer(params, network):
    """The optimizer ``network`` (an ``MLPClassifier``) trains with.

    ``"sgd"`` and ``"adam"`` come with the network's settings; an
    ``"lbfgs"`` network, which has no stochastic optimizer, gets Adam at its
    ``learning_rate_init``.
    """
    if network.solver == "sgd":
        return SGDOptimizer(
            params,
            network.learning_rate_init,
            network.learning_rate,
            network.momentum,
            network.nesterovs_momentum,
            network.power_t,
        )
    return AdamOptimizer(
        params,
        network.learning_rate_init,
        network.beta_1,
        network.beta_2,
        network.epsilon,
    )


def step_size_factor(step, n_steps):
    """The share of the network's step size that fine-tuning's ``step`` takes.

    Fine-tuning starts from a minimum it did not find itself: the optimizer's
    state (Adam's moment estimates, SGD's velocity) starts empty, so the
    first steps at the full step size throw the model off it (the benchmarks
    page measures this). The step size therefore warms up over the first
    :data:`WARMUP_FRACTION` of the ``n_steps`` steps, then decays linearly,
    so that the last epochs settle instead of jumping between neighbours.

    Parameters
    ----------
    step : int
        The step, from 0 to ``n_steps - 1``.
    n_steps : int
        Steps planned: epochs times batches per epoch.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._step_sizes import step_size_factor
    >>> [round(step_size_factor(step, 20), 2) for step in (0, 1, 2, 10, 19)]
    [0.5, 1.0, 0.95, 0.53, 0.05]
    """
    warmup = max(1, round(WARMUP_FRACTION * n_steps))
    if step < warmup:
        return (step + 1) / warmup
    return (n_steps - step) / max(1, n_steps - warmup + 1)


def adam_peak(n_steps):
    """Adam's peak step size while fine-tuning, in the network's step sizes.

    Fine-tuning has a few epochs where the network had its whole training:
    at the network's step size it stops far from where it is heading (the
    benchmarks page measures it). Adam moves each weight by about its step
    size whatever the gradient's scale, so a larger one is safe given steps
    to settle: one more multiple of the network's per
    :data:`STEPS_PER_MULTIPLE` steps planned, up to :data:`ADAM_PEAK_FACTOR`
    (measured: 10 times over 70 steps gained most; over 14 steps it lost
    17 to 19 points where 3 times did not). SGD, whose step grows with the
    gradient, keeps the network's.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._step_sizes import adam_peak
    >>> adam_peak(3), adam_peak(14), adam_peak(70), adam_peak(500)
    (1.0, 2.0, 10.0, 10.0)
    """
    return float(np.clip(n_steps / STEPS_PER_MULTIPLE, 1, ADAM_PEAK_FACTOR))


def take_step(optimizer, params, grads, factor):
    """``optimizer``'s update of ``params`` at ``factor`` times its step size."""
    # Adam recomputes its step size from learning_rate_init at every update;
    # SGD uses learning_rate (which its own schedule sets between epochs).
    adam = isinstance(optimizer, AdamOptimizer)
    name = "learning_rate_init" if adam else "learning_rate"
    own = getattr(optimizer, name)
    setattr(optimizer, name, own * factor)
    try:
        optimizer.update_params(params, grads)
    finally:
        setattr(optimizer, name, own)
