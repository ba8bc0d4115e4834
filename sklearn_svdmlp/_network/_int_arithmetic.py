"""The integer arithmetic of integer-only inference, as the C runtime does it.

Fixed-point rescaling (:func:`requantize`, :func:`fixed_point`), exact sums
of int8 products through BLAS (:func:`exact_sums`), the float input's
rounding to int8 (:func:`int8_of_scaled`) and int4 packing
(:func:`packed_int4`): plain functions over arrays, bit for bit what
``runtime/svdmlp.c`` computes.
"""

import numpy as np

INT8 = (-128, 127)
# The last step's logits: int16, symmetric.
LOGIT_MAX = 32767


def requantize(acc, multiplier, shift):
    """``floor((acc * multiplier + 2**(shift - 1)) / 2**shift)``, in int64.

    The fixed-point product of an int32 sum and a real multiplier
    ``multiplier / 2**shift`` (``multiplier`` < 2**31, ``shift`` in 1..62),
    rounded half up: exactly what the C runtime computes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._int_arithmetic import requantize
    >>> requantize(np.array([10, -10, 3]), np.array([1 << 30]), np.array([32]))
    array([ 3, -2,  1])
    """
    acc = np.asarray(acc, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    return (acc * np.asarray(multiplier, dtype=np.int64) + (1 << (shift - 1))) >> shift


def sum_dtype(largest_sum):
    """The cheapest dtype whose matrix products give integer sums exactly.

    A product of integer matrices computed in floating point is exact when
    every partial sum, in whatever order the BLAS adds the terms, is an
    integer the format holds exactly: below ``2**24`` in float32, ``2**53``
    in float64. Every partial sum of a row's products is at most
    ``largest_sum``, the largest sum of the terms' absolute values (each
    product, at most ``2**14`` for int8 by int8, is itself exact). Past
    ``2**53``, int64 (which NumPy multiplies without BLAS).

    Examples
    --------
    >>> from sklearn_svdmlp._network._int_arithmetic import sum_dtype
    >>> sum_dtype(128 * 127 * 784), sum_dtype(2**24), sum_dtype(2**53)
    (dtype('float32'), dtype('float64'), dtype('int64'))
    """
    if largest_sum < 2**24:
        return np.dtype(np.float32)
    if largest_sum < 2**53:
        return np.dtype(np.float64)
    return np.dtype(np.int64)


def exact_sums(Q, weights):
    """``Q @ weights.T`` in int64, through BLAS where that is exact.

    ``Q`` holds integers (int8 activations), ``weights`` one row of
    integers per output. The bound of :func:`sum_dtype` is taken from the
    largest magnitude ``Q``'s dtype holds and each row's sum of absolute
    weights, so it holds for any input.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._int_arithmetic import exact_sums
    >>> Q = np.array([[127, -128, 3]], dtype=np.int8)
    >>> exact_sums(Q, np.array([[127, 127, -1], [2, 0, 1]], dtype=np.int8))
    array([[-130,  257]])
    """
    info = np.iinfo(Q.dtype)
    largest_input = max(abs(int(info.min)), int(info.max))
    row_sums = np.abs(weights.astype(np.int64)).sum(axis=1)
    largest_sum = largest_input * int(row_sums.max(initial=0))
    dtype = sum_dtype(largest_sum)
    sums = Q.astype(dtype) @ weights.T.astype(dtype)
    return sums.astype(np.int64, copy=dtype != np.int64)


def fixed_point(real):
    """``(multiplier, shift)`` with ``multiplier / 2**shift`` closest to ``real``.

    ``real`` is an array of non-negative multipliers below ``2**30``;
    ``multiplier`` is in ``[2**30, 2**31)`` (31 significant bits), ``shift``
    in 1..62. A multiplier too small for 62 bits of shift is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._int_arithmetic import fixed_point
    >>> multiplier, shift = fixed_point(np.array([0.75]))
    >>> int(multiplier[0]), int(shift[0]), int(multiplier[0]) / 2 ** int(shift[0])
    (1610612736, 31, 0.75)
    """
    real = np.asarray(real, dtype=np.float64)
    if np.any(real >= 2**30):
        raise ValueError(
            f"integer_only: a rescaling by {real.max():g} does not fit 31 bits; "
            "the output's scale is too small beside its input's."
        )
    mantissa, exponent = np.frexp(real)
    multiplier = np.round(mantissa * 2.0**31).astype(np.int64)
    carry = multiplier == 2**31
    multiplier[carry] = 2**30
    shift = 31 - exponent.astype(np.int64) - carry
    multiplier[(shift > 62) | (multiplier <= 0)] = 0
    shift = np.clip(shift, 1, 62)
    return multiplier.astype(np.int32), shift.astype(np.int8)


def packed_int4(q, lengths):
    """Rows of int4 integers ``q`` packed as the C runtime reads them.

    Each row is cut into the runs of ``lengths`` (the inputs read, in
    order; one run of the whole row by default), each packed on its own from
    a byte boundary: groups of 8 inputs as 4 bytes, byte ``k`` holding input
    ``k`` in its low four bits and input ``k + 4`` in its high four (so that
    a 32-bit word splits into two words of four weights with two masks),
    then the rest two to a byte (low first), a zero nibble after an odd one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._int_arithmetic import packed_int4
    >>> q = np.array([[1, 2, 3, 4, 5, 6, 7, -1, -2, 3, -7]], dtype=np.int8)
    >>> [hex(byte) for byte in packed_int4(q, [11])[0]]
    ['0x51', '0x62', '0x73', '0xf4', '0x3e', '0x9']
    """
    nibbles = np.asarray(q).astype(np.uint8) & 0xF
    rows, start = [np.zeros((len(nibbles), 0), dtype=np.uint8)], 0
    for length in lengths:
        run = nibbles[:, start : start + length]
        start += length
        n_groups = length // 8
        groups = run[:, : 8 * n_groups].reshape(len(run), n_groups, 2, 4)
        rows.append((groups[:, :, 0] | (groups[:, :, 1] << 4)).reshape(len(run), -1))
        rest = run[:, 8 * n_groups :]
        if rest.shape[1] % 2:
            rest = np.hstack([rest, np.zeros((len(run), 1), dtype=np.uint8)])
        rows.append(rest[:, 0::2] | (rest[:, 1::2] << 4))
    return np.ascontiguousarray(np.hstack(rows), dtype=np.uint8)


def int8_of_scaled(v, zero_point):
    """int8 of float32 values ``v`` already divided by their scale, as the C does.

    NaN taken as 0, clamped to [-256, 256], rounded as ``sign(v) *
    floor(|v| + 0.5)`` in float32, plus ``zero_point``, clamped to int8.
    ``v``, a float32 array, is overwritten (a few passes in place: this is
    most of an integer-only ``predict``'s time on wide inputs).
    """
    np.clip(v, np.float32(-256), np.float32(256), out=v)
    v[np.isnan(v)] = 0
    # sign(v) * floor(|v| + 0.5), in float32: float addition is symmetric in
    # sign, so this is trunc(v + copysign(0.5, v)), which the cast to int16
    # takes (|v| + 0.5 <= 256.5).
    v += np.copysign(np.float32(0.5), v)
    q = v.astype(np.int16)
    q += zero_point
    np.clip(q, *INT8, out=q)
    return q.astype(np.int8)
