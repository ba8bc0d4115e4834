"""Low-rank factorization of one dense layer: pure linear algebra over arrays.

A dense layer computes ``X @ W + b`` with ``W`` of shape ``(n_in, n_out)``.
Everything here takes and returns arrays; nothing knows about estimators.
"""

import numpy as np
from scipy import linalg
from sklearn.utils.extmath import randomized_svd, svd_flip


def matrix_to_factor(coef, intercept, bias):
    """Return the matrix whose SVD compresses a layer.

    Parameters
    ----------
    coef : ndarray of shape (n_in, n_out)
        The layer's weight matrix ``W``.
    intercept : ndarray of shape (n_out,)
        The layer's bias ``b``.
    bias : {"separate", "augment"}
        ``"separate"`` factors ``W`` alone; ``"augment"`` factors ``[W; b]``,
        of shape ``(n_in + 1, n_out)``, so the bias is folded into the factors.

    Returns
    -------
    matrix : ndarray of shape (n_in, n_out) or (n_in + 1, n_out)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._factorization import matrix_to_factor
    >>> matrix_to_factor(np.ones((2, 3)), np.zeros(3), "augment").shape
    (3, 3)
    """
    if bias == "augment":
        return np.vstack([coef, intercept[np.newaxis, :]])
    return coef


def resolve_solver(solver, shape, rank):
    """The SVD solver to use: ``"auto"`` becomes ``"full"`` or ``"randomized"``.

    ``"auto"`` takes the randomized SVD when the rank is known (``rank`` not
    ``None``), the matrix is at least 1000 on both sides and the rank at most
    an eighth of the smaller side; the full SVD otherwise. Measured with
    ``benchmarks/scaling.py``: there the randomized SVD takes 0.14 to 0.39 of
    the full one's time, while on 512 to 768 wide matrices, which a full SVD
    decomposes in under 0.2 s, it is often slower.

    Examples
    --------
    >>> from sklearn_svdmlp._compression._factorization import resolve_solver
    >>> resolve_solver("auto", (2048, 2048), 64)
    'randomized'
    >>> resolve_solver("auto", (784, 1024), 16)
    'full'
    """
    if solver != "auto":
        return solver
    if rank is not None and min(shape) >= 1000 and rank <= min(shape) / 8:
        return "randomized"
    return "full"


def svd(matrix, rank=None, solver="full", random_state=None):
    """Thin SVD with deterministic signs, in full or the top ``rank`` triplets.

    Parameters
    ----------
    matrix : ndarray of shape (n_rows, n_cols)
    rank : int or None, default=None
        With the randomized solver, how many triplets to compute.
    solver : {"full", "randomized", "auto"}, default="full"
        ``"full"``: LAPACK's thin SVD, all ``k = min(n_rows, n_cols)``
        triplets. ``"randomized"``: scikit-learn's ``randomized_svd`` for the
        top ``rank`` with 4 power iterations (falls back to full where ``rank``
        is ``None``).
        ``"auto"``: see :func:`resolve_solver`.
    random_state : int, RandomState instance or None
        For the randomized solver.

    Returns
    -------
    left_vectors : ndarray of shape (n_rows, k)
        Left singular vectors ``U``.
    singular_values : ndarray of shape (k,)
        In decreasing order.
    right_vectors : ndarray of shape (k, n_cols)
        Right singular vectors ``V^T``, signs fixed by :func:`svd_flip`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._factorization import svd
    >>> u, s, vt = svd(np.diag([1.0, 3.0]))
    >>> s
    array([3., 1.])
    """
    if rank is not None and resolve_solver(solver, matrix.shape, rank) == "randomized":
        # Four power iterations, not the 7 of n_iter="auto" at small ranks:
        # half the time (the LU normalisations dominate), and the error stays
        # well within 1% of the optimal one (0.3% on benchmarks/svd_solver.py).
        left_vectors, singular_values, right_vectors = randomized_svd(
            matrix, min(rank, *matrix.shape), n_iter=4, random_state=random_state
        )
    else:
        left_vectors, singular_values, right_vectors = linalg.svd(
            matrix, full_matrices=False, check_finite=False
        )
    left_vectors, right_vectors = svd_flip(left_vectors, right_vectors)
    return left_vectors, singular_values, right_vectors


def low_rank_factors(left_vectors, singular_values, right_vectors, rank):
    """Optimal rank-``rank`` factors ``A = U_r S_r`` and ``B = V_r^T``.

    By the Eckart-Young theorem ``A @ B`` is the closest rank-``rank`` matrix
    to ``U S V^T`` in Frobenius and spectral norm; the Frobenius error is the
    norm of the discarded singular values.

    Parameters
    ----------
    left_vectors, singular_values, right_vectors : ndarray
        The output of :func:`svd`.
    rank : int
        How many singular triplets to keep, at most ``len(singular_values)``.

    Returns
    -------
    left_factor : ndarray of shape (n_rows, rank), C-contiguous
    right_factor : ndarray of shape (rank, n_cols), C-contiguous

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._factorization import svd, low_rank_factors
    >>> matrix = np.outer([1.0, 2.0], [3.0, 4.0])
    >>> a, b = low_rank_factors(*svd(matrix), rank=1)
    >>> np.allclose(a @ b, matrix)
    True
    """
    left_factor = np.ascontiguousarray(left_vectors[:, :rank] * singular_values[:rank])
    right_factor = np.ascontiguousarray(right_vectors[:rank])
    return left_factor, right_factor


def factor_layer(coef, intercept, rank, bias, decomposition=None):
    """Split a dense layer into two thin factors of rank ``rank``.

    The factored layer computes ``(X @ left + left_intercept) @ right +
    intercept``. With ``bias="separate"``, ``left @ right`` approximates ``W``,
    ``left_intercept`` is ``None`` and ``intercept`` is ``b`` unchanged. With
    ``bias="augment"``, ``[left; left_intercept] @ right`` approximates
    ``[W; b]`` and ``intercept`` is ``None``.

    Parameters
    ----------
    coef : ndarray of shape (n_in, n_out)
    intercept : ndarray of shape (n_out,)
    rank : int
    bias : {"separate", "augment"}
    decomposition : tuple, default=None
        The :func:`svd` of :func:`matrix_to_factor`, when already computed.

    Returns
    -------
    left : ndarray of shape (n_in, rank)
    left_intercept : ndarray of shape (rank,) or None
    right : ndarray of shape (rank, n_out)
    intercept : ndarray of shape (n_out,) or None
    singular_values : ndarray
        All singular values of the factored matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._factorization import factor_layer
    >>> rng = np.random.default_rng(0)
    >>> left, left_b, right, b, s = factor_layer(
    ...     rng.normal(size=(6, 4)), rng.normal(size=4), rank=2, bias="augment")
    >>> left.shape, left_b.shape, right.shape, b is None
    ((6, 2), (2,), (2, 4), True)
    """
    if decomposition is None:
        decomposition = svd(matrix_to_factor(coef, intercept, bias))
    u, s, vt = decomposition
    left, right = low_rank_factors(u, s, vt, rank)
    if bias == "augment":
        return np.ascontiguousarray(left[:-1]), left[-1].copy(), right, None, s
    return left, None, right, intercept.copy(), s


def singular_values(matrix):
    """Singular values of ``matrix`` in decreasing order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._compression._factorization import singular_values
    >>> singular_values(np.diag([2.0, 5.0]))
    array([5., 2.])
    """
    return linalg.svd(matrix, compute_uv=False, check_finite=False)
