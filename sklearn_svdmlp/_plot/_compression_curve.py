"""Score against compression ratio: a Display."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV

from .._compat import _validate_style_kwargs
from ._common import axes, ratio_axis, require_matplotlib, size_axis
from ._cv_results import curves_from_cv_results


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
    array([1.  , 1.24, 1.52])
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
        ax = axes(ax, f"{type(self).__name__}.plot")
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
        ratio_axis(ax.xaxis)
        ax.set_xlabel(f"compression ratio ({size_axis(self.size)[2]})")
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
        ratio_key=None,
        ax=None,
        **kwargs,
    ):
        """Draw the candidates of a grid search that recorded compression ratios.

        The search must score each candidate with :func:`compression_ratio_scorer`
        (or :func:`byte_compression_ratio_scorer`) next to the score to draw,
        under the name ``"compression_ratio"`` (``"byte_compression_ratio"``)
        or one that ``ratio_key`` gives::

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
        ratio_key : str or None, default=None
            The key of the search's ``scoring`` under which it recorded the
            compression ratio, e.g. ``"ratio"`` for
            ``scoring={"ratio": compression_ratio_scorer, ...}``; ``None``
            reads ``"compression_ratio"`` (``"byte_compression_ratio"`` with
            ``size="bytes"``). ``size`` still labels the axis.
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
        ratios, scores, labels, metric = curves_from_cv_results(
            cv_results, metric, group_by, size, ratio_key
        )
        display = cls(
            compression_ratios=ratios,
            scores=scores,
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
        require_matplotlib(f"{cls.__name__}.from_estimator")
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
                "compression_ratio": size_axis(size)[1],
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
