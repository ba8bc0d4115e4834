"""A per-layer text summary of a compressed model, in the manner of a Keras summary."""

from sklearn.utils.validation import check_is_fitted

from ._head import head_multiply_adds, stored_floats
from ._layers import mlp_layers

_COLUMNS = ("layer", "kind", "shape", "rank", "parameters", "multiply-adds")


def layer_row(name, layer, truncated=False):
    """One summary row for a layer (:class:`DenseLayer` or :class:`FactoredLayer`).

    ``truncated`` marks the dense layer a truncation cut to its width.
    """
    kind, shape, rank = layer.summary_cells()
    if truncated:
        kind, rank = "truncated", str(layer.shape[1])
    return (name, kind, shape, rank, layer.n_params, layer.n_multiply_adds)


def _number(value):
    return "?" if value is None else f"{value:,}"


def format_table(title, rows):
    """Text table of ``rows`` (as made by :func:`layer_row`) under ``title``.

    A total line sums the parameters and multiply-adds; a multiply-add count
    that is unknown (``None``, for instance a non-linear head) shows as ``?``
    and makes the total unknown too.

    Examples
    --------
    >>> from sklearn_svdmlp._summary import format_table
    >>> print(format_table("Net", [("0", "dense", "2 x 1", "-", 3, 2)]))
    Net
    layer  kind   shape  rank  parameters  multiply-adds
    ----------------------------------------------------
    0      dense  2 x 1  -              3              2
    ----------------------------------------------------
    total                               3              2
    """
    madds = [row[5] for row in rows]
    total_madds = None if None in madds else sum(madds)
    body = [
        tuple(str(cell) for cell in row[:4]) + (_number(row[4]), _number(row[5]))
        for row in rows
    ]
    total = (
        "total",
        "",
        "",
        "",
        _number(sum(row[4] for row in rows)),
        _number(total_madds),
    )
    widths = [
        max(len(line[i]) for line in [_COLUMNS, *body, total])
        for i in range(len(_COLUMNS))
    ]

    def render(line):
        cells = [
            cell.ljust(width) if i < 4 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * len(render(_COLUMNS))
    return "\n".join(
        [title, render(_COLUMNS), rule, *map(render, body), rule, render(total)]
    )


def model_summary(original, network, head, *, network_name, n_outputs, method, bias):
    """The summary of the original network and the compressed model, as text.

    Parameters
    ----------
    original : list of DenseLayer
        The network's layers.
    network : CompressedNetwork
        The stored layers.
    head : estimator or None
        The head above a truncated layer.
    network_name : str
        The network's class name.
    n_outputs : int
        Width of the head's output, for its row.
    method, bias : str
        The estimator's parameters, for the title.

    Returns
    -------
    text : str
    """
    rows = [layer_row(str(i), layer) for i, layer in enumerate(original)]
    # With a head, the last stored layer is the truncated one.
    last = len(network.layers) - 1
    compressed = [
        layer_row(str(i), layer, truncated=head is not None and i == last)
        for i, layer in enumerate(network.layers)
    ]
    if head is not None:
        compressed.append(
            (
                "head",
                type(head).__name__,
                f"{network.layers[-1].shape[1]} -> {n_outputs}",
                "-",
                stored_floats(head),
                head_multiply_adds(head),
            )
        )
    n_params_original = sum(row[4] for row in rows)
    n_params = sum(row[4] for row in compressed)
    return "\n\n".join(
        [
            format_table(f"Original network ({network_name})", rows),
            format_table(
                f"Compressed network (method={method!r}, bias={bias!r})", compressed
            ),
            f"compression ratio: {n_params_original / n_params:.2f}",
        ]
    )


class SummaryMixin:
    """Gives the compressed estimators their :meth:`summary`."""

    def summary(self):
        """Per-layer table of the original and the compressed network.

        Each layer's shape, rank, parameters (weights plus biases) and
        multiply-adds per sample, with totals, like a Keras model summary.

        Returns
        -------
        text : str

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.neural_network import MLPClassifier
        >>> from sklearn_svdmlp import SVDCompressedMLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> model = SVDCompressedMLPClassifier(
        ...     MLPClassifier((20,), solver="lbfgs", max_iter=500, random_state=0),
        ...     rank=[2, None],
        ... ).fit(X, y)
        >>> print(model.summary())
        Original network (MLPClassifier)
        layer  kind   shape   rank  parameters  multiply-adds
        -----------------------------------------------------
        0      dense  4 x 20  -            100             80
        1      dense  20 x 3  -             63             60
        -----------------------------------------------------
        total                              163            140
        <BLANKLINE>
        Compressed network (method='svd', bias='separate')
        layer  kind      shape       rank  parameters  multiply-adds
        ------------------------------------------------------------
        0      factored  4 x 2 x 20  2             68             48
        1      dense     20 x 3      -             63             60
        ------------------------------------------------------------
        total                                     131            108
        <BLANKLINE>
        compression ratio: 1.24
        """
        check_is_fitted(self)
        return model_summary(
            mlp_layers(self.estimator_),
            self.network_,
            self.head_,
            network_name=type(self.estimator_).__name__,
            n_outputs=self._n_outputs(),
            method=self.method,
            bias=self.bias,
        )
