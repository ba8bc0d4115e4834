"""What a storage format is, and the registry of the formats there are.

A storage format says how one weight matrix is kept: the array stored (and
its per-column scales, if it has any), the floating-point matrix it stands
for, how many bytes it takes, and how it is written into a C file and an
ONNX graph. Layers, the byte counts, the C writer and the ONNX converter ask
the format and nothing else, so a new format is one new class, registered.
"""

import numpy as np

# name -> StorageFormat, every format there is.
_FORMATS = {}

# The names the estimators' ``quantize`` parameter accepts. The parameter
# constraint holds this very set, so a format registered later is accepted.
QUANTIZE_OPTIONS = set()


class StorageFormat:
    """How a weight matrix is stored; subclass it and register an instance.

    A stored matrix is the pair ``(values, scales)``: ``values`` an array of
    the format's own (for instance int8, or bytes packing smaller integers),
    ``scales`` one float32 per column or ``None``. It stands for
    ``as_float(values, scales) * scales`` (without scales, ``as_float(values,
    None)``), and the forward pass computes ``(X @ as_float(values, scales))
    * scales`` in Python and C (in float32) and in ONNX (at the graph's float
    type).

    Attributes
    ----------
    name : str
        What ``quantize`` calls it.
    quantizable : bool
        Whether ``quantize`` offers it (float64 is the networks' own type,
        kept by ``quantize=None``).
    bias_dtype : numpy dtype
        What biases beside a matrix of this format are stored in.
    integer : bool
        Whether integer-only inference can run it: its values are int8,
        symmetric, with one scale per column (``integer_only=True``).
    c_type : str
        The C type of the elements of ``c_values``.
    c_kernel : str
        The C function that applies a matrix of this format (see
        ``svdmlp.h``); the runtime has one for each format it ships.
    c_kernel_source : str or None
        The C source of ``c_kernel``, written into the model's file, for a
        format whose kernel the runtime does not have. A kernel
        ``void kernel(const svdmlp_step *step, const float *in, float *out)``
        is most simply ``svdmlp_affine_rows(step, in, out, axpy, row_bytes)``
        with the format's ``axpy``, adding ``x`` times one row of weights to
        ``out``: it walks the inputs the step reads (a first step skips
        those constant on the training data), standardizes them (for a
        ``StandardScaler`` before the model) and ends with the scales and
        biases (see ``svdmlp.h``).
    """

    name = None
    quantizable = True
    integer = False
    bias_dtype = np.dtype(np.float32)
    c_type = None
    c_kernel = None
    c_kernel_source = None

    def store(self, matrix):
        """``matrix`` (float) in this format: ``(values, scales)``."""
        raise NotImplementedError

    def as_float(self, values, scales):
        """The matrix ``values`` stand for, before the ``scales``, in float32."""
        return np.asarray(values).astype(np.float32, copy=False)

    def round_trip(self, matrix):
        """``matrix`` as stored and read back, in its own float type.

        What the forward pass of the stored model multiplies by (rounded to
        nearest): fine-tuning through the quantizer computes with it.
        """
        values, scales = self.store(matrix)
        stored = self.as_float(values, scales).astype(matrix.dtype)
        return stored if scales is None else stored * scales.astype(matrix.dtype)

    def shape(self, values, scales):
        """``(n_in, n_out)`` of the matrix ``values`` (and ``scales``) stand for."""
        return values.shape

    def n_bytes(self, values, scales):
        """Bytes of a stored matrix: its values and its scales."""
        return values.nbytes + (0 if scales is None else scales.nbytes)

    def c_values(self, values):
        """The stored values as C literals of ``c_type``, in row-major order."""
        raise NotImplementedError

    def c_nbytes(self, values):
        """Bytes the array of :meth:`c_values` takes on the device."""
        return values.nbytes

    def onnx_weights(self, graph, values, scales):
        """Add the stored matrix to an ONNX graph; the name of its float tensor.

        ``graph`` offers ``constant(name, array)`` (an initializer at the
        graph's float type), ``stored(name, array)`` (an initializer kept in
        the array's own type), ``tensor(proto)`` (an initializer from an ONNX
        ``TensorProto`` named ``name(prefix)``), ``node(op_type, inputs,
        **attributes)`` and ``opset``; each returns the name of what it
        adds.
        """
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


def register_format(format):
    """Make ``format`` (a :class:`StorageFormat` instance) known by its name.

    Returns ``format``; a format of the same name is replaced.
    """
    if not isinstance(format, StorageFormat) or not isinstance(format.name, str):
        raise TypeError(
            f"format must be a StorageFormat instance with a name; got {format!r}."
        )
    _FORMATS[format.name] = format
    QUANTIZE_OPTIONS.discard(format.name)
    if format.quantizable:
        QUANTIZE_OPTIONS.add(format.name)
    return format


def unregister_format(name):
    """Forget the format called ``name`` (for formats made in tests)."""
    del _FORMATS[name]
    QUANTIZE_OPTIONS.discard(name)


def get_format(name):
    """The registered format called ``name``.

    Examples
    --------
    >>> from sklearn_svdmlp._formats import get_format
    >>> get_format("int8").c_type
    'signed char'
    """
    try:
        return _FORMATS[name]
    except KeyError:
        raise ValueError(
            f"Unknown storage format {name!r}; the formats are {sorted(_FORMATS)}."
        ) from None


def float_format(dtype):
    """The format of an unquantized layer's float ``dtype`` arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_svdmlp._formats import float_format
    >>> float_format(np.float64).name
    'float64'
    """
    return get_format(np.dtype(dtype).name)
