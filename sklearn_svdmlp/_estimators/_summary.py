"""A per-layer text summary of a compressed model, in the manner of a Keras summary."""

from sklearn.utils.validation import check_is_fitted

from .._network import head_adapter, mlp_layers

_COLUMNS = ("layer", "kind", "shape", "rank", "parameters", "bytes", "multiply-adds")
# The columns after the first four are counts, summed on the total line.
_FIRST_COUNT = 4


def layer_row(name, layer, truncated=False):
    """One summary row for a layer.

    ``truncated`` marks the dense layer a truncation cut to its width.
    """
    kind, shape, rank = layer.summary_cells()
    if truncated:
        kind, rank = "truncated", str(layer.shape[1])
    return (
        name,
        kind,
        shape,
        rank,
        layer.n_params,
        layer.n_bytes,
        layer.n_multiply_adds,
    )


def _number(value):
    return "?" if value is None else f"{value:,}"


def format_table(title, rows):
    """Text table of ``rows`` (as made by :func:`layer_row`) under ``title``.

    A total line sums the parameters, bytes and multiply-adds; a count that
    is unknown (``None``, for instance the multiply-adds of a non-linear
    head) shows as ``?`` and makes its total unknown too.

    Examples
    --------
    >>> from sklearn_svdmlp._estimators._summary import format_table
    >>> print(format_table("Net", [("0", "dense", "2 x 1", "-", 3, 24, 2)]))
    Net
    layer  kind   shape  rank  parameters  bytes  multiply-adds
    -----------------------------------------------------------
    0      dense  2 x 1  -              3     24              2
    -----------------------------------------------------------
    total                               3     24              2
    """
    counts = list(zip(*(row[_FIRST_COUNT:] for row in rows), strict=True))
    totals = [None if None in column else sum(column) for column in counts]
    lines = [
        _COLUMNS,
        *(
            tuple(row[:_FIRST_COUNT]) + tuple(map(_number, row[_FIRST_COUNT:]))
            for row in rows
        ),
        ("total", "", "", "", *map(_number, totals)),
    ]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(_COLUMNS))]

    def render(line):
        cells = [
            str(cell).ljust(width) if i < _FIRST_COUNT else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * len(render(_COLUMNS))
    header, *body, total = map(render, lines)
    return "\n".join([title, header, rule, *body, rule, total])


def integer_scales(network):
    """What one step of each integer tensor is worth, step by step, as text.

    One line per step of an integer-only network: its input's and output's
    scale and zero point (the output before the activation's table, where
    there is one), then the logits' scale.

    Parameters
    ----------
    network : IntegerNetwork

    Returns
    -------
    text : str
    """
    lines = [
        "Integer-only scales (real = scale * (q - zero point))",
        f"input: scale {network.input_scale:.6g}, zero point "
        f"{network.input_zero_point}",
    ]
    for i, layer in enumerate(network.layers):
        for k, step in enumerate(layer.steps):
            name = f"{i}" if len(layer.steps) == 1 else f"{i}.{k}"
            table = ""
            if step.table is not None:
                table = (
                    f", through a table from {step.table_scale:.6g} "
                    f"(zero point {step.zero_point})"
                )
            lines.append(
                f"{name}: in {step.input_scale:.6g} (zero point "
                f"{step.input_zero_point}), out {step.output_scale:.6g} "
                f"(zero point {step.output_zero_point}){table}"
            )
    scales = ", ".join(f"{scale:.6g}" for scale in network.output_scales[:4])
    more = ", ..." if len(network.output_scales) > 4 else ""
    lines.append(f"logits (int16): {scales}{more}")
    return "\n".join(lines)


def model_summary(
    original,
    network,
    head,
    *,
    network_name,
    n_outputs,
    method,
    bias,
    quantize=None,
    integer_only=False,
):
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
    quantize : str or None, default=None
    integer_only : bool, default=False
        The estimator's parameters, for the title; with ``integer_only``,
        the scales of every step follow (:func:`integer_scales`).

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
        adapter = head_adapter(head)
        compressed.append(
            (
                "head",
                adapter.name,
                f"{network.layers[-1].shape[1]} -> {n_outputs}",
                "-",
                adapter.n_params,
                adapter.n_bytes,
                adapter.n_multiply_adds,
            )
        )
    ratios = [
        sum(row[column] for row in rows) / sum(row[column] for row in compressed)
        for column in (_FIRST_COUNT, _FIRST_COUNT + 1)  # parameters, bytes
    ]
    title = f"Compressed network (method={method!r}, bias={bias!r}"
    title += "" if quantize is None else f", quantize={quantize!r}"
    title += ", integer_only=True)" if integer_only else ")"
    parts = [
        format_table(f"Original network ({network_name})", rows),
        format_table(title, compressed),
        f"compression ratio: {ratios[0]:.2f}\nin bytes: {ratios[1]:.2f}",
    ]
    if integer_only:
        parts.append(integer_scales(network))
    return "\n\n".join(parts)


class SummaryMixin:
    """Gives the compressed estimators their :meth:`summary`."""

    def summary(self):
        """Per-layer table of the original and the compressed network.

        Each layer's shape, rank, parameters (weights plus biases), bytes
        (of every array stored, scales included) and multiply-adds per
        sample, with totals and both compression ratios, like a Keras model
        summary.

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
        ...     quantize="int8",
        ... ).fit(X, y)
        >>> print(model.summary())
        Original network (MLPClassifier)
        layer  kind   shape   rank  parameters  bytes  multiply-adds
        ------------------------------------------------------------
        0      dense  4 x 20  -            100    800             80
        1      dense  20 x 3  -             63    504             60
        ------------------------------------------------------------
        total                              163  1,304            140
        <BLANKLINE>
        Compressed network (method='svd', bias='separate', quantize='int8')
        layer  kind           shape       rank  parameters  bytes  multiply-adds
        ------------------------------------------------------------------------
        0      factored int8  4 x 2 x 20  2             68    216             48
        1      dense int8     20 x 3      -             63     84             60
        ------------------------------------------------------------------------
        total                                          131    300            108
        <BLANKLINE>
        compression ratio: 1.24
        in bytes: 4.35
        """
        check_is_fitted(self)
        return model_summary(
            mlp_layers(self.estimator_),
            self.network_,
            self.head_,
            network_name=type(self.estimator_).__name__,
            n_outputs=self.output_spec_.n_targets,
            method=self.method,
            bias=self.bias,
            quantize=self.quantize,
            integer_only=self.integer_only,
        )
