"""C code for microcontrollers: a compressed model as one C99 file over a C runtime.

The runtime (``svdmlp.h`` and ``svdmlp.c`` in :func:`c_runtime_dir`) walks a
table of steps, one per weight matrix, with one kernel per storage format.
The file written here holds only the model: its arrays, each in its storage
format (the format writes them), its step table and its public functions,
chosen by its output specification. Each layer adds its steps through its
``emit(model, name)``, as it does into an ONNX graph.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from .._estimators import model_and_scaler
from .._network import IntegerNetwork, head_adapter
from ._c_file import CFile
from ._c_float import FloatProgram
from ._c_folder import write_folder
from ._c_header import c_header, prototypes
from ._c_integer import IntegerProgram, integer_api
from ._c_kept import (
    float_kept_source,
    integer_kept_source,
    kept_api,
    kept_inputs,
    kept_macros,
)
from ._c_stack import stack_bound

_RUNTIME_DIR = Path(__file__).parent / "runtime"


def c_runtime_dir():
    """The folder of the C runtime that files from :func:`export_c` compile with.

    It holds ``svdmlp.h`` (the step table, the kernels' interface) and
    ``svdmlp.c`` (the kernels of every storage format, the activations and
    the forward pass): compile the model's file with ``svdmlp.c`` and this
    folder on the include path.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> from sklearn_svdmlp import c_runtime_dir
    >>> sorted(path.name for path in c_runtime_dir().iterdir()
    ...        if path.suffix in (".c", ".h"))
    ['svdmlp.c', 'svdmlp.h']
    """
    return _RUNTIME_DIR


def _api(spec, name, n_outputs):
    """The public functions, as the output specification's kind asks."""
    if spec.kind == "regression":
        return (
            f"void {name}_predict(const float *x, float *y)\n{{\n"
            f"    {name}_outputs(x, y);\n}}\n"
        )
    proba = (
        f"void {name}_predict_proba(const float *x, float *proba)\n{{\n"
        f"    {name}_outputs(x, proba);\n}}\n"
    )
    if spec.kind == "multilabel":
        return (
            f"{proba}\n"
            f"void {name}_predict_labels(const float *x, int *labels)\n{{\n"
            f"    float proba[{n_outputs}];\n    int j;\n"
            f"    {name}_outputs(x, proba);\n"
            f"    for (j = 0; j < {n_outputs}; j++) {{\n"
            "        labels[j] = proba[j] > 0.5f;\n    }\n}\n"
        )
    if spec.kind == "binary":
        return (
            f"void {name}_predict_proba(const float *x, float *proba)\n{{\n"
            f"    {name}_outputs(x, proba + 1);\n"
            "    proba[0] = 1.0f - proba[1];\n}\n\n"
            f"int {name}_predict(const float *x)\n{{\n"
            f"    float p;\n    {name}_outputs(x, &p);\n    return p > 0.5f;\n}}\n"
        )
    return (
        f"{proba}\n"
        f"int {name}_predict(const float *x)\n{{\n"
        f"    float proba[{n_outputs}];\n"
        f"    {name}_outputs(x, proba);\n"
        f"    return svdmlp_argmax(proba, {n_outputs});\n}}\n"
    )


@dataclass
class CModel:
    """A model's C, in pieces: what the ``.c`` and the header are made of."""

    name: str
    model: object
    scaler: object
    program: object
    arrays: list
    body: str
    api: str
    macros: str

    @property
    def spec(self):
        return self.model.output_spec_

    @property
    def integer(self):
        return isinstance(self.program, IntegerProgram)

    @property
    def flash_bytes(self):
        """Bytes of the model's constant data: its arrays, step table and model."""
        return self.program.file.n_bytes + self.program.table_bytes

    @property
    def stack_bytes(self):
        """At most this much stack for any public function (32-bit Cortex-M, -O1+)."""
        return stack_bound(self)

    def prototypes(self):
        """The public functions' prototypes, as they are defined in the file."""
        return prototypes(f"{self.body}\n{self.api}")


def c_model(estimator, name):
    """The :class:`CModel` of ``estimator`` (a model or a Pipeline) named ``name``."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(
            f"name must be a C identifier (letters, digits, _); got {name!r}."
        )
    model, scaler = model_and_scaler(estimator, "export_c")
    spec = model.output_spec_
    file = CFile(name)
    if isinstance(model.network_, IntegerNetwork):
        program = IntegerProgram(file, model.network_, scaler)
        body = program.source()
        api = integer_api(spec, name, spec.n_outputs)
        macros = program.macros()
    else:
        program = FloatProgram(file)
        if scaler is not None:
            program.standardize_input(
                scaler.mean_ if scaler.with_mean else None,
                scaler.scale_ if scaler.with_std else None,
            )
        layers = list(model.layers_)
        if model.head_ is not None:
            layers += head_adapter(model.head_).require_layers(
                "export_c", spec.n_outputs, exact=True
            )
        output = "x"
        for layer in layers:
            output = layer.emit(program, output)
        body = program.source(model.n_features_in_, spec.n_outputs)
        api = _api(spec, name, spec.n_outputs)
        macros = ""
    kept = kept_inputs(model)
    if kept is not None:  # the _kept entry points, taking only those inputs
        integer = isinstance(program, IntegerProgram)
        write = integer_kept_source if integer else float_kept_source
        body += "\n" + write(program, kept, scaler)
        internal = ["logits", "read_logits", "outputs"] if integer else ["outputs"]
        api += "\n" + kept_api(api, name, internal)
        macros += kept_macros(name, kept)
    return CModel(name, model, scaler, program, file.arrays, body, api, macros)


def _text(c):
    """The C file alone: figures, macros and prototypes at its top."""
    name = c.name
    if c.integer:
        ram = (
            f"{c.program.stack_bytes:,} bytes of stack for {name}_predict_int8 (its "
            "work buffers and logits)"
        )
    else:
        ram = f"{c.program.stack_bytes:,} bytes of stack for one prediction's work"
    top = (
        f"/* {name}: {type(c.model).__name__} written by sklearn-svdmlp.\n"
        f" * {c.model.n_features_in_} input features, {c.spec.n_outputs} outputs.\n"
        f" * Flash: {c.flash_bytes:,} bytes of arrays and tables (on a 32-bit core),\n"
        " *   besides the runtime's code.\n"
        f" * RAM: {ram}; nothing static;\n"
        f" *   at most {c.stack_bytes:,} bytes of stack in all for any function\n"
        " *   (32-bit Cortex-M, GCC -O1 and above, the runtime's calls included).\n"
        " * Compile with the runtime, sklearn_svdmlp.c_runtime_dir():\n"
        f" *   cc -std=c99 -I<dir> {name}.c <dir>/svdmlp.c -lm */\n"
        '#include "svdmlp.h"\n\n'
        f"{c.macros}" + "".join(f"{line};\n" for line in c.prototypes())
    )
    return "\n".join([top, *c.arrays, c.body, c.api])


def _source(c):
    """The C file beside its header ``<name>.h``."""
    top = (
        f"/* {c.name}: {type(c.model).__name__} written by sklearn-svdmlp; its\n"
        f" * functions and figures are in {c.name}.h. Compile with svdmlp.c. */\n"
        f'#include "{c.name}.h"\n#include "svdmlp.h"\n'
    )
    return "\n".join([top, *c.arrays, c.body, c.api])


def export_c(estimator, name="svdmlp", folder=None):
    """The C99 code that predicts what ``estimator`` predicts: a file, or a library.

    Without ``folder``, the text of one C file holding the model: its
    weights as ``static const`` arrays in the model's stored format (see
    ``quantize``), a table of its steps, and its functions; a comment at its
    top states the flash and stack it needs. It computes with the C runtime
    in :func:`c_runtime_dir` (``svdmlp.h`` and ``svdmlp.c``: no allocation,
    only ``math.h``): compile both, for instance
    ``cc -std=c99 -I<dir> model.c <dir>/svdmlp.c -lm``.

    With ``folder``, a library any embedded build takes as it is:
    ``src/<name>.h`` (the functions, ``<NAME>_N_FEATURES``,
    ``<NAME>_N_OUTPUTS``, the class labels, an integer-only regressor's
    output scales, ``<NAME>_FLASH_BYTES`` and ``<NAME>_STACK_BYTES``),
    ``src/<name>.c``, the runtime (``src/svdmlp.h``, ``src/svdmlp.c``),
    ``CMakeLists.txt`` (a static library ``svdmlp_models``), PlatformIO's
    ``library.json`` and the Arduino IDE's ``library.properties``. Another
    model exported to the same folder adds its two files beside the first
    and shares the runtime; the CMake list names every model in ``src/``.

    A float model keeps two float buffers as wide as the widest layer (or
    rank) on the stack; an integer-only one (``integer_only=True``) two int8
    buffers. Functions, for inputs of ``n_features_in_`` floats:

    - a classifier: ``void <name>_predict_proba(const float *x, float *proba)``
      writes ``len(classes_)`` probabilities (2 for two classes), and
      ``int <name>_predict(const float *x)`` returns the index of the class
      in ``classes_``; for multilabel targets, ``<name>_predict_proba``
      writes one probability per label and
      ``void <name>_predict_labels(const float *x, int *labels)`` writes each
      label as 0 or 1 (there is no ``<name>_predict``);
    - a regressor: ``void <name>_predict(const float *x, float *y)`` writes
      one value per target.

    An integer-only model also has, computing with no floating point at all
    (link with ``-ffunction-sections -Wl,--gc-sections`` so that a firmware
    calling only these links none):

    - ``void <name>_quantize_input(const float *x, int8_t *xq)``, the only
      float one: the raw input as int8 (a ``StandardScaler`` before the model
      is folded in; :func:`~sklearn_svdmlp.quantize_input` computes the same
      in Python), with the macros ``<NAME>_INPUT_SCALE`` and
      ``<NAME>_INPUT_ZERO_POINT`` (``v = scale * (xq - zero_point)``, where
      ``v`` is the standardized input when a scaler is folded in, else the
      raw one);
    - a classifier: ``int <name>_predict_int8(const int8_t *x)``, the index
      of the class; multilabel:
      ``void <name>_predict_labels_int8(const int8_t *x, int *labels)``;
    - a regressor: ``void <name>_predict_int8(const int8_t *x, int16_t *y)``,
      target ``j`` being ``y[j]`` times ``<NAME>_OUTPUT_SCALE_<j>``
      (``model.network_.output_scales[j]``).

    Its float functions quantize the input, then decide labels on the
    integer logits, as ``predict`` does.

    A model fitted with ``keep_inputs`` also has each of these functions as
    ``<name>_<function>_kept`` (``<name>_predict_kept``,
    ``<name>_predict_proba_kept``, ``<name>_predict_int8_kept``,
    ``<name>_quantize_input_kept``, ...), taking only the
    ``<NAME>_N_KEPT`` inputs it reads, in the order of the header's
    initializer list ``<NAME>_KEPT_INPUTS`` (``inputs_kept_``): a device
    reads only those sensors. A float model keeps a second step table for
    them.

    Parameters
    ----------
    estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or Pipeline
        A fitted compressed model, alone or after one fitted
        ``StandardScaler`` (bare or in a ``FrozenEstimator``; ``"passthrough"``
        steps are skipped) in a ``Pipeline``: its standardization is done as
        the first layer reads the input. The model, or the pipeline, may be
        in a ``FrozenEstimator``. A truncated model's head must be
        one its layers compute (``LogisticRegression``, a linear regressor
        or a multi-layer perceptron).
    name : str, default="svdmlp"
        Prefix of every name in the file: a C identifier.
    folder : str or path-like, default=None
        Where to write the library (created if needed).

    Returns
    -------
    source : str or dict
        The C file; with ``folder``, the path (:class:`pathlib.Path`) of
        each file written, by its name in the folder (``"src/<name>.h"``,
        ``"CMakeLists.txt"``, ...).

    Raises
    ------
    UnsupportedHeadError
        If a truncated model's head is not one its layers compute.
    sklearn.exceptions.NotFittedError
        If the model, or the scaler before it, is not fitted.
    ValueError
        If ``name`` is not a C identifier, or the scaler was fitted on
        another number of features than the model; with ``folder``, if
        ``name`` is ``"svdmlp"`` in any case (the default: the runtime's
        header has that name, so pass one of the model's own).

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn_svdmlp import SVDCompressedMLPClassifier, export_c
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SVDCompressedMLPClassifier(
    ...     MLPClassifier((16,), max_iter=500, random_state=0), rank=2, quantize="int8"
    ... ).fit(X, y)
    >>> source = export_c(model, name="iris")
    >>> "int iris_predict(const float *x)" in source
    True
    >>> "static const signed char" in source
    True
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = export_c(model, name="iris", folder=folder)
    ...     header = paths["src/iris.h"].read_text()
    >>> sorted(paths)  # doctest: +NORMALIZE_WHITESPACE
    ['CMakeLists.txt', 'library.json', 'library.properties', 'src/iris.c',
     'src/iris.h', 'src/svdmlp.c', 'src/svdmlp.h']
    >>> "#define IRIS_N_FEATURES 4" in header
    True
    """
    c = c_model(estimator, name)
    if folder is None:
        return _text(c)
    return write_folder(Path(folder), name, c_header(c), _source(c), _RUNTIME_DIR)
