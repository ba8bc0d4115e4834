"""The weights of an integer step as the C runtime's kernels read them.

Written once, on the host, for every core: the rows (outputs) are taken in
blocks of four, each block one ``uint32_t`` word per input (int8) or per two
inputs (int4), so that one input value read serves four outputs and a word
of weights splits into two pairs of rows with one AND each (ARMv7-M: one
``SMLAL`` a pair, see ``svdmlp_block_sums`` in ``runtime/svdmlp.c``). In
each pair, one row's weight sits at the bottom of the 32-bit word, stored
with an offset that makes it non-negative (+128, int4: +8; the kernel takes
``offset * sum(inputs)`` off the sum), the other's at the top, as it is
(two's complement). The ``n_out % 4`` last rows are kept as plain rows (int8,
or int4 packed by :func:`~sklearn_svdmlp._network._integer.packed_int4`).
The rows' order, and so the outputs', does not change; nor does any sum.
On cores with the dual 16-bit multiply-add (Cortex-M4, M7), the C
preprocessor swaps the 16-bit halves of each four int8 words of a block
(:func:`block_cells`), so that ``SMLAD`` takes one pair of rows at two inputs.
"""

import numpy as np

from .._network._integer import packed_int4

# Rows per block, and where each row of a block sits in an int8 word: rows 0
# and 2 (bytes 0 and 2, offset) pair with rows 3 and 1 (bytes 3 and 1) once
# the word is masked with 0xFF0000FF, as it is and rotated by 16 bits.
BLOCK_ROWS = 4
_OFFSET = {8: 128, 4: 8}
_INT8_BYTES = (0, 1, 2, 3)
# The same for int4, two inputs a word: the nibble of each row for the
# first and the second input (pairs under 0xF000000F: rotations 0 and 16
# for the first input, 8 and 24 for the second).
_INT4_NIBBLES = ((0, 3, 4, 7), (2, 5, 6, 1))


def _stored(weights, bits):
    """The block's integers as stored: rows 0 and 2 offset, 1 and 3 as they are."""
    stored = weights.astype(np.int64)
    stored[0::2] += _OFFSET[bits]
    return stored & (0xFF if bits == 8 else 0xF)


def block_words(weights, bits):
    """The words of every full block of ``weights`` (n_out, n_in), as uint32.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._export._int8_layout import block_words
    >>> weights = np.array([[1], [-1], [-128], [127]], dtype=np.int8)
    >>> [hex(word) for word in block_words(weights, 8)]
    ['0x7f00ff81']
    """
    n_out, n_in = weights.shape
    words = []
    for start in range(0, n_out - n_out % BLOCK_ROWS, BLOCK_ROWS):
        stored = _stored(weights[start : start + BLOCK_ROWS], bits)
        if bits == 8:
            shifts = [[8 * byte] for byte in _INT8_BYTES]
            columns = [stored]
        else:  # two inputs a word, the second padded with 0 for odd n_in
            stored = np.hstack([stored, np.zeros((BLOCK_ROWS, n_in % 2), np.int64)])
            columns = [stored[:, 0::2], stored[:, 1::2]]
            shifts = [
                [4 * first, 4 * second]
                for first, second in zip(*_INT4_NIBBLES, strict=True)
            ]
        word = np.zeros(columns[0].shape[1], dtype=np.int64)
        for row in range(BLOCK_ROWS):
            for column, shift in zip(columns, shifts[row], strict=True):
                word |= column[row] << shift
        words.append(word)
    return np.concatenate([np.zeros(0, np.int64), *words]).astype(np.uint32)


def rest_rows(weights, bits):
    """The ``n_out % 4`` last rows, as plain int8 bytes (int4: packed per row)."""
    rest = weights[weights.shape[0] - weights.shape[0] % BLOCK_ROWS :]
    if bits == 8 or len(rest) == 0:
        return np.ascontiguousarray(rest, dtype=np.int8).ravel()
    return packed_int4(rest, [weights.shape[1]]).view(np.int8).ravel()


def block_cells(weights, bits):
    """The C literals of :func:`block_words`: int8 blocks four inputs a turn.

    Words ``a, b, c, d`` of four inputs are written ``SVDMLP_LO(a, c),
    SVDMLP_LO(b, d), SVDMLP_HI(a, c), SVDMLP_HI(b, d)``: the same words in
    the same order, except where ``runtime/svdmlp.h`` defines
    ``SVDMLP_DSP_BLOCKS`` (its 16-bit halves swapped for ``SMLAD``). The
    ``n_in % 4`` last words of a block, and int4 words, as they are.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._export._int8_layout import block_cells
    >>> for cell in block_cells(np.zeros((4, 5), dtype=np.int8), 8):
    ...     print(cell)
    SVDMLP_LO(0x800080u, 0x800080u)
    SVDMLP_LO(0x800080u, 0x800080u)
    SVDMLP_HI(0x800080u, 0x800080u)
    SVDMLP_HI(0x800080u, 0x800080u)
    0x800080u
    """
    words = [f"{int(word):#x}u" for word in block_words(weights, bits)]
    n_in = weights.shape[1]
    if bits != 8 or not words:
        return words
    cells = []
    for start in range(0, len(words), n_in):
        block = words[start : start + n_in]
        for first in range(0, n_in - n_in % 4, 4):
            a, b, c, d = block[first : first + 4]
            cells += [f"SVDMLP_LO({a}, {c})", f"SVDMLP_LO({b}, {d})"]
            cells += [f"SVDMLP_HI({a}, {c})", f"SVDMLP_HI({b}, {d})"]
        cells += block[n_in - n_in % 4 :]
    return cells
