"""Which input features a network reads: those not constant on the training data.

A feature that is constant on the training data adds the same amount to
every sample's first pre-activation: that amount is moved into the first
bias and the feature's weights are not stored (a stored model drops them
whenever that saves bytes). What is kept is a list of runs of consecutive
features read, which the C runtime walks without copying the input.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


def constant_features(X):
    """A boolean mask of the columns of ``X`` (dense or sparse) that are constant.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._inputs import constant_features
    >>> constant_features(np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 2.0]])).tolist()
    [True, False, True]
    """
    if sp.issparse(X):
        X = sp.csc_array(X)
        low = X.min(axis=0).toarray().ravel()
        high = X.max(axis=0).toarray().ravel()
    else:
        low, high = np.min(X, axis=0), np.max(X, axis=0)
    return np.asarray(high == low) & (np.shape(X)[0] > 0)


def runs_of(mask):
    """``(start, length)`` of each run of ``True`` in ``mask``, as int32 rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._inputs import runs_of
    >>> runs_of(np.array([False, True, True, False, True])).tolist()
    [[1, 2], [4, 1]]
    """
    edges = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return np.column_stack([starts, stops - starts]).astype(np.int32)


def read_columns(inputs, X):
    """The columns of ``X`` an :class:`InputSelection` reads (all where ``None``)."""
    return X if inputs is None else inputs.take(X)


def input_width(inputs, matrix):
    """Features of the input of a first ``matrix`` reading ``inputs``, read or not."""
    return matrix.shape[0] if inputs is None else inputs.n_features


@dataclass(eq=False)
class InputSelection:
    """The features of an input a first weight matrix reads, as runs.

    Parameters
    ----------
    runs : ndarray of shape (n_runs, 2), int32
        ``(start, length)`` of each run of consecutive features read, in
        order: the rows of the stored matrix are these features'.
    n_features : int
        Features of the input, read or not.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._network._inputs import InputSelection
    >>> read = InputSelection.of_mask(np.array([False, True, True, False, True]))
    >>> read.indices.tolist(), read.n_read, read.n_bytes
    ([1, 2, 4], 3, 16)
    >>> read.take(np.arange(10.0).reshape(2, 5))
    array([[1., 2., 4.],
           [6., 7., 9.]])
    """

    runs: np.ndarray
    n_features: int

    @classmethod
    def of_mask(cls, mask):
        """The features where ``mask`` is true."""
        return cls(runs_of(mask), len(mask))

    @property
    def indices(self):
        """The features read, in order, as int64."""
        return np.concatenate(
            [np.arange(start, start + length) for start, length in self.runs]
            + [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64)

    @property
    def n_read(self):
        """Features read."""
        return int(self.runs[:, 1].sum())

    @property
    def n_bytes(self):
        """Bytes the runs take (what the C file stores)."""
        return self.runs.nbytes

    def take(self, X):
        """The columns of ``X`` (dense or sparse) read."""
        if sp.issparse(X):
            return X.tocsr()[:, self.indices]
        return X[:, self.indices]

    def copy(self):
        """A copy with its own runs."""
        return InputSelection(self.runs.copy(), self.n_features)
