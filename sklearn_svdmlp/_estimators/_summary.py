"""A per-layer text summary of a compressed model, in the manner of a Keras summary."""

import html

from sklearn.utils.validation import check_is_fitted

from .._network import head_adapter

_COLUMNS = ("layer", "kind", "shape", "rank", "parameters", "bytes", "multiply-adds")
# The columns after the first four are counts, summed on the total line.
_FIRST_COUNT = 4
_RIGHT = ' style="text-align: right"'


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


def _cells(rows):
    """The header, the rows and the total line of a table, as lists of text cells.

    A total line sums the parameters, bytes and multiply-adds; a count that
    is unknown (``None``, for instance the multiply-adds of a non-linear
    head) shows as ``?`` and makes its total unknown too.
    """
    counts = list(zip(*(row[_FIRST_COUNT:] for row in rows), strict=True))
    totals = [None if None in column else sum(column) for column in counts]
    return [
        _COLUMNS,
        *(
            tuple(row[:_FIRST_COUNT]) + tuple(map(_number, row[_FIRST_COUNT:]))
            for row in rows
        ),
        ("total", "", "", "", *map(_number, totals)),
    ]


def format_table(title, rows):
    """Text table of ``rows`` (as made by :func:`layer_row`) under ``title``.

    With a total line (see :func:`_cells`).

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
    lines = _cells(rows)
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


def _html_table(title, rows):
    """HTML table of ``rows`` under the caption ``title``, counts right-aligned."""

    def row(cells, tag):
        return (
            "<tr>"
            + "".join(
                f"<{tag}{_RIGHT if i >= _FIRST_COUNT else ''}>"
                f"{html.escape(str(cell))}</{tag}>"
                for i, cell in enumerate(cells)
            )
            + "</tr>"
        )

    header, *body, total = _cells(rows)
    return "\n".join(
        [
            f"<table><caption>{html.escape(title)}</caption>",
            f"<thead>{row(header, 'th')}</thead>",
            "<tbody>",
            *(row(cells, "td") for cells in body),
            "</tbody>",
            f"<tfoot>{row(total, 'th')}</tfoot></table>",
        ]
    )


class ModelSummary(str):
    """What :meth:`~SVDCompressedMLPClassifier.summary` returns: tables of layers.

    The text tables, as a string (printed, searched, split as any other);
    as a notebook's last expression, HTML tables. Made by the estimators.

    Parameters
    ----------
    tables : list of (str, list of tuple)
        Each table's title and rows: the original network's, then the
        compressed model's. A row is ``(layer, kind, shape, rank,
        parameters, bytes, multiply-adds)``, a count ``None`` where unknown.
    notes : list of str
        Text under the tables: the compression ratios, an integer-only
        network's scales.

    Attributes
    ----------
    tables, notes : list
        As given.
    columns : tuple of str
        The names of a row's entries.

    Examples
    --------
    >>> from sklearn_svdmlp import ModelSummary
    >>> row = ("0", "dense", "2 x 1", "-", 3, 24, 2)
    >>> summary = ModelSummary([("Net", [row])], ["ratio: 1.00"])
    >>> summary.tables[0][1][0][summary.columns.index("parameters")]
    3
    >>> summary.splitlines()[-1]
    'ratio: 1.00'
    >>> repr(summary) == str(summary)  # shown as text, not a quoted string
    True
    >>> summary._repr_html_().count("<table>")
    1
    """

    columns = _COLUMNS

    def __new__(cls, tables, notes):
        text = [format_table(title, rows) for title, rows in tables]
        summary = super().__new__(cls, "\n\n".join(text + list(notes)))
        summary.tables, summary.notes = tables, notes
        return summary

    def __reduce__(self):
        return type(self), (self.tables, self.notes)

    # A notebook's (and the console's) plain display shows the text, not a
    # quoted string with its line breaks escaped.
    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        tables = [_html_table(title, rows) for title, rows in self.tables]
        notes = [f"<pre>{html.escape(note)}</pre>" for note in self.notes]
        return "\n".join(["<div>", *tables, *notes, "</div>"])


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


def original_table(layers, network_type):
    """The original network's title and rows: what its summary keeps of it.

    Parameters
    ----------
    layers : list of DenseLayer
        The network's layers.
    network_type : type
        The network's class.

    Returns
    -------
    table : (str, list of tuple)
    """
    rows = [
        tuple(cell if i < _FIRST_COUNT else int(cell) for i, cell in enumerate(row))
        for row in (layer_row(str(i), layer) for i, layer in enumerate(layers))
    ]
    return f"Original network ({network_type.__name__})", rows


def model_summary(
    original,
    network,
    head,
    *,
    n_outputs,
    method,
    bias,
    quantize=None,
    integer_only=False,
    inputs=None,
):
    """The summary of the original network and the compressed model.

    Parameters
    ----------
    original : (str, list of tuple)
        The original network's table, from :func:`original_table`.
    network : CompressedNetwork
        The stored layers.
    head : estimator or None
        The head above a truncated layer.
    n_outputs : int
        Width of the head's output, for its row.
    method, bias : str
    quantize : str or None, default=None
    integer_only : bool, default=False
        The estimator's parameters, for the title; with ``integer_only``,
        the scales of every step follow (:func:`integer_scales`).
    inputs : (int, int) or None, default=None
        Inputs read and inputs in all: a note says so where fewer are read.

    Returns
    -------
    summary : ModelSummary
    """
    _, rows = original
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
    if integer_only:
        # The input's scale and zero point and the logits' scales belong to
        # no layer; counted, the total is n_bytes_.
        scales = network.n_bytes - sum(layer.n_bytes for layer in network.layers)
        compressed.append(("scales", "input, logits", "-", "-", 0, scales, 0))
    ratios = [
        sum(row[column] for row in rows) / sum(row[column] for row in compressed)
        for column in (_FIRST_COUNT, _FIRST_COUNT + 1)  # parameters, bytes
    ]
    title = f"Compressed network (method={method!r}, bias={bias!r}"
    title += "" if quantize is None else f", quantize={quantize!r}"
    title += ", integer_only=True)" if integer_only else ")"
    notes = [f"compression ratio: {ratios[0]:.2f}\nin bytes: {ratios[1]:.2f}"]
    if inputs is not None and inputs[0] < inputs[1]:
        notes.append(f"inputs read: {inputs[0]:,} of {inputs[1]:,}")
    if integer_only:
        notes.append(integer_scales(network))
    return ModelSummary([original, (title, compressed)], notes)


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
        summary : ModelSummary
            Printed, the text tables below; as a notebook's last expression,
            HTML tables; its ``tables`` hold the rows.

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
            self._original_table_,
            self.network_,
            self.head_,
            n_outputs=self.output_spec_.n_targets,
            method=self.method,
            bias=self.bias,
            quantize=self.quantize,
            integer_only=self.integer_only,
            inputs=(len(self.inputs_kept_), self.n_features_in_),
        )
