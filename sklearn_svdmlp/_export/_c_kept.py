"""The compact entry points of a model that reads only some of its inputs.

Beside each public function ``<name>_f`` that takes the whole input, a
model fitted with ``keep_inputs`` gets ``<name>_f_kept``, which takes only
the inputs kept, in order (``<NAME>_N_KEPT`` of them, ``<NAME>_KEPT_INPUTS``
says which): a device reads only those sensors. A float model walks a
second step table whose first step reads its input as it comes (counted in
``<NAME>_FLASH_BYTES``); an integer-only one adds
the first step's sums chunk by chunk from the kept inputs, as its float
entry points do from the whole input, with no second table.
"""

import re

import numpy as np

from .._estimators import reads_kept_inputs
from .._network import IntegerNetwork


def kept_inputs(model):
    """The indices of the inputs a model fitted with ``keep_inputs`` reads, or ``None``.

    A model that only skips constant inputs (``keep_inputs=None``) has no
    ``_kept`` entry points.
    """
    if not reads_kept_inputs(model):
        return None
    network = model.network_
    if isinstance(network, IntegerNetwork):
        selection = network.layers[0].steps[0].inputs
    else:
        selection = network.layers[0].affine_steps()[0].inputs
    return None if selection is None else selection.indices


def kept_macros(prefix, kept):
    """``<NAME>_N_KEPT`` and ``<NAME>_KEPT_INPUTS``, with what they are."""
    upper = prefix.upper()
    cells = [str(int(i)) for i in kept]
    cells = ", \\\n    ".join(
        ", ".join(cells[i : i + 16]) for i in range(0, len(cells), 16)
    )
    return (
        f"/* The inputs the model reads, of the {upper}_N_FEATURES: the _kept\n"
        " * functions take only these, in this order (an initializer list). */\n"
        f"#define {upper}_N_KEPT {len(kept)}\n"
        f"#define {upper}_KEPT_INPUTS {{{cells}}}\n"
    )


def kept_api(api, prefix, internal):
    """``api``'s public functions again, ``_kept``, calling the ``_kept`` internals.

    ``internal``: the names (after the prefix) of the model's own functions
    the public ones call, each of which has a ``_kept`` twin.
    """
    names = [*internal, *re.findall(rf"^\w+ \**{prefix}_(\w+)\(", api, re.M)]
    pattern = rf"\b{prefix}_({'|'.join(map(re.escape, names))})\("
    return re.sub(pattern, lambda m: f"{prefix}_{m.group(1)}_kept(", api)


def float_kept_source(program, kept, scaler):
    """``<name>_outputs_kept``: the step table again, its first step reading x."""
    first = list(program.steps[0])
    mean, scale = "0", "0"
    if scaler is not None and scaler.with_mean:
        mean = program.file.floats(np.asarray(scaler.mean_)[kept])
    if scaler is not None and scaler.with_std:
        scale = program.file.floats(np.asarray(scaler.scale_)[kept])
    first[4:8] = [mean, scale, "0", 0]
    program.n_tables += 1
    steps = [first, *program.steps[1:]]
    return program.table("_kept", steps, len(kept), steps[-1][-2])


def integer_kept_source(program, kept, scaler):
    """The integer-only model's ``_kept`` internals.

    ``<name>_quantized_kept`` (kept input ``k`` as int8), the public
    ``<name>_quantize_input_kept``, ``<name>_logits_kept`` (int8 kept inputs)
    and ``<name>_read_logits_kept`` (float ones), then ``<name>_outputs_kept``.
    """
    p = program.file.prefix
    n_kept, n_first = len(kept), program.steps[0].n_out

    def sums(fill):
        """The first step's sums from the kept inputs, then the rest: logits."""
        return (
            f"    int8_t work[SVDMLP_INT8_WORK_BYTES({program.widest}, 0)];\n"
            f"    uint32_t acc[{n_first}];\n"
            "    int k, from;\n"
            f"    for (k = 0; k < {n_first}; k++) {{\n        acc[k] = 0;\n    }}\n"
            f"    for (from = 0; from < {n_kept}; from += SVDMLP_INT8_CHUNK) {{\n"
            f"        const int n = {n_kept} - from < SVDMLP_INT8_CHUNK ? "
            f"{n_kept} - from : SVDMLP_INT8_CHUNK;\n"
            f"{fill}"
            f"        svdmlp_int8_accumulate(&{p}_steps[0], chunk, from, n, acc);\n"
            "    }\n"
            f"    svdmlp_int8_forward_sums(&{p}_network, acc, logits, work);\n"
        )

    quantize = (
        "        int8_t chunk[SVDMLP_INT8_CHUNK];\n"
        "        for (k = 0; k < n; k++) {\n"
        f"            chunk[k] = {p}_quantized_kept(x, from + k);\n        }}\n"
    )
    return "\n".join(
        [
            program.quantizer("_kept", program.input_value(kept)),
            f"void {p}_quantize_input_kept(const float *x, int8_t *xq)\n{{\n"
            "    int k;\n"
            f"    for (k = 0; k < {n_kept}; k++) {{\n"
            f"        xq[k] = {p}_quantized_kept(x, k);\n    }}\n}}\n",
            f"static void {p}_logits_kept(const int8_t *x, int16_t *logits)\n{{\n"
            + sums("        const int8_t *chunk = x + from;\n")
            + "}\n",
            f"static void {p}_read_logits_kept(const float *x, int16_t *logits)\n{{\n"
            + sums(quantize)
            + "}\n",
            program.outputs("_kept"),
        ]
    )
