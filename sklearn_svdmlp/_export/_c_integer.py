"""The integer step table of an integer-only model, and its integer entry points."""

import numpy as np

from ._c_file import c_float
from ._int8_layout import block_cells, rest_rows

# Bytes of one svdmlp_int8_step (eight pointers, six ints) and of the model
# on a 32-bit core.
_STEP_BYTES, _MODEL_BYTES = 56, 16

_ACTIVATIONS = {
    "identity": "SVDMLP_IDENTITY",
    "logistic": "SVDMLP_LOGISTIC",
    "softmax": "SVDMLP_SOFTMAX",
    "exp": "SVDMLP_EXP",
}


class IntegerProgram:
    """The integer steps of an :class:`~sklearn_svdmlp._network.IntegerNetwork`.

    Parameters
    ----------
    file : CFile
        Where the arrays go.
    network : IntegerNetwork
    scaler : StandardScaler or None
        A scaler before the model: folded into the input quantization.
    """

    def __init__(self, file, network, scaler=None):
        self.file, self.network, self.scaler = file, network, scaler
        self.steps = [step for layer in network.layers for step in layer.steps]
        self.scales = None  # the output scales' array, once written

    @property
    def widest(self):
        """The widest int8 output of a step but the last (at least 1)."""
        return max([1, *(step.n_out for step in self.steps[:-1])])

    @property
    def table_bytes(self):
        """Bytes of the step table and the model on a 32-bit core."""
        return _STEP_BYTES * len(self.steps) + _MODEL_BYTES

    @property
    def gathered(self):
        """Inputs ``<name>_predict_int8`` copies into its work buffer (or 0)."""
        first = self.steps[0]
        return 0 if first.inputs is None else first.weights.shape[1]

    @property
    def stack_bytes(self):
        """Bytes ``<name>_predict_int8`` keeps on the stack: work, then logits."""
        work = self.widest + max(self.widest, self.gathered)
        return work + 2 * self.steps[-1].n_out

    def _step(self, step):
        """One row of the step table, its arrays written."""
        f = self.file
        blocks = block_cells(step.weights, step.bits)
        cells = [
            f.array("uint32_t", blocks, 4 * len(blocks)),
            f.integers(rest_rows(step.weights, step.bits), "int8_t"),
            f.integers(step.bias, "int32_t"),
            f.integers(step.multiplier, "int32_t"),
            f.integers(step.shift, "int8_t"),
            "0" if step.table is None else f.integers(step.table, "int8_t"),
            "0" if step.inputs is None else f.integers(step.inputs.runs, "int32_t"),
            0 if step.inputs is None else len(step.inputs.runs),
            step.weights.shape[1],
            step.n_out,
            step.zero_point,
            step.low,
            step.high,
            f"svdmlp_int8_sums{step.bits}",
        ]
        return "{" + ", ".join(str(cell) for cell in cells) + "}"

    def _quantize_input(self):
        """``<name>_quantize_input``: the input as int8, the scaler folded in.

        And ``<name>_read_logits``, the float entry points' way in: the
        inputs the first step reads quantized ``SVDMLP_INT8_CHUNK`` at a time
        (each once), each chunk's share of its sums added up, no buffer as
        wide as the input.
        """
        p, network = self.file.prefix, self.network
        n_first = self.steps[0].n_out
        return (
            self.quantizer("", self.input_value()) + "\n"
            f"void {p}_quantize_input(const float *x, int8_t *xq)\n{{\n"
            "    int i;\n"
            f"    for (i = 0; i < {network.n_features}; i++) {{\n"
            f"        xq[i] = {p}_quantized(x, i);\n    }}\n}}\n\n"
            f"static void {p}_read_logits(const float *x, int16_t *logits)\n{{\n"
            f"    int8_t work[SVDMLP_INT8_WORK_BYTES({self.widest}, 0)];\n"
            "    int8_t chunk[SVDMLP_INT8_CHUNK];\n"
            f"    uint32_t acc[{n_first}];\n"
            f"    const svdmlp_int8_step *first = &{p}_steps[0];\n"
            "    const int n_runs = first->runs ? first->n_runs : 1;\n"
            "    int r, i, k = 0, from = 0;\n"
            f"    for (i = 0; i < {n_first}; i++) {{\n        acc[i] = 0;\n    }}\n"
            "    for (r = 0; r < n_runs; r++) {\n"
            "        const int start = first->runs ? first->runs[2 * r] : 0;\n"
            "        const int stop = start + (first->runs ? first->runs[2 * r + 1]"
            " : first->n_in);\n"
            "        for (i = start; i < stop; i++) {\n"
            f"            chunk[k++] = {p}_quantized(x, i);\n"
            "            if (k == SVDMLP_INT8_CHUNK) {\n"
            "                svdmlp_int8_accumulate(first, chunk, from, k, acc);\n"
            "                from += k;\n                k = 0;\n"
            "            }\n        }\n    }\n"
            "    if (k > 0) {\n"
            "        svdmlp_int8_accumulate(first, chunk, from, k, acc);\n    }\n"
            f"    svdmlp_int8_forward_sums(&{p}_network, acc, logits, work);\n}}\n"
        )

    def input_value(self, kept=None):
        """C for input ``i`` of ``x`` in the int8 input's units, a scaler folded in.

        ``kept``: ``x`` holds only those inputs, in order.
        """
        network = self.network
        if self.scaler is None:
            return f"x[i] * {c_float(network.input_inverse_scale)}"
        n = network.n_features
        mean = self.scaler.mean_ if self.scaler.with_mean else [0.0] * n
        scale = self.scaler.scale_ if self.scaler.with_std else [1.0] * n
        if kept is not None:
            mean, scale = np.asarray(mean)[kept], np.asarray(scale)[kept]
        means = self.file.floats(mean)
        factors = self.file.floats([1.0 / (network.input_scale * s) for s in scale])
        return f"(x[i] - {means}[i]) * {factors}[i]"

    def quantizer(self, suffix, value):
        """``<name>_quantized<suffix>(x, i)``: ``value`` rounded to int8."""
        p = self.file.prefix
        return (
            f"static int8_t {p}_quantized{suffix}(const float *x, int i)\n{{\n"
            f"    float v = {value};\n"
            "    int q;\n"
            "    v = v != v ? 0.0f : v;  /* NaN */\n"
            "    v = v < -256.0f ? -256.0f : v > 256.0f ? 256.0f : v;\n"
            "    q = v >= 0.0f ? (int)(v + 0.5f) : -(int)(0.5f - v);\n"
            f"    q += {p.upper()}_INPUT_ZERO_POINT;\n"
            "    return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);\n}\n"
        )

    def outputs(self, suffix=""):
        """``<name>_outputs<suffix>``: ``<name>_read_logits<suffix>``, in float."""
        p, n_out = self.file.prefix, self.steps[-1].n_out
        if self.scales is None:
            self.scales = self.file.floats(self.network.output_scales)
        scales = self.scales
        activation = _ACTIVATIONS[self.network.output_activation]
        return (
            f"static void {p}_outputs{suffix}(const float *x, float *out)\n{{\n"
            f"    int16_t logits[{n_out}];\n    int j;\n"
            f"    {p}_read_logits{suffix}(x, logits);\n"
            f"    for (j = 0; j < {n_out}; j++) {{\n"
            f"        out[j] = (float)logits[j] * {scales}[j];\n    }}\n"
            f"    svdmlp_activate(out, {n_out}, {activation});\n}}\n"
        )

    def macros(self):
        """``<NAME>_INPUT_SCALE`` and ``<NAME>_INPUT_ZERO_POINT``, and what they are."""
        p, network = self.file.prefix.upper(), self.network
        what = "raw input"
        if self.scaler is not None:
            what = "input standardized by the scaler folded in"
        return (
            f"/* The int8 input: v = {p}_INPUT_SCALE * (xq - {p}_INPUT_ZERO_POINT),\n"
            f" * v the {what}. */\n"
            f"#define {p}_INPUT_SCALE {c_float(network.input_scale)}\n"
            f"#define {p}_INPUT_ZERO_POINT {network.input_zero_point}\n"
        )

    def source(self):
        """Step table, ``<name>_quantize_input``, the logits and outputs."""
        p, network = self.file.prefix, self.network
        n_out = self.steps[-1].n_out
        rows = ",\n    ".join(self._step(step) for step in self.steps)
        outputs = self.outputs()  # its scales before the input's arrays
        return "\n".join(
            [
                f"static const svdmlp_int8_step {p}_steps[{len(self.steps)}] = {{\n"
                f"    {rows}\n}};\n\n"
                f"static const svdmlp_int8_model {p}_network = {{{p}_steps, "
                f"{len(self.steps)}, {network.n_features}, {n_out}}};\n",
                self._quantize_input(),
                f"static void {p}_logits(const int8_t *x, int16_t *logits)\n{{\n"
                f"    int8_t work[SVDMLP_INT8_WORK_BYTES({self.widest}, "
                f"{self.gathered})];\n"
                f"    svdmlp_int8_forward(&{p}_network, x, logits, work);\n}}\n",
                # The float entry points: quantize, integers, then float.
                outputs,
            ]
        )


