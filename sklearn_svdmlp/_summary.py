"""A per-layer text summary of a network, in the manner of a Keras summary."""

_COLUMNS = ("layer", "kind", "shape", "rank", "parameters", "multiply-adds")


def layer_row(name, layer, truncated=False):
    """One summary row for a :class:`DenseLayer` or :class:`FactoredLayer`.

    ``truncated`` marks the dense layer a truncation cut to its width.
    """
    n_in, n_out = layer.shape
    if truncated:
        return (
            name,
            "truncated",
            f"{n_in} x {n_out}",
            str(n_out),
            layer.n_params,
            layer.n_multiply_adds,
        )
    if layer.rank is None:
        return (
            name,
            "dense",
            f"{n_in} x {n_out}",
            "-",
            layer.n_params,
            layer.n_multiply_adds,
        )
    return (
        name,
        "factored",
        f"{n_in} x {layer.rank} x {n_out}",
        str(layer.rank),
        layer.n_params,
        layer.n_multiply_adds,
    )


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
