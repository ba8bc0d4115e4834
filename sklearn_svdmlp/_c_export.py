"""C code for microcontrollers: a compressed model as one self-contained C99 file.

The file holds the stored weights as ``const`` arrays in their stored format
(``double``, ``float``, float16 bits as ``unsigned short``, or ``signed
char`` with ``float`` scales), computes in ``float``, allocates nothing and
needs nothing beyond ``math.h``. Each layer writes itself through its
``emit(program, name)``, as it does into an ONNX graph.
"""

import re

import numpy as np
from sklearn.preprocessing import StandardScaler

from ._head import layers_with_head
from ._scoring import compressed_step, steps_before

# C type of each stored dtype; float16 is stored as its bits.
_C_TYPES = {
    "float64": "double",
    "float32": "float",
    "float16": "unsigned short",
    "int8": "signed char",
}
_SUFFIXES = {"float64": "f64", "float32": "f32", "float16": "f16", "int8": "i8"}

_HALF = """\
static float {p}_half(unsigned short h)
{{
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    float value;
    if (exponent == 0) {{
        value = ldexpf((float)mantissa, -24);
    }} else if (exponent == 31) {{
        value = mantissa ? NAN : INFINITY;
    }} else {{
        value = ldexpf((float)(mantissa + 1024), exponent - 25);
    }}
    return (h & 0x8000) ? -value : value;
}}
"""

_AFFINE = """\
/* out = in @ w (n_in x n_out, row-major){scaled} + b, accumulated in float. */
static void {p}_affine_{suffix}(const float *in, int n_in, float *out, int n_out,
    const {ctype} *w, const float *scales, const {btype} *b)
{{
    int i, j;
    for (j = 0; j < n_out; j++) {{
        out[j] = 0.0f;
    }}
    for (i = 0; i < n_in; i++) {{
        const float xi = in[i];
        const {ctype} *row = w + (long)i * n_out;
        for (j = 0; j < n_out; j++) {{
            out[j] += xi * {value};
        }}
    }}
    for (j = 0; j < n_out; j++) {{
        if (scales) {{
            out[j] *= scales[j];
        }}
        if (b) {{
            out[j] += (float)b[j];
        }}
    }}
}}
"""

_ACTIVATIONS = {
    "relu": "z[j] = z[j] > 0.0f ? z[j] : 0.0f;",
    "tanh": "z[j] = tanhf(z[j]);",
    "logistic": "z[j] = 1.0f / (1.0f + expf(-z[j]));",
    "exp": "z[j] = expf(z[j]);",
}

_SOFTMAX = """\
static void {p}_softmax(float *z, int n)
{{
    int j;
    float largest = z[0], total = 0.0f;
    for (j = 1; j < n; j++) {{
        if (z[j] > largest) {{
            largest = z[j];
        }}
    }}
    for (j = 0; j < n; j++) {{
        z[j] = expf(z[j] - largest);
        total += z[j];
    }}
    for (j = 0; j < n; j++) {{
        z[j] /= total;
    }}
}}
"""


def _literal(value, dtype):
    if dtype == "float64":
        return f"{value:.17e}"
    if dtype == "float32":
        return f"{value:.9e}f"
    return str(int(value))


