"""A model's header ``<name>.h``: what a firmware, in C or C++, needs to call it."""

import re

import numpy as np

from ._c_file import c_float

# One line on each public function, by its name after the model's prefix,
# and by kind where the same name does different things.
_COMMENTS = {
    "predict": "The index in {P}_LABELS of the class of the raw input x.",
    ("regression", "predict"): "Writes the {P}_N_OUTPUTS targets of the raw input x.",
    "predict_proba": "Writes the {P}_N_OUTPUTS probabilities of the raw input x.",
    "predict_labels": "Writes each of the {P}_N_OUTPUTS labels of x as 0 or 1.",
    "quantize_input": (
        "Writes the int8 input of the _int8 functions from the raw input x."
    ),
    "predict_int8": "The index in {P}_LABELS of the class of the int8 input x.",
    ("regression", "predict_int8"): (
        "Writes int16 outputs: target j is y[j] * {P}_OUTPUT_SCALE_<j>."
    ),
    "predict_labels_int8": "Writes each label of the int8 input x as 0 or 1.",
}

# What a _kept function's comment adds to its full-input twin's.
_KEPT = "\n * Only the {P}_N_KEPT inputs in {P}_KEPT_INPUTS, in that order."


def prototypes(source):
    """The public functions' prototypes in ``source``: its ``int``, ``void`` lines."""
    return [line for line in source.splitlines() if line.startswith(("int ", "void "))]


def _function_name(prototype, prefix):
    return re.search(rf"\b{prefix}_(\w+)\(", prototype).group(1)


def _c_string(label):
    """``label`` as a C string literal: printable ASCII as is, the rest escaped.

    ``*`` is escaped too, so that the literal can stand in a comment.
    """
    cells = []
    for byte in str(label).encode():
        character = chr(byte)
        if character in '"\\*' or not 32 <= byte < 127:
            cells.append(f"\\{byte:03o}")
        else:
            cells.append(character)
    return '"' + "".join(cells) + '"'


def _labels(c, upper):
    """The class labels: a comment and a ``static const`` array of them."""
    classes = c.spec.classes
    if classes is None:
        return ""
    classes = np.asarray(classes)
    if classes.dtype.kind in "biu":
        fits = np.array_equal(classes, classes.astype(np.int32))
        c_type = "int32_t" if fits else "int64_t"
        cells = [str(int(label)) for label in classes]
    elif classes.dtype.kind == "f":
        c_type, cells = "double", [repr(float(label)) for label in classes]
    else:
        c_type, cells = "char *const", [_c_string(label) for label in classes]
    what = "labels" if c.spec.kind == "multilabel" else "classes"
    listing = "".join(f"\n *   {index}: {cell}" for index, cell in enumerate(cells))
    return (
        f"/* The {what}, by index:{listing} */\n"
        f"#define {upper}_N_LABELS {len(cells)}\n"
        f"static const {c_type} {c.name}_labels[{len(cells)}] = "
        f"{{{', '.join(cells)}}};\n"
        f"#define {upper}_LABELS {c.name}_labels\n"
    )


def _output_scales(c, upper):
    """An integer-only regressor's output scales, one macro per target."""
    if not (c.integer and c.spec.kind == "regression"):
        return ""
    scales = c.model.network_.output_scales
    lines = "".join(
        f"#define {upper}_OUTPUT_SCALE_{j} {c_float(scale)}\n"
        for j, scale in enumerate(scales)
    )
    what = f"/* What one unit of each int16 output of {c.name}_predict_int8 is. */"
    return f"{what}\n{lines}"


def c_header(c):
    """The text of ``<name>.h`` for the :class:`~._c.CModel` ``c``."""
    upper, spec = c.name.upper(), c.spec
    functions = []
    for prototype in c.prototypes():
        function = _function_name(prototype, c.name)
        base = function.removesuffix("_kept")
        comment = _COMMENTS.get((spec.kind, base), _COMMENTS.get(base))
        if base != function:
            comment += _KEPT
        functions.append(f"/* {comment.format(P=upper)} */\n{prototype};\n")
    what = "probabilities" if spec.is_classifier else "targets"
    reads = " but the _kept ones reads" if "_kept(" in c.api else " reads"
    return (
        f"/* {c.name}.h: {type(c.model).__name__} written by sklearn-svdmlp.\n"
        f" * Compile {c.name}.c with the runtime svdmlp.c; nothing is allocated. */\n"
        f"#ifndef {upper}_H\n#define {upper}_H\n\n#include <stdint.h>\n\n"
        '#ifdef __cplusplus\nextern "C" {\n#endif\n\n'
        f"/* Floats of the raw input every float function{reads}. */\n"
        f"#define {upper}_N_FEATURES {c.model.n_features_in_}\n"
        f"/* {what.capitalize()} a prediction writes. */\n"
        f"#define {upper}_N_OUTPUTS {spec.n_targets}\n"
        "/* Bytes of the model's constant data (arrays, step table, a scaler's\n"
        " * arrays), besides the runtime's code: its flash. */\n"
        f"#define {upper}_FLASH_BYTES {c.flash_bytes}\n"
        "/* Bytes of stack any function below needs at most, the runtime's\n"
        " * calls included, on 32-bit Cortex-M built by GCC at -O1 and above. */\n"
        f"#define {upper}_STACK_BYTES {c.stack_bytes}\n\n"
        f"{c.macros}{_labels(c, upper)}{_output_scales(c, upper)}\n"
        + "\n".join(functions)
        + "\n#ifdef __cplusplus\n}\n#endif\n\n"
        f"#endif /* {upper}_H */\n"
    )
