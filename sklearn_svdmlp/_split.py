"""Held-out data: part of the training data split off, stratified where it can be.

For early stopping while fine-tuning, and for judging ``max_score_drop``.
"""

from sklearn.model_selection import train_test_split


def split_off(arrays, fraction, random_state, stratify=None):
    """Split ``arrays`` into a part to train on and a ``fraction`` held out.

    Stratified by ``stratify`` when given, unless a class is too small to be
    in both parts: then the split is plain random. ``None`` entries of
    ``arrays`` (no sample weights) stay ``None`` in both parts.

    Returns
    -------
    train, held_out : list
        The parts of each array, in the order given.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._split import split_off
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 9 + [1])
    >>> train, held_out = split_off([X, y, None], 0.2, 0, stratify=y)
    >>> len(train[0]), len(held_out[0]), held_out[2]
    (8, 2, None)
    """
    present = [array for array in arrays if array is not None]
    try:
        parts = train_test_split(
            *present, test_size=fraction, random_state=random_state, stratify=stratify
        )
    except ValueError:
        if stratify is None:
            raise
        parts = train_test_split(
            *present, test_size=fraction, random_state=random_state
        )
    train, held_out = iter(parts[0::2]), iter(parts[1::2])
    return (
        [None if array is None else next(train) for array in arrays],
        [None if array is None else next(held_out) for array in arrays],
    )
