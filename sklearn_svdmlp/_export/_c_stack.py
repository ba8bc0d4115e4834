"""The stack a model's public functions need at most, from measured frames.

A public function's stack is its buffers (sized by the model: work buffers
as wide as the widest step, logits, an int8 copy of the input) plus what
the code around them takes: saved registers, spills, and the runtime's and
the C library's calls beneath. That second part does not depend on the
model's sizes; it was measured once per core and optimization level
(``stack_frames.json``: GCC's ``-fstack-usage`` frames and call graph of a
probe model of each kind and the runtime, the C library's routines
painted on the emulated cores) and is kept as data. Regenerate it after
changing the runtime or the writers with
``python -m sklearn_svdmlp.device._stack_frames`` (needs
``arm-none-eabi-gcc`` and ``qemu-system-arm``); ``tests/test_c_figures.py``
fails when the runtime's frames no longer match it.
"""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "stack_frames.json"


@cache
def stack_data():
    """The kept measurements (see the module's docstring)."""
    return json.loads(DATA.read_text())


def buffers(integer, kind, widest, n_features, n_outputs):
    """Bytes of each buffer on the deepest path of each public function.

    By the function's name after the model's prefix; ``widest`` is the
    widest inner step, ``n_outputs`` the last step's width.

    Examples
    --------
    >>> from sklearn_svdmlp._export._c_stack import buffers
    >>> buffers(True, "multiclass", 100, 784, 10)["predict"]
    [784, 20, 200]
    """
    if not integer:
        outputs = [8 * widest]
        proba = 4 * (1 if kind == "binary" else n_outputs)
        if kind == "regression":
            return {"predict": outputs}
        chains = {"predict_proba": outputs}
        if kind == "multilabel":
            chains["predict_labels"] = [proba, *outputs]
        else:
            chains["predict"] = [proba, *outputs]
        return chains
    logits = [2 * widest]
    outputs = [n_features, 2 * n_outputs, *logits]
    if kind == "regression":
        return {"quantize_input": [], "predict_int8": logits, "predict": outputs}
    chains = {"quantize_input": [], "predict_proba": outputs}
    if kind == "multilabel":
        chains["predict_labels_int8"] = [2 * n_outputs, *logits]
        chains["predict_labels"] = [n_features, *chains["predict_labels_int8"]]
    else:
        chains["predict_int8"] = [2 * n_outputs, *logits]
        chains["predict"] = [n_features, *chains["predict_int8"]]
    return chains


def _rounded(sizes):
    """Buffers as a frame holds them: each aligned to 8 bytes."""
    return sum(-(-size // 8) * 8 for size in sizes)


def stack_bounds(integer, kind, widest, n_features, n_outputs):
    """Per public function, the largest stack over the measured cores and levels."""
    arithmetic = "integer" if integer else "float"
    chains = buffers(integer, kind, widest, n_features, n_outputs)
    bounds = dict.fromkeys(chains, 0)
    for levels in stack_data()["overhead"].values():
        for kinds in levels.values():
            overhead = kinds[arithmetic][kind]
            for function, sizes in chains.items():
                bound = overhead[function] + _rounded(sizes)
                bounds[function] = max(bounds[function], bound)
    return bounds


def stack_bound(c):
    """The largest stack any public function of the CModel ``c`` needs."""
    program = c.program
    if c.integer:
        n_features, n_outputs = program.network.n_features, program.steps[-1].n_out
    else:
        n_features, n_outputs = c.model.n_features_in_, program.steps[-1][-2]
    return max(
        stack_bounds(
            c.integer, c.spec.kind, program.widest, n_features, n_outputs
        ).values()
    )
