"""What the displays share: matplotlib on demand, the size axis, comparisons.

matplotlib is imported only when something is drawn (the ``plot`` extra).
"""

import numpy as np

from .._estimators import byte_compression_ratio_scorer, compression_ratio_scorer

# What the size axis measures: the search's scorer key, the scorer, the label.
SIZES = {
    "parameters": (
        "compression_ratio",
        compression_ratio_scorer,
        "network parameters / model parameters",
    ),
    "bytes": (
        "byte_compression_ratio",
        byte_compression_ratio_scorer,
        "network bytes / model bytes",
    ),
}


def size_axis(size):
    """``(scorer key, scorer, axis label)`` of ``size`` (parameters or bytes)."""
    if size not in SIZES:
        raise ValueError(f"size must be 'parameters' or 'bytes'; got {size!r}.")
    return SIZES[size]


def require_matplotlib(caller):
    """Import matplotlib, or say clearly that ``caller`` needs it (before any work)."""
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"{caller} needs matplotlib: pip install 'sklearn-svdmlp[plot]'."
        ) from error


def axes(ax, caller):
    """``ax``, or the axes of a new figure; a clear error without matplotlib."""
    require_matplotlib(caller)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def ratio_axis(axis):
    """Logarithmic, ticks at 1, 1.5, 2, 3, 4, 6, 8, ... as plain numbers."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.axes.set_xscale("log", base=2)
    axis.set_major_locator(LogLocator(base=2, subs=(1.0, 1.5)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def same_value(first, second):
    """Parameter values equal, whatever their type (lists, None, floats)."""
    if type(first) is not type(second):
        return False
    try:
        return bool(np.all(np.asarray(first == second)))
    except (TypeError, ValueError):  # values numpy cannot compare
        return first is second