class _CProgram:
    """The C file being written: arrays, helper functions, the forward pass."""

    def __init__(self, prefix, n_features):
        self.prefix = prefix
        self.arrays, self.helpers, self.steps = [], {}, []
        self.width = {"x": n_features}
        self.buffer_width = n_features
        self.count = 0

    def array(self, values, dtype):
        """A ``static const`` array of ``values`` in ``dtype``; its C name."""
        name = f"{self.prefix}_{len(self.arrays)}"
        values = np.asarray(values).ravel()
        if dtype == "float16":
            values = values.astype(np.float16).view(np.uint16)
        cells = [_literal(value, dtype) for value in values]
        lines = [", ".join(cells[i : i + 6]) for i in range(0, len(cells), 6)]
        body = ",\n    ".join(lines)
        self.arrays.append(
            f"static const {_C_TYPES[dtype]} {name}[{len(cells)}] = {{\n    {body}\n}};"
        )
        return name

    def affine(self, name, weights, bias, scales=None):
        """Apply one stored weight matrix (and its scales and bias) to ``name``."""
        dtype = weights.dtype.name
        bias_dtype = "float64" if dtype == "float64" else "float32"
        suffix = _SUFFIXES[dtype]
        if suffix not in self.helpers:
            if dtype == "float16":
                self.helpers["half"] = _HALF.format(p=self.prefix)
            value = {
                "float16": f"{self.prefix}_half(row[j])",
                "float32": "row[j]",
            }.get(dtype, "(float)row[j]")
            self.helpers[suffix] = _AFFINE.format(
                p=self.prefix,
                suffix=suffix,
                ctype=_C_TYPES[dtype],
                btype=_C_TYPES[bias_dtype],
                value=value,
                scaled=" * scales" if dtype == "int8" else "",
            )
        n_in, n_out = weights.shape
        w = self.array(weights, dtype)
        s = "0" if scales is None else self.array(scales, "float32")
        b = "0" if bias is None else self.array(bias, bias_dtype)
        output = "a" if name != "a" else "b"
        self.steps.append(
            f"{self.prefix}_affine_{suffix}({name}, {n_in}, {output}, {n_out}, "
            f"{w}, {s}, {b});"
        )
        self.width[output] = n_out
        self.buffer_width = max(self.buffer_width, n_out)
        return output

    def activation(self, name, function):
        """Apply the MLP activation ``function`` to ``name`` in place."""
        if function == "identity":
            return name
        if function == "softmax":
            self.helpers["softmax"] = _SOFTMAX.format(p=self.prefix)
        else:
            self.helpers[function] = (
                f"static void {self.prefix}_{function}(float *z, int n)\n{{\n"
                f"    int j;\n    for (j = 0; j < n; j++) {{\n"
                f"        {_ACTIVATIONS[function]}\n    }}\n}}\n"
            )
        self.steps.append(f"{self.prefix}_{function}({name}, {self.width[name]});")
        return name

    def standardize(self, mean, scale):
        """Start from ``(x - mean) / scale``, as a ``StandardScaler`` does."""
        mean = self.array(
            np.zeros(self.width["x"]) if mean is None else mean, "float32"
        )
        scale = self.array(
            np.ones(self.width["x"]) if scale is None else scale, "float32"
        )
        self.steps.append(
            f"for (j = 0; j < {self.width['x']}; j++) {{\n"
            f"        b[j] = (x[j] - {mean}[j]) / {scale}[j];\n    }}"
        )
        self.width["b"] = self.width["x"]
        return "b"

    def forward(self, output):
        """The function that runs every step and copies ``output`` out."""
        n = self.width[output]
        body = "\n    ".join(self.steps)
        return (
            f"static void {self.prefix}_forward(const float *x, float *out)\n{{\n"
            f"    float a[{self.buffer_width}], b[{self.buffer_width}];\n"
            f"    int j;\n    {body}\n"
            f"    for (j = 0; j < {n}; j++) {{\n        out[j] = {output}[j];\n    }}\n"
            "    (void)a;\n    (void)b;\n}\n"
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


def export_c(estimator, name="svdmlp"):
    """The text of one C99 file that predicts what ``estimator`` predicts.

    The weights are ``static const`` arrays in the model's stored format
    (see ``quantize``), the arithmetic is ``float``, nothing is allocated and
    only ``math.h`` is needed (link with ``-lm``). Functions, for inputs of
    ``n_features_in_`` floats:

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
        ``Pipeline``. A truncated model's head must be one its layers compute
        (``LogisticRegression``, a linear regressor or a multi-layer
        perceptron).
    name : str, default="svdmlp"
        Prefix of every name in the file: a C identifier.

    Returns
    -------
    source : str
        The C file.

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
    program = _CProgram(name, model.n_features_in_)
    output = "x"
    if scaler is not None:
        output = program.standardize(
            scaler.mean_ if scaler.with_mean else None,
            scaler.scale_ if scaler.with_std else None,
        )
    n_outputs = model.estimator_.coefs_[-1].shape[1]
    layers = layers_with_head(model.layers_, model.head_, "export_c", n_outputs)
    for layer in layers:
        output = layer.emit(program, output)
    n_outputs = program.width[output]
    header = (
        f"/* {name}: {type(model).__name__} written by sklearn-svdmlp.\n"
        f" * {model.n_features_in_} input features; {model.n_bytes_:,} bytes of "
        "stored arrays. C99, needs math.h (-lm). */\n#include <math.h>\n"
    )
    parts = [
        header,
        *program.arrays,
        *program.helpers.values(),
        program.forward(output),
    ]
    parts.append(_api(model, name, n_outputs))
    return "\n".join(parts)


def _api(model, name, n_outputs):
    """The public functions, for a classifier's or a regressor's outputs."""
    if not hasattr(model, "classes_"):
        return (
            f"void {name}_predict(const float *x, float *y)\n{{\n"
            f"    {name}_forward(x, y);\n}}\n"
        )
    if model._is_multilabel():
        return (
            f"void {name}_predict_proba(const float *x, float *proba)\n{{\n"
            f"    {name}_forward(x, proba);\n}}\n\n"
            f"void {name}_predict_labels(const float *x, int *labels)\n{{\n"
            f"    float proba[{n_outputs}];\n    int j;\n"
            f"    {name}_forward(x, proba);\n"
            f"    for (j = 0; j < {n_outputs}; j++) {{\n"
            "        labels[j] = proba[j] > 0.5f;\n    }\n}\n"
        )
    if n_outputs == 1:
        return (
            f"void {name}_predict_proba(const float *x, float *proba)\n{{\n"
            f"    {name}_forward(x, proba + 1);\n"
            "    proba[0] = 1.0f - proba[1];\n}\n\n"
            f"int {name}_predict(const float *x)\n{{\n"
            f"    float p;\n    {name}_forward(x, &p);\n    return p > 0.5f;\n}}\n"
        )
    return (
        f"void {name}_predict_proba(const float *x, float *proba)\n{{\n"
        f"    {name}_forward(x, proba);\n}}\n\n"
        f"int {name}_predict(const float *x)\n{{\n"
        f"    float proba[{n_outputs}];\n    int j, best = 0;\n"
        f"    {name}_forward(x, proba);\n"
        f"    for (j = 1; j < {n_outputs}; j++) {{\n"
        "        if (proba[j] > proba[best]) {\n            best = j;\n        }\n"
        "    }\n    return best;\n}\n"
    )
