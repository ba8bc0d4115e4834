"""The C file being written: its ``static const`` arrays, counted in bytes."""

import numpy as np

from .._formats import float_format


class CFile:
    """Arrays written as ``static const`` C arrays, named ``<prefix>_<n>``.

    Parameters
    ----------
    prefix : str
        The model's name, a C identifier.
    """

    def __init__(self, prefix):
        self.prefix = prefix
        self.arrays = []
        self.n_bytes = 0

    def array(self, c_type, cells, n_bytes):
        """A ``static const c_type`` array of the C literals ``cells``; its name.

        ``n_bytes`` is what it takes on the device. An empty array (C has
        none) is the null pointer, ``0``.
        """
        if not cells:
            return "0"
        name = f"{self.prefix}_{len(self.arrays)}"
        lines = [", ".join(cells[i : i + 6]) for i in range(0, len(cells), 6)]
        body = ",\n    ".join(lines)
        self.arrays.append(
            f"static const {c_type} {name}[{len(cells)}] = {{\n    {body}\n}};"
        )
        self.n_bytes += n_bytes
        return name

    def stored(self, format, values):
        """``values`` as ``format`` (a storage format) writes them; its name."""
        return self.array(
            format.c_type, format.c_values(values), format.c_nbytes(values)
        )

    def floats(self, values):
        """``values`` as ``float``; its name."""
        values = np.asarray(values, dtype=np.float32)
        return self.stored(float_format(values.dtype), values)

    def integers(self, values, c_type):
        """``values`` as the integer ``c_type`` (``int8_t``, ...); its name."""
        values = np.ravel(values)
        cells = [str(int(value)) for value in values]
        return self.array(c_type, cells, values.nbytes)


def c_float(value):
    """A float32 literal of ``value`` that reads back exactly.

    Examples
    --------
    >>> from sklearn_svdmlp._export._c_file import c_float
    >>> c_float(0.1)
    '1.000000015e-01f'
    """
    return f"{np.float32(value):.9e}f"
