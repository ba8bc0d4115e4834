"""Plots in scikit-learn's Display API: spectra and score against size.

matplotlib is imported only when something is drawn (the ``plot`` extra).
"""

import numbers

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV

from ._compat import _validate_style_kwargs
from ._scoring import (
    byte_compression_ratio_scorer,
    compressed_step,
    compression_ratio_scorer,
)

# What the size axis measures: the search's scorer key, the scorer, the label.
_SIZES = {
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


def _size(size):
    if size not in _SIZES:
        raise ValueError(f"size must be 'parameters' or 'bytes'; got {size!r}.")
    return _SIZES[size]


def _require_matplotlib(caller):
    """Import matplotlib, or say clearly that ``caller`` needs it (before any work)."""
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"{caller} needs matplotlib: pip install 'sklearn-svdmlp[plot]'."
        ) from error


def _axes(ax, caller):
    """``ax``, or the axes of a new figure; a clear error without matplotlib."""
    _require_matplotlib(caller)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _ratio_axis(axis):
    """Logarithmic, ticks at 1, 1.5, 2, 3, 4, 6, 8, ... as plain numbers."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.axes.set_xscale("log", base=2)
    axis.set_major_locator(LogLocator(base=2, subs=(1.0, 1.5)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _same(first, second):
    """Parameter values equal, whatever their type (lists, None, floats)."""
    if type(first) is not type(second):
        return False
    try:
        return bool(np.all(np.asarray(first == second)))
    except (TypeError, ValueError):  # values numpy cannot compare
        return first is second


class SingularValuesDisplay:
    """Singular values of each layer, with the rank the compression kept.

    Build it with :meth:`from_estimator`; the constructor takes values you
    already have. One line per weight matrix, singular values in decreasing
    order against their index (from 1); a dotted vertical line of the same
    colour falls just after the last value kept. What is decomposed follows the
    model's ``svd_on`` and ``bias``: the weights (``[W; b]`` with
    ``bias="augment"``) or the pre-activations on the training data.

    Parameters
    ----------
    singular_values : list of ndarray
        One spectrum per weight matrix, input layer first, largest first.
    ranks : list of (int or None)
        The rank kept in each layer; ``None`` where the layer is kept whole.
    layer_names : list of str or None, default=None
        Legend entries; ``None`` gives "layer 0", "layer 1", ...

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The spectra drawn, one per layer shown.
    rank_lines_ : list of (matplotlib Line2D or None)
        The kept-rank markers, ``None`` for a layer kept whole.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    CompressionCurveDisplay : Score against compression ratio.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_svdmlp import SingularValuesDisplay, SVDCompressedMLPClassifier
    >>> X, y = load_wine(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(),
    ...     SVDCompressedMLPClassifier(
    ...         MLPClassifier((10,), solver="lbfgs", random_state=0),
    ...         rank=[2, None],
    ...         random_state=0,
    ...     ),
    ... ).fit(X, y)
    >>> display = SingularValuesDisplay.from_estimator(model)
    >>> [len(line.get_xdata()) for line in display.lines_]
    [10, 3]
    >>> plt.close("all")
    """

    def __init__(self, *, singular_values, ranks, layer_names=None):
        self.singular_values = singular_values
        self.ranks = ranks
        self.layer_names = layer_names

    def plot(self, ax=None, *, layers=None, **kwargs):
        """Draw the spectra.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; ``None`` makes a new figure.
        layers : list of int or None, default=None
            Which layers to draw (indices into ``singular_values``); ``None``
            draws them all.
        **kwargs : dict
            Passed to ``matplotlib.axes.Axes.plot`` for every spectrum.

        Returns
        -------
        display : SingularValuesDisplay
            The display, with ``lines_``, ``rank_lines_``, ``ax_`` and
            ``figure_`` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn_svdmlp import SingularValuesDisplay
        >>> display = SingularValuesDisplay(
        ...     singular_values=[[3.0, 1.0, 0.5], [2.0, 0.1]], ranks=[2, None]
        ... ).plot(layers=[0])
        >>> float(display.rank_lines_[0].get_xdata()[0])
        2.5
        >>> plt.close("all")
        """
        n_layers = len(self.singular_values)
        if len(self.ranks) != n_layers:
            raise ValueError(
                f"ranks must have one entry per spectrum ({n_layers}); "
                f"got {len(self.ranks)}."
            )
        names = self.layer_names
        if names is None:
            names = [f"layer {index}" for index in range(n_layers)]
        elif len(names) != n_layers:
            raise ValueError(
                f"layer_names must have one entry per spectrum ({n_layers}); "
                f"got {len(names)}."
            )
        if layers is None:
            layers = range(n_layers)
        elif isinstance(layers, numbers.Integral | str) or not all(
            isinstance(index, numbers.Integral) for index in layers
        ):
            raise TypeError(
                "layers must be a list of layer indices (ints) or None; "
                f"got {layers!r}."
            )
        invalid = [index for index in layers if not 0 <= index < n_layers]
        if invalid or not len(layers):
            raise ValueError(
                f"layers must be indices from 0 to {n_layers - 1}, at least one; "
                f"got {list(layers)}."
            )

        ax = _axes(ax, f"{type(self).__name__}.plot")
        self.lines_, self.rank_lines_ = [], []
        for index in layers:
            values = np.asarray(self.singular_values[index])
            style = _validate_style_kwargs(
                {"marker": "o", "markersize": 3, "label": names[index]}, kwargs
            )
            (line,) = ax.plot(np.arange(1, len(values) + 1), values, **style)
            self.lines_.append(line)
            rank = self.ranks[index]
            self.rank_lines_.append(
                None
                if rank is None
                else ax.axvline(rank + 0.5, color=line.get_color(), linestyle=":")
            )
        ax.set_xlabel("index of the singular value")
        ax.set_ylabel("singular value")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, layers=None, ax=None, **kwargs):
        """Draw the spectra of a fitted compressed model.

        Parameters
        ----------
        estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or Pipeline
            A fitted compressed model, or a fitted ``Pipeline`` ending in one.
            Its ``singular_values_`` and ``ranks_`` are drawn.
        layers : list of int or None, default=None
            Which layers to draw; ``None`` draws them all.
        ax : matplotlib Axes or None, default=None
            Where to draw; ``None`` makes a new figure.
        **kwargs : dict
            Passed to ``matplotlib.axes.Axes.plot`` for every spectrum.

        Returns
        -------
        display : SingularValuesDisplay
            The display, with ``lines_``, ``rank_lines_``, ``ax_`` and
            ``figure_`` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.neural_network import MLPClassifier
        >>> from sklearn_svdmlp import SingularValuesDisplay, SVDCompressedMLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> model = SVDCompressedMLPClassifier(
        ...     MLPClassifier((20,), solver="lbfgs", max_iter=500, random_state=0),
        ...     rank=1,
        ... ).fit(X, y)
        >>> display = SingularValuesDisplay.from_estimator(model, layers=[1])
        >>> display.lines_[0].get_label()
        'layer 1 (20 x 3)'
        >>> plt.close("all")
        """
        model = compressed_step(estimator)
        shapes = [coef.shape for coef in model.estimator_.coefs_]
        names = [
            f"layer {index} ({n_in} x {n_out})"
            for index, (n_in, n_out) in enumerate(shapes)
        ]
        display = cls(
            singular_values=model.singular_values_,
            ranks=model.ranks_,
            layer_names=names,
        )
        return display.plot(ax=ax, layers=layers, **kwargs)


class CompressionCurveDisplay:
    """Score against compression ratio: what each size of model costs.

    Build it with :meth:`from_estimator` (a sweep over one parameter, scored
    by cross-validation) or :meth:`from_cv_results` (a grid search you
    already ran); the constructor takes values you already have. Each curve
    is drawn with the compression ratio (the network's parameters over the
    model's, or its bytes with ``size="bytes"``) on a logarithmic horizontal
    axis (ticks at 1, 1.5, 2, 3, 4, 6, ...), points joined in order of ratio.
    Draw several curves on one ``ax`` to compare settings.

    Parameters
    ----------
    compression_ratios : list of array-like
        One array per curve.
    scores : list of array-like
        One array per curve, the same lengths as ``compression_ratios``.
    labels : list of str or None, default=None
        Legend entries, one per curve; ``None`` draws no legend.
    score_name : str, default="score"
        The vertical axis' label.
    size : {"parameters", "bytes"}, default="parameters"
        What the compression ratios count, for the horizontal axis' label.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        The curves drawn.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    SingularValuesDisplay : The spectra that the ranks are cut from.
    compression_ratio_scorer : Records the compression ratio in a grid search.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp import CompressionCurveDisplay, SVDCompressedMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(
    ...     MLPClassifier((20,), max_iter=2000, random_state=0), random_state=0
    ... )
    >>> display = CompressionCurveDisplay.from_estimator(
    ...     model, X, y, param_name="rank", param_range=[None, 2, 1], cv=3
    ... )
    >>> display.compression_ratios[0].round(2)
    array([1.  , 1.39, 2.33])
    >>> plt.close("all")
    """

    def __init__(
        self,
        *,
        compression_ratios,
        scores,
        labels=None,
        score_name="score",
        size="parameters",
    ):
        self.compression_ratios = compression_ratios
        self.scores = scores
        self.labels = labels
        self.score_name = score_name
        self.size = size

    def plot(self, ax=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; ``None`` makes a new figure.
        **kwargs : dict
            Passed to ``matplotlib.axes.Axes.plot`` for every curve.

        Returns
        -------
        display : CompressionCurveDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn_svdmlp import CompressionCurveDisplay
        >>> display = CompressionCurveDisplay(
        ...     compression_ratios=[[4.0, 1.0, 2.0]],
        ...     scores=[[0.90, 0.97, 0.96]],
        ...     score_name="test accuracy",
        ... ).plot(color="black")
        >>> display.lines_[0].get_xdata().tolist()
        [1.0, 2.0, 4.0]
        >>> plt.close("all")
        """
        if len(self.scores) != len(self.compression_ratios):
            raise ValueError(
                "scores must have one array per curve of compression_ratios "
                f"({len(self.compression_ratios)}); got {len(self.scores)}."
            )
        if self.labels is not None and len(self.labels) != len(self.scores):
            raise ValueError(
                f"labels must have one entry per curve ({len(self.scores)}); "
                f"got {len(self.labels)}."
            )
        ax = _axes(ax, f"{type(self).__name__}.plot")
        self.lines_ = []
        for index, (ratios, scores) in enumerate(
            zip(self.compression_ratios, self.scores, strict=True)
        ):
            ratios, scores = np.asarray(ratios, float), np.asarray(scores, float)
            if ratios.ndim != 1 or scores.ndim != 1:
                raise ValueError(
                    "compression_ratios and scores must be lists of 1-d arrays, one "
                    f"per curve; curve {index} has shapes {ratios.shape} and "
                    f"{scores.shape}."
                )
            if ratios.shape != scores.shape:
                raise ValueError(
                    f"curve {index} has {ratios.size} compression ratios and "
                    f"{scores.size} scores; they must match."
                )
            order = np.argsort(ratios, kind="stable")
            default = {"marker": "o"}
            if self.labels is not None:
                default["label"] = self.labels[index]
            style = _validate_style_kwargs(default, kwargs)
            (line,) = ax.plot(ratios[order], scores[order], **style)
            self.lines_.append(line)
        _ratio_axis(ax.xaxis)
        ax.set_xlabel(f"compression ratio ({_size(self.size)[2]})")
        ax.set_ylabel(self.score_name)
        if self.labels is not None:
            ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_cv_results(
        cls,
        cv_results,
        *,
        metric=None,
        group_by=None,
        score_name=None,
        size="parameters",
        ax=None,
        **kwargs,
    ):
        """Draw the candidates of a grid search that recorded compression ratios.

        The search must score each candidate with :func:`compression_ratio_scorer`
        under the name ``"compression_ratio"``, next to the score to draw::

            scoring={
                "accuracy": "accuracy",
                "compression_ratio": compression_ratio_scorer,
            }

        The mean over the folds of both is drawn.

        Parameters
        ----------
        cv_results : dict
            ``cv_results_`` of a fitted ``GridSearchCV`` or ``RandomizedSearchCV``.
        metric : str or None, default=None
            The name of the score to draw, a key of the search's ``scoring``;
            ``None`` takes the only one besides ``"compression_ratio"``.
        group_by : str or None, default=None
            A parameter of the search (as in ``params``, e.g.
            ``"svdcompressedmlpclassifier__method"``); one curve is drawn per
            value of it. ``None`` draws all candidates as one curve.
        score_name : str or None, default=None
            The vertical axis' label; ``None`` uses ``metric``.
        size : {"parameters", "bytes"}, default="parameters"
            The size axis: the search's ``"compression_ratio"`` scores, or
            with ``"bytes"`` its ``"byte_compression_ratio"`` ones
            (:func:`byte_compression_ratio_scorer`).
        ax : matplotlib Axes or None, default=None
            Where to draw; ``None`` makes a new figure.
        **kwargs : dict
            Passed to ``matplotlib.axes.Axes.plot`` for every curve.

        Returns
        -------
        display : CompressionCurveDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.model_selection import GridSearchCV
        >>> from sklearn.neural_network import MLPClassifier
        >>> from sklearn_svdmlp import (
        ...     CompressionCurveDisplay,
        ...     SVDCompressedMLPClassifier,
        ...     compression_ratio_scorer,
        ... )
        >>> X, y = load_iris(return_X_y=True)
        >>> network = MLPClassifier((20,), solver="lbfgs", max_iter=500, random_state=0)
        >>> search = GridSearchCV(
        ...     SVDCompressedMLPClassifier(network, random_state=0),
        ...     {"rank": [None, 2, 1], "method": ["svd", "truncated"]},
        ...     scoring={
        ...         "accuracy": "accuracy",
        ...         "compression_ratio": compression_ratio_scorer,
        ...     },
        ...     refit=False,
        ...     cv=3,
        ... ).fit(X, y)
        >>> display = CompressionCurveDisplay.from_cv_results(
        ...     search.cv_results_, group_by="method"
        ... )
        >>> display.labels
        ["method='svd'", "method='truncated'"]
        >>> plt.close("all")
        """
        key, scorer, _ = _size(size)
        if f"mean_test_{key}" not in cv_results:
            raise ValueError(
                "cv_results has no compression ratio: give the search "
                f"scoring={{..., {key!r}: {scorer.__name__}}}."
            )
        sizes = {f"mean_test_{key}" for key, _, _ in _SIZES.values()}
        metrics = [
            name.removeprefix("mean_test_")
            for name in cv_results
            if name.startswith("mean_test_") and name not in sizes
        ]
        if not metrics:
            raise ValueError(
                "cv_results has no score to draw besides the compression ratio: "
                "give the search a second scorer, e.g. scoring={'accuracy': "
                "'accuracy', 'compression_ratio': compression_ratio_scorer}."
            )
        if metric is None:
            if len(metrics) != 1:
                raise ValueError(
                    f"metric must name one of the search's scores {metrics}; got None."
                )
            metric = metrics[0]
        elif metric not in metrics:
            raise ValueError(
                f"metric must be one of the search's scores {metrics}; got {metric!r}."
            )
        ratios = np.asarray(cv_results[f"mean_test_{key}"], float)
        scores = np.asarray(cv_results[f"mean_test_{metric}"], float)
        params = cv_results["params"]
        if group_by is None:
            groups, labels = [np.arange(len(params))], None
        else:
            if not isinstance(group_by, str):
                raise TypeError(
                    "group_by must be a parameter name (str) or None; "
                    f"got {group_by!r}."
                )
            missing = sum(group_by not in candidate for candidate in params)
            if missing:
                names = sorted({name for candidate in params for name in candidate})
                raise ValueError(
                    "group_by must be a parameter of every candidate of the search "
                    f"(parameters: {names}); {group_by!r} is missing from {missing} "
                    f"of {len(params)} candidates."
                )
            # Values may be unhashable (per-layer rank lists): group by equality.
            values, group_of = [], []
            for candidate in params:
                value = candidate[group_by]
                group = next(
                    (i for i, seen in enumerate(values) if _same(value, seen)), None
                )
                if group is None:
                    group = len(values)
                    values.append(value)
                group_of.append(group)
            groups = [np.flatnonzero(np.equal(group_of, i)) for i in range(len(values))]
            short_name = group_by.rsplit("__", 1)[-1]
            labels = [f"{short_name}={value!r}" for value in values]
        display = cls(
            compression_ratios=[ratios[group] for group in groups],
            scores=[scores[group] for group in groups],
            labels=labels,
            score_name=metric if score_name is None else score_name,
            size=size,
        )
        return display.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        param_name="rank",
        param_range,
        cv=None,
        scoring=None,
        n_jobs=None,
        params=None,
        label=None,
        score_name=None,
        size="parameters",
        ax=None,
        **kwargs,
    ):
        """Sweep one parameter and draw the score against compression ratio.

        Each value of ``param_name`` is fitted and scored by cross-validation
        (through ``GridSearchCV``); the curve joins the mean score and the
        mean compression ratio of each value. Put ``None`` in a ``rank`` sweep
        to draw the uncompressed network at ratio 1. To score on one held-out
        part instead, pass ``cv=sklearn.model_selection.PredefinedSplit(...)``.

        Parameters
        ----------
        estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or Pipeline
            An unfitted compressed model, or a ``Pipeline`` ending in one; it
            is cloned for each fit.
        X : array-like of shape (n_samples, n_features)
            The data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        param_name : str, default="rank"
            The parameter swept, as ``set_params`` takes it (e.g.
            ``"target_ratio"``, or ``"svdcompressedmlpclassifier__rank"`` in a
            pipeline).
        param_range : list
            Its values.
        cv : int, cross-validation generator, iterable or None, default=None
            As in ``GridSearchCV``; ``None`` is 5-fold.
        scoring : str, callable or None, default=None
            As in ``GridSearchCV``; ``None`` is the estimator's ``score``.
        n_jobs : int or None, default=None
            Fits run in parallel, as in ``GridSearchCV``.
        params : dict or None, default=None
            Passed to the search's ``fit``: ``sample_weight``, or ``groups``
            for a group-aware ``cv`` such as ``GroupKFold``.
        label : str or None, default=None
            The curve's legend entry; ``None`` draws no legend.
        score_name : str or None, default=None
            The vertical axis' label; ``None`` names ``scoring`` (accuracy or
            R^2 when ``scoring`` is ``None``).
        size : {"parameters", "bytes"}, default="parameters"
            The size axis: the compression ratio in parameters, or in bytes
            (what ``quantize`` shrinks too).
        ax : matplotlib Axes or None, default=None
            Where to draw; ``None`` makes a new figure.
        **kwargs : dict
            Passed to ``matplotlib.axes.Axes.plot``.

        Returns
        -------
        display : CompressionCurveDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.neural_network import MLPClassifier
        >>> from sklearn_svdmlp import (
        ...     CompressionCurveDisplay,
        ...     SVDCompressedMLPClassifier,
        ... )
        >>> X, y = load_iris(return_X_y=True)
        >>> model = SVDCompressedMLPClassifier(
        ...     MLPClassifier((20,), solver="lbfgs", max_iter=500, random_state=0),
        ...     rank="auto",
        ... )
        >>> display = CompressionCurveDisplay.from_estimator(
        ...     model, X, y, param_name="target_ratio", param_range=[1.5, 2], cv=3
        ... )
        >>> bool((display.compression_ratios[0] >= [1.5, 2]).all())
        True
        >>> plt.close("all")
        """
        _require_matplotlib(f"{cls.__name__}.from_estimator")
        if not (scoring is None or isinstance(scoring, str) or callable(scoring)):
            raise TypeError(
                "scoring must be a str, a callable or None (one score: the curve's); "
                f"got {type(scoring).__name__}."
            )
        search = GridSearchCV(
            estimator,
            {param_name: list(param_range)},
            scoring={
                "score": check_scoring(estimator, scoring),
                "compression_ratio": _size(size)[1],
            },
            refit=False,
            cv=cv,
            n_jobs=n_jobs,
            error_score="raise",
        ).fit(X, y, **(params or {}))
        if score_name is None:
            if isinstance(scoring, str):
                score_name = scoring
            elif scoring is None:
                score_name = "accuracy" if is_classifier(estimator) else "R^2"
            else:
                score_name = "score"
        display = cls(
            compression_ratios=[search.cv_results_["mean_test_compression_ratio"]],
            scores=[search.cv_results_["mean_test_score"]],
            labels=None if label is None else [label],
            score_name=score_name,
            size=size,
        )
        return display.plot(ax=ax, **kwargs)
