"""The stack a model's public functions need at most, from measured frames.

A public function's stack is its buffers (sized by the model: work buffers
as wide as the widest step, logits, the first step's sums) plus what
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
# The runtime's SVDMLP_INT8_CHUNK: inputs a float entry point quantizes at once.
_INT8_CHUNK = 32


@cache
def stack_data():
    """The kept measurements (see the module's docstring)."""
    return json.loads(DATA.read_text())


def buffers(integer, kind, widest, n_outputs, gathered=0, n_first=0):
    """Bytes of each buffer on the deepest path of each public function.

    By the function's name after the model's prefix; ``widest`` is the
    widest inner step, ``n_outputs`` the last step's width. An integer-only
    model's int8 entry points keep a work buffer of
    ``SVDMLP_INT8_WORK_BYTES(widest, gathered)`` (``gathered``: the inputs a
    first step that skips some reads); its float ones quantize the inputs
    ``SVDMLP_INT8_CHUNK`` (32) at a time into the first step's ``n_first``
    int32 sums, then run the rest in two buffers as wide as ``widest``.

    Examples
    --------
    >>> from sklearn_svdmlp._export._c_stack import buffers
    >>> buffers(True, "multiclass", 100, 10, n_first=21)["predict"]
    [20, 200, 32, 84]
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
    work = [widest + max(widest, gathered)]
    read = [2 * widest, _INT8_CHUNK, 4 * n_first]
    logits = 2 * n_outputs
    if kind == "regression":
        return {"quantize_input": [], "predict_int8": work, "predict": [logits, *read]}
    chains = {"quantize_input": [], "predict_proba": [logits, *read]}
    labels = "predict_labels" if kind == "multilabel" else "predict"
    chains[f"{labels}_int8"] = [logits, *work]
    chains[labels] = [logits, *read]
    return chains


def _rounded(sizes):
    """Buffers as a frame holds them: each aligned to 8 bytes."""
    return sum(-(-size // 8) * 8 for size in sizes)


def stack_bounds(integer, kind, widest, n_outputs, gathered=0, n_first=0):
    """Per public function, the largest stack over the measured cores and levels."""
    arithmetic = "integer" if integer else "float"
    chains = buffers(integer, kind, widest, n_outputs, gathered, n_first)
    bounds = dict.fromkeys(chains, 0)
    for levels in stack_data()["overhead"].values():
        for kinds in levels.values():
            overhead = kinds[arithmetic][kind]
            for function, sizes in chains.items():
                bound = overhead[function] + _rounded(sizes)
                bounds[function] = max(bounds[function], bound)
    return bounds


def program_buffers(program, integer):
    """``buffers``' sizes of a C program (float or integer-only), as keywords."""
    if not integer:
        return {"widest": program.widest, "n_outputs": program.steps[-1][-2]}
    return {
        "widest": program.widest,
        "n_outputs": program.steps[-1].n_out,
        "gathered": program.gathered,
        "n_first": program.steps[0].n_out,
    }


def stack_bound(c):
    """The largest stack any public function of the CModel ``c`` needs."""
    sizes = program_buffers(c.program, c.integer)
    return max(stack_bounds(c.integer, c.spec.kind, **sizes).values())
