"""ARM's CMSIS-NN on the shapes of an integer-only model's steps, for ``mcu.py``.

CMSIS-NN (``github.com/ARM-software/CMSIS-NN``, what TensorFlow Lite Micro
calls on Cortex-M) is built from a checkout the caller names (it needs
CMSIS-Core's headers too: ``cmsis_compiler.h``, from a CMSIS_6 or CMSIS_5
checkout, found beside it or named); nothing of it is copied here. One
prediction runs ``arm_fully_connected_s8`` (one multiplier for the tensor)
or ``arm_fully_connected_per_channel_s8`` (one per output) on each step of
the model, with the model's own int8 weights, biases and rescaling, on the
inputs the step reads (a first step that skips inputs: its kept inputs,
gathered first as the runtime does), then takes the argmax of the last
step's int8 outputs. Its labels are not ours (CMSIS-NN rounds otherwise and
writes int8 logits); its instructions are counted as ours are.
"""

from pathlib import Path

import numpy as np

_SOURCES = [
    "Source/FullyConnectedFunctions/arm_fully_connected_s8.c",
    "Source/FullyConnectedFunctions/arm_fully_connected_per_channel_s8.c",
    "Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c",
    "Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_per_ch_s8.c",
]
KINDS = ("per-tensor", "per-channel")


def core_headers(path, core_path=None):
    """The folder of CMSIS-Core's ``cmsis_compiler.h`` for a CMSIS-NN checkout."""
    candidates = [Path(core_path)] if core_path else []
    for root in [Path(path).parent, Path(path)]:
        candidates += sorted(root.glob("*/CMSIS/Core/Include"))
        candidates += sorted(root.glob("*/CMSIS/Core/Include/"))
    for folder in candidates:
        if (folder / "cmsis_compiler.h").exists():
            return folder
    raise SystemExit(
        "--cmsis-nn: no CMSIS-Core headers (cmsis_compiler.h) found beside "
        f"{path}; check out github.com/ARM-software/CMSIS_6 next to it"
    )


def _array(c_type, name, values):
    cells = ", ".join(str(int(v)) for v in np.ravel(values))
    return f"static const {c_type} {name}[{np.size(values)}] = {{{cells}}};\n"


def model_source(network, kind, path):
    """A C file predicting with CMSIS-NN's fully-connected kernel ``kind``."""
    steps = [step for layer in network.layers for step in layer.steps]
    widest = max(step.n_out for step in steps)
    # The firmware is built -ffreestanding, where GCC calls memcpy for
    # CMSIS-NN's 4-byte reads; a hosted build inlines them, as here.
    lines = ["#include <string.h>\n#define memcpy(d, s, n) __builtin_memcpy(d, s, n)\n"]
    lines += [f'#include "{Path(path) / s}"\n' for s in _SOURCES]
    calls, zero_point = [], network.input_zero_point
    for k, step in enumerate(steps):
        n_out, n_in = step.weights.shape
        # TensorFlow Lite's rescaling: multiplier * 2^shift / 2^31.
        shifts = 31 - step.shift.astype(np.int64)
        lines += [
            _array("int8_t", f"w{k}", step.weights),
            _array("int32_t", f"b{k}", step.bias),
            _array("int32_t", f"m{k}", step.multiplier),
            _array("int32_t", f"s{k}", shifts),
        ]
        low, high = max(step.low, -128), min(step.high, 127)
        if kind == "per-tensor":
            quant = f"cmsis_nn_per_tensor_quant_params q{k} = {{m{k}[0], s{k}[0]}};"
            function = "arm_fully_connected_s8"
        else:
            quant = f"cmsis_nn_per_channel_quant_params q{k} = {{(int32_t *)m{k}, "
            quant += f"(int32_t *)s{k}}};"
            function = "arm_fully_connected_per_channel_s8"
        source = "in" if k == 0 else f"buffer[{(k - 1) % 2}]"
        target = "last" if k == len(steps) - 1 else f"buffer[{k % 2}]"
        calls.append(
            f"    {{\n        {quant}\n"
            f"        const cmsis_nn_fc_params p = {{{-zero_point}, 0, "
            f"{step.zero_point}, {{{low}, {high}}}}};\n"
            f"        const cmsis_nn_dims i = {{1, 1, 1, {n_in}}}, "
            f"f = {{{n_in}, 1, 1, {n_out}}}, o = {{1, 1, 1, {n_out}}};\n"
            f"        {function}(&context, &p, &q{k}, &i, {source}, &f, w{k}, &o, "
            f"b{k}, &o, {target});\n    }}\n"
        )
        zero_point = step.zero_point
    first = steps[0]
    gather = ""
    if first.inputs is not None:
        runs = first.inputs.runs
        lines.append(_array("int32_t", "runs", runs))
        gather = (
            f"    int8_t kept[{first.weights.shape[1]}];\n"
            "    int r, k = 0, j;\n"
            f"    for (r = 0; r < {len(runs)}; r++) {{\n"
            "        for (j = 0; j < runs[2 * r + 1]; j++) {\n"
            "            kept[k++] = x[runs[2 * r] + j];\n        }\n    }\n"
            "    in = kept;\n"
        )
    n_last = steps[-1].n_out
    return (
        "".join(lines)
        + "int model_predict_int8(const int8_t *x);\n"
        + "int model_predict_int8(const int8_t *x)\n{\n"
        + f"    int8_t buffer[2][{widest}], last[{n_last}];\n"
        + "    const int8_t *in = x;\n"
        + "    const cmsis_nn_context context = {0, 0};\n"
        + "    int best = 0, j2;\n"
        + gather
        + "".join(calls)
        + f"    for (j2 = 1; j2 < {n_last}; j2++) {{\n"
        + "        best = last[j2] > last[best] ? j2 : best;\n    }\n"
        + "    return best;\n}\n"
    )


def instructions(network, rows, core, directory, path, core_path, optimize):
    """Instructions of one CMSIS-NN prediction per kind, on ``core``, mean of rows.

    Built into :func:`sklearn_svdmlp.device.emulate`'s firmware, on its
    board for ``core``, counted as ``emulate`` counts ours.
    """
    from sklearn_svdmlp.device._cores import CORES
    from sklearn_svdmlp.device._firmware import Entry, run_firmware

    include = (Path(path) / "Include", core_headers(path, core_path))
    entry = Entry(
        "int model_predict_int8(const int8_t *x);",
        "y[0] = model_predict_int8(x)",
        row_type="int8_t",
    )
    counts = {}
    for kind in KINDS:
        source = Path(directory) / f"cmsis_nn_{kind}.c"
        source.write_text(model_source(network, kind, path))
        run = run_firmware(
            [source],
            rows,
            entry,
            CORES[core],
            optimize,
            directory,
            include=include,
            strict=False,
            n_counted=len(rows),
        )
        counts[kind] = float(np.mean(run.instructions))
    return counts
