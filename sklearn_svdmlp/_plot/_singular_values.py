"""The singular values of each layer, with the rank kept: a Display."""

import numbers

import numpy as np

from .._compat import _validate_style_kwargs
from .._estimators import compressed_step
from ._common import axes


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

        ax = axes(ax, f"{type(self).__name__}.plot")
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
        # The network's layer shapes, as its summary keeps them.
        summary = model.summary()
        _, original = summary.tables[0]
        shape = summary.columns.index("shape")
        names = [f"layer {index} ({row[shape]})" for index, row in enumerate(original)]
        display = cls(
            singular_values=model.singular_values_,
            ranks=model.ranks_,
            layer_names=names,
        )
        return display.plot(ax=ax, layers=layers, **kwargs)