def integer_api(spec, name, n_outputs):
    """The integer entry points, and the float ones that go through them.

    A classifier's labels are decided on the integer logits, as ``predict``
    decides them; probabilities and a regressor's targets come from
    ``<name>_outputs`` (dequantized logits, the output activation in float).
    """
    # The int8 entry points read x as it is; the float ones quantize each
    # input the first step reads once (<name>_read_logits).
    logits = f"    int16_t logits[{n_outputs}];\n"
    int8_logits = f"{logits}    {name}_logits(x, logits);\n"
    float_logits = f"{logits}    {name}_read_logits(x, logits);\n"
    if spec.kind == "regression":
        return (
            f"void {name}_predict_int8(const int8_t *x, int16_t *y)\n{{\n"
            f"    {name}_logits(x, y);\n}}\n\n"
            f"void {name}_predict(const float *x, float *y)\n{{\n"
            f"    {name}_outputs(x, y);\n}}\n"
        )
    if spec.kind == "multilabel":
        decide = (
            f"    for (j = 0; j < {n_outputs}; j++) {{\n"
            "        labels[j] = logits[j] > 0;\n    }\n"
        )
        return (
            f"void {name}_predict_labels_int8(const int8_t *x, int *labels)\n{{\n"
            f"{int8_logits}    int j;\n{decide}}}\n\n"
            f"void {name}_predict_proba(const float *x, float *proba)\n{{\n"
            f"    {name}_outputs(x, proba);\n}}\n\n"
            f"void {name}_predict_labels(const float *x, int *labels)\n{{\n"
            f"{float_logits}    int j;\n{decide}}}\n"
        )
    if spec.kind == "binary":
        decide = "    return logits[0] > 0;\n"
        proba = f"    {name}_outputs(x, proba + 1);\n    proba[0] = 1.0f - proba[1];\n"
    else:
        decide = f"    return svdmlp_int16_argmax(logits, {n_outputs});\n"
        proba = f"    {name}_outputs(x, proba);\n"
    return (
        f"int {name}_predict_int8(const int8_t *x)\n{{\n{int8_logits}{decide}}}\n\n"
        f"void {name}_predict_proba(const float *x, float *proba)\n{{\n{proba}}}\n\n"
        f"int {name}_predict(const float *x)\n{{\n{float_logits}{decide}}}\n"
    )
