"""Warnings that point at the user's code, wherever in the package they arise.

A fixed ``stacklevel`` is right for one call path only: the same warning
raised under ``fit`` directly and under one of its searches sits at other
depths. :func:`warn` counts the frames instead.
"""

import inspect
import warnings

_PACKAGE = __name__.split(".")[0]


def _outside(frame):
    """Whether ``frame`` is the caller's: not this package, not scikit-learn's
    ``fit`` wrapper (``_fit_context``) between the caller and ``fit``."""
    module = frame.f_globals.get("__name__", "")
    if module == _PACKAGE or module.startswith(_PACKAGE + "."):
        return False
    return not (module == "sklearn.base" and frame.f_code.co_name == "wrapper")


def warn(message, category=UserWarning):
    """Warn with ``message``, attributed to the first caller outside the package.

    Under ``fit``, that is the line that called ``fit`` (or scikit-learn's
    code that did, in a search).
    """
    # stacklevel 2 is warn's caller.
    frame, level = inspect.currentframe().f_back, 2
    while frame is not None and not _outside(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
