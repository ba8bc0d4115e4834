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

import numpy as np
from sklearn.preprocessing import StandardScaler

from .._estimators import compressed_step, steps_before
from .._formats import float_format
from .._network import head_adapter

_RUNTIME_DIR = Path(__file__).parent / "runtime"

_ACTIVATIONS = {
    "identity": "SVDMLP_IDENTITY",
    "relu": "SVDMLP_RELU",
    "tanh": "SVDMLP_TANH",
    "logistic": "SVDMLP_LOGISTIC",
    "softmax": "SVDMLP_SOFTMAX",
    "exp": "SVDMLP_EXP",
}


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


def _array_lines(cells):
    lines = [", ".join(cells[i : i + 6]) for i in range(0, len(cells), 6)]
    return ",\n    ".join(lines)


class _CModel:
    """The C file being written: arrays, kernels the runtime lacks, steps."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.arrays, self.kernels, self.steps = [], {}, []
        self.standardize = ("0", "0")

    def array(self, format, values):
        """A ``static const`` array of ``values`` written by ``format``; its name."""
        name = f"{self.prefix}_{len(self.arrays)}"
        cells = format.c_values(values)
        self.arrays.append(
            f"static const {format.c_type} {name}[{len(cells)}] = {{\n"
            f"    {_array_lines(cells)}\n}};"
        )
        return name

    def _floats(self, values):
        values = np.asarray(values, dtype=np.float32)
        return self.array(float_format(values.dtype), values)

    def standardize_input(self, mean, scale):
        """Start from ``(x - mean) / scale``, as a ``StandardScaler`` does."""
        self.standardize = (
            "0" if mean is None else self._floats(mean),
            "0" if scale is None else self._floats(scale),
        )

    def affine(self, name, step):
        """Add one :class:`~sklearn_svdmlp._network.AffineStep`; ``name`` is unused."""
        format = step.format
        if format.c_kernel_source is not None:
            self.kernels[format.c_kernel] = format.c_kernel_source
        n_in, n_out = format.shape(step.values)
        weights = self.array(format, step.values)
        scales = "0" if step.scales is None else self._floats(step.scales)
        bias = "0"
        if step.bias is not None:
            # In the type the format's kernel reads its biases as.
            values = np.asarray(step.bias, dtype=format.bias_dtype)
            bias = self.array(float_format(values.dtype), values)
        mean, scale = self.standardize if not self.steps else ("0", "0")
        self.steps.append(
            [format.c_kernel, weights, scales, bias, mean, scale, n_in, n_out]
            + [_ACTIVATIONS["identity"]]
        )
        return len(self.steps) - 1

    def activation(self, name, function):
        """The MLP activation ``function``, applied by the last step added."""
        self.steps[-1][-1] = _ACTIVATIONS[function]
        return name

    @property
    def widest(self):
        """The widest output of a step but the last (at least 1)."""
        return max([1, *(step[7] for step in self.steps[:-1])])

    def table(self, n_inputs, n_outputs):
        """The step table and the model, as C."""
        p = self.prefix
        rows = ",\n    ".join(
            "{" + ", ".join(str(cell) for cell in step) + "}" for step in self.steps
        )
        return (
            f"static const svdmlp_step {p}_steps[{len(self.steps)}] = {{\n"
            f"    {rows}\n}};\n\n"
            f"static const svdmlp_model {p}_network = "
            f"{{{p}_steps, {len(self.steps)}, {n_inputs}, {n_outputs}}};\n\n"
            f"static void {p}_outputs(const float *x, float *out)\n{{\n"
            f"    float work[SVDMLP_WORK_FLOATS({self.widest})];\n"
            f"    svdmlp_forward(&{p}_network, x, out, work);\n}}\n"
        )


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
    functions. It computes with the C runtime in :func:`c_runtime_dir`
    (``svdmlp.h`` and ``svdmlp.c``: float arithmetic, no allocation, only
    ``math.h``): compile both, for instance
    ``cc -std=c99 -I<dir> model.c <dir>/svdmlp.c -lm``. One prediction
    keeps two float buffers as wide as the widest layer (or rank) on the
    stack. Functions, for inputs of ``n_features_in_`` floats:

    - a classifier: ``void <name>_predict_proba(const float *x, float *proba)``
      writes ``len(classes_)`` probabilities (2 for two classes), and
      ``int <name>_predict(const float *x)`` returns the index of the class
      in ``classes_``; for multilabel targets, ``<name>_predict_proba``
      writes one probability per label and
      ``void <name>_predict_labels(const float *x, int *labels)`` writes each
      label as 0 or 1 (there is no ``<name>_predict``);
    - a regressor: ``void <name>_predict(const float *x, float *y)`` writes
      one value per target.

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
    c_model = _CModel(name)
    if scaler is not None:
        c_model.standardize_input(
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
        output = layer.emit(c_model, output)
    api = _api(spec, name, spec.n_outputs)
    # The public functions' prototypes first: what a firmware declares.
    prototypes = "".join(
        f"{line};\n"
        for line in api.splitlines()
        if line.startswith(("int ", "void "))
    )
    header = (
        f"/* {name}: {type(model).__name__} written by sklearn-svdmlp.\n"
        f" * {model.n_features_in_} input features, {spec.n_outputs} outputs; "
        f"{model.n_bytes_:,} bytes of stored arrays.\n"
        f" * A prediction keeps {2 * c_model.widest} floats of work on the stack.\n"
        " * Compile with the runtime, sklearn_svdmlp.c_runtime_dir():\n"
        f" *   cc -std=c99 -I<dir> {name}.c <dir>/svdmlp.c -lm */\n"
        '#include "svdmlp.h"\n\n'
        f"{prototypes}"
    )
    return "\n".join(
        [
            header,
            *c_model.arrays,
            *c_model.kernels.values(),
            c_model.table(model.n_features_in_, spec.n_outputs),
            api,
        ]
    )
