"""The step table of a float model: each layer adds its steps through ``emit``."""

import numpy as np

from .._formats import float_format

ACTIVATIONS = {
    "identity": "SVDMLP_IDENTITY",
    "relu": "SVDMLP_RELU",
    "tanh": "SVDMLP_TANH",
    "logistic": "SVDMLP_LOGISTIC",
    "softmax": "SVDMLP_SOFTMAX",
    "exp": "SVDMLP_EXP",
}

# Bytes of one svdmlp_step (seven pointers, four ints) and of the model on a
# 32-bit core.
_STEP_BYTES, _MODEL_BYTES = 44, 16


class FloatProgram:
    """The steps of a float model, for the runtime's ``svdmlp_forward``.

    Parameters
    ----------
    file : CFile
        Where the arrays go.
    """

    def __init__(self, file):
        self.file = file
        self.kernels, self.steps = {}, []
        self.standardize = ("0", "0")
        # Step tables written: a second one for the _kept entry points.
        self.n_tables = 1

    def standardize_input(self, mean, scale):
        """Start from ``(x - mean) / scale``, as a ``StandardScaler`` does."""
        self.standardize = (
            "0" if mean is None else self.file.floats(mean),
            "0" if scale is None else self.file.floats(scale),
        )

    def affine(self, name, step):
        """Add one :class:`~sklearn_svdmlp._network.AffineStep`; ``name`` is unused."""
        format = step.format
        if format.c_kernel_source is not None:
            self.kernels[format.c_kernel] = format.c_kernel_source
        n_in, n_out = format.shape(step.values, step.scales)
        weights = self.file.stored(format, step.values)
        runs, n_runs = "0", 0
        if step.inputs is not None:
            runs = self.file.integers(step.inputs.runs, "int32_t")
            n_runs = len(step.inputs.runs)
        scales = "0" if step.scales is None else self.file.floats(step.scales)
        bias = "0"
        if step.bias is not None:
            # In the type the format's kernel reads its biases as.
            values = np.asarray(step.bias, dtype=format.bias_dtype)
            bias = self.file.stored(float_format(values.dtype), values)
        mean, scale = self.standardize if not self.steps else ("0", "0")
        self.steps.append(
            [format.c_kernel, weights, scales, bias, mean, scale, runs, n_runs]
            + [n_in, n_out, ACTIVATIONS["identity"]]
        )
        return len(self.steps) - 1

    def activation(self, name, function):
        """The MLP activation ``function``, applied by the last step added."""
        self.steps[-1][-1] = ACTIVATIONS[function]
        return name

    @property
    def widest(self):
        """The widest output of a step but the last (at least 1)."""
        return max([1, *(step[-2] for step in self.steps[:-1])])

    @property
    def table_bytes(self):
        """Bytes of the step tables and models on a 32-bit core."""
        return (_STEP_BYTES * len(self.steps) + _MODEL_BYTES) * self.n_tables

    @property
    def stack_bytes(self):
        """Bytes of work buffer one prediction keeps on the stack."""
        return 4 * 2 * self.widest

    def source(self, n_inputs, n_outputs):
        """The kernels the runtime lacks, the step table, and ``<name>_outputs``."""
        return "\n".join(
            [*self.kernels.values(), self.table("", self.steps, n_inputs, n_outputs)]
        )

    def table(self, suffix, steps, n_inputs, n_outputs):
        """The step table ``steps``, its model and ``<name>_outputs<suffix>``."""
        p, name = self.file.prefix, self.file.prefix + suffix
        rows = ",\n    ".join(
            "{" + ", ".join(str(cell) for cell in step) + "}" for step in steps
        )
        return (
            f"static const svdmlp_step {name}_steps[{len(steps)}] = {{\n"
            f"    {rows}\n}};\n\n"
            f"static const svdmlp_model {name}_network = "
            f"{{{name}_steps, {len(steps)}, {n_inputs}, {n_outputs}}};\n\n"
            f"static void {p}_outputs{suffix}(const float *x, float *out)\n{{\n"
            f"    float work[SVDMLP_WORK_FLOATS({self.widest})];\n"
            f"    svdmlp_forward(&{name}_network, x, out, work);\n}}\n"
        )
