"""C code for microcontrollers: a compressed model as one C99 file over a C runtime.

The runtime (``svdmlp.h`` and ``svdmlp.c`` in :func:`c_runtime_dir`) walks a
table of steps, one per weight matrix, with one kernel per storage format.
The file written here holds only the model: its arrays, each in its storage
format (the format writes them), its step table and its public functions,
chosen by its output specification. Each layer adds its steps through its
``emit(model, name)``, as it does into an ONNX graph.
"""

import re
from pathlib import Path

from sklearn.preprocessing import StandardScaler

from .._estimators import compressed_step, steps_before
from .._network import IntegerNetwork, head_adapter
from ._c_file import CFile
from ._c_float import FloatProgram
from ._c_integer import IntegerProgram, integer_api

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


def _model_and_scaler(estimator):
    """The compressed model, and the ``StandardScaler`` before it if any."""
    model = compressed_step(estimator)
    steps = [
        step for step in steps_before(estimator) if step not in (None, "passthrough")
    ]
    if len(steps) > 1 or (steps and type(steps[0]) is not StandardScaler):
        names = ", ".join(type(step).__name__ for step in steps)
        raise TypeError(
            "export_c writes a compressed model, alone or after one "
            f"StandardScaler in a Pipeline; this Pipeline also has {names}."
        )
    return model, (steps[0] if steps else None)


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


def export_c(estimator, name="svdmlp"):
    """The text of a C99 file that predicts what ``estimator`` predicts.

    The file holds the model: its weights as ``static const`` arrays in the
    model's stored format (see ``quantize``), a table of its steps, and its
    functions; a comment at its top states the flash and stack it needs. It
    computes with the C runtime in :func:`c_runtime_dir` (``svdmlp.h`` and
    ``svdmlp.c``: no allocation, only ``math.h``): compile both, for
    instance ``cc -std=c99 -I<dir> model.c <dir>/svdmlp.c -lm``. A float
    model keeps two float buffers as wide as the widest layer (or rank) on
    the stack; an integer-only one (``integer_only=True``) two int8 buffers.
    Functions, for inputs of ``n_features_in_`` floats:

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
      float one: the input as int8 (a ``StandardScaler`` before the model is
      folded in), with the macros ``<NAME>_INPUT_SCALE`` and
      ``<NAME>_INPUT_ZERO_POINT`` (``x = scale * (xq - zero_point)``);
    - a classifier: ``int <name>_predict_int8(const int8_t *x)``, the index
      of the class; multilabel:
      ``void <name>_predict_labels_int8(const int8_t *x, int *labels)``;
    - a regressor: ``void <name>_predict_int8(const int8_t *x, int16_t *y)``,
      target ``j`` being ``y[j]`` times ``model.network_.output_scales[j]``.

    Its float functions quantize the input, then decide labels on the
    integer logits, as ``predict`` does.

    Parameters
    ----------
    estimator : SVDCompressedMLPClassifier, SVDCompressedMLPRegressor or Pipeline
        A fitted compressed model, alone or after one ``StandardScaler`` in a
        ``Pipeline`` (its standardization is done as the first layer reads
        the input). A truncated model's head must be one its layers compute
        (``LogisticRegression``, a linear regressor or a multi-layer
        perceptron).
    name : str, default="svdmlp"
        Prefix of every name in the file: a C identifier.

    Returns
    -------
    source : str
        The C file.

    Raises
    ------
    UnsupportedHeadError
        If a truncated model's head is not one its layers compute.

    Examples
    --------
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
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(
            f"name must be a C identifier (letters, digits, _); got {name!r}."
        )
    model, scaler = _model_and_scaler(estimator)
    spec = model.output_spec_
    file = CFile(name)
    if isinstance(model.network_, IntegerNetwork):
        program = IntegerProgram(file, model.network_, scaler)
        body = program.source()
        api = integer_api(spec, name, spec.n_outputs, model.n_features_in_)
        ram = (
            f"{program.stack_bytes:,} bytes of stack for {name}_predict_int8 (its "
            "work buffers and logits)"
        )
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
        ram = f"{program.stack_bytes:,} bytes of stack for one prediction's work"
    # The public functions' prototypes first: what a firmware declares.
    prototypes = "".join(
        f"{line};\n"
        for line in f"{body}\n{api}".splitlines()
        if line.startswith(("int ", "void "))
    )
    header = (
        f"/* {name}: {type(model).__name__} written by sklearn-svdmlp.\n"
        f" * {model.n_features_in_} input features, {spec.n_outputs} outputs.\n"
        f" * Flash: {file.n_bytes + program.table_bytes:,} bytes of arrays and "
        "tables (on a 32-bit core),\n"
        " *   besides the runtime's code.\n"
        f" * RAM: {ram}; nothing static.\n"
        " * Compile with the runtime, sklearn_svdmlp.c_runtime_dir():\n"
        f" *   cc -std=c99 -I<dir> {name}.c <dir>/svdmlp.c -lm */\n"
        '#include "svdmlp.h"\n\n'
        f"{prototypes}"
    )
    return "\n".join([header, *file.arrays, body, api])
