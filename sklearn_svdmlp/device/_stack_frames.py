"""Measure what a model's stack needs beside its buffers; write stack_frames.json.

Run after changing the runtime or the C writers (needs ``arm-none-eabi-gcc``
and ``qemu-system-arm``)::

    python -m sklearn_svdmlp.device._stack_frames

For each measured core (:data:`MEASURED_CORES`) and GCC level (-O1, -O2, -O3,
-Os), a probe model of each arithmetic (float, integer-only) and kind
(binary, multiclass, multilabel, regression) is compiled with
``-fstack-usage -fcallgraph-info=su``; each public function's deepest path
through the model's file and the runtime (indirect calls: to any function
whose address is taken) is its frames summed, the C library's routines
(``expf``, software floating point, ``memset``) counted at their deepest
painted on the emulated core (``firmware/library_stack.c``). Less the
probe's buffers, that is the part of the stack that does not depend on the
model's sizes: :mod:`sklearn_svdmlp._export._c_stack` adds the buffers of
the model being exported. ``tests/test_c_figures.py`` checks that the
runtime's frames (:func:`runtime_frames`) are still the kept ones.
"""

import json
import re
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from .._estimators import SVDCompressedMLPClassifier, SVDCompressedMLPRegressor
from .._export import c_runtime_dir
from .._export._c import _text, c_model
from .._export._c_stack import DATA, _rounded, buffers, program_buffers
from ._cores import CORES, FIRMWARE_DIR
from ._toolchain import compile_object, link, run

REGENERATE = "python -m sklearn_svdmlp.device._stack_frames"
# The cores the header's stack figure is measured on: ARMv6-M, ARMv7-M and
# ARMv7E-M with an FPU.
MEASURED_CORES = ("cortex-m0plus", "cortex-m3", "cortex-m4f")
LEVELS = ("-O1", "-O2", "-O3", "-Os")
KINDS = ("binary", "multiclass", "multilabel", "regression")

# The C library's routines by group, by name (any other: the deepest group).
_GROUPS = {
    "math": re.compile(r"^(exp|tanh|ldexp|log|sqrt)f?$"),
    "arithmetic": re.compile(r"^__(aeabi_(f|d|i2f|ui2f|l2f|ul2f|cf|cd)|\w+[sd]f\d?$)"),
    "wide": re.compile(r"^__aeabi_(lmul|llsl|llsr|lasr)$"),
    "division": re.compile(r"^__aeabi_u?[il]div"),
    "memory": re.compile(r"^(__aeabi_)?mem"),
}


def library_stack(core, directory):
    """The deepest stack each group of the C library's routines took, painted."""
    core = CORES[core]
    objects = [
        compile_object(FIRMWARE_DIR / source, core, "-O1", directory)
        for source in ("startup.c", "library_stack.c")
    ]
    elf = link(objects, core, Path(directory) / "library_stack.elf")
    lines = [line.split() for line in run(elf, core).splitlines() if line.strip()]
    return {line[0]: int(line[1]) for line in lines if line[0] in _GROUPS}


def _library_depth(function, library):
    groups = [group for group, name in _GROUPS.items() if name.match(function)]
    if not groups:
        print(f"{function}: not painted, counted as the deepest routine")
    return max(library[group] for group in groups or library)


def _probe(integer, kind):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 12))
    network = MLPClassifier((16, 8), max_iter=30, random_state=0)
    estimator = SVDCompressedMLPClassifier
    if kind == "regression":
        y = X[:, :2] @ [[1.0, 0.5], [2.0, -1.0]]
        network, estimator = (
            MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=30, random_state=0),
            (SVDCompressedMLPRegressor),
        )
    elif kind == "multilabel":
        y = (X[:, :3] > 0).astype(int)
    else:
        y = (X[:, 0] > 0).astype(int) + (kind == "multiclass") * (X[:, 1] > 0)
    model = estimator(network, rank=[4, None, None], quantize="int8")
    model.set_params(integer_only=integer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _compile(directory, source, core, level):
    """Frames, calls and address-taken functions of the model's file and the runtime."""
    (directory / "model.c").write_text(source)
    frames, calls, taken = {}, {}, set()
    for name, path in [("model", directory / "model.c"), ("svdmlp", None)]:
        path = path or c_runtime_dir() / "svdmlp.c"
        subprocess.run(
            ["arm-none-eabi-gcc", "-mthumb", *CORES[core].flags, level, "-std=c99"]
            + ["-ffunction-sections", "-fdata-sections", "-ffreestanding"]
            + ["-fstack-usage", "-fcallgraph-info=su", f"-I{c_runtime_dir()}"]
            + ["-c", str(path), "-o", f"{name}.o"],
            check=True,
            cwd=directory,
        )
        graph = (directory / f"{name}.ci").read_text()
        frames.update(call_graph_frames(graph))
        for source_name, target in re.findall(
            r'edge: \{ sourcename: "(?:[^"]*:)?([^":]+)" '
            r'targetname: "(?:[^"]*:)?([^":]+)"',
            graph,
        ):
            calls.setdefault(source_name, set()).add(target)
        relocations = subprocess.run(
            ["arm-none-eabi-objdump", "-r", f"{name}.o"],
            check=True,
            capture_output=True,
            text=True,
            cwd=directory,
        ).stdout
        taken |= set(re.findall(r"R_ARM_ABS32\s+(\w+)", relocations))
    return frames, calls, taken


def call_graph_frames(graph):
    """Each function's frame in GCC's ``-fcallgraph-info=su`` graph (bytes)."""
    frames = {}
    for title, size, kind in re.findall(
        r'node: \{ title: "(?:[^"]*:)?([^":]+)" label: "[^"]*\\n(\d+) bytes \((\w+)',
        graph,
    ):
        if kind != "static":
            raise RuntimeError(f"{title} has a {kind} stack frame: bound it first.")
        frames[title] = int(size)
    return frames


def _depth(function, frames, calls, taken, library, path=()):
    if function not in frames:  # the C library's
        return _library_depth(function, library)
    deepest = 0
    for callee in calls.get(function, ()):
        targets = taken if callee == "__indirect_call" else [callee]
        for target in targets:
            if target in frames and target not in path or target not in frames:
                deepest = max(
                    deepest,
                    _depth(target, frames, calls, taken, library, (*path, function)),
                )
    return frames[function] + deepest


def runtime_frames(core, level, directory):
    """``-fstack-usage`` frames of the runtime's functions."""
    frames, _, _ = _compile(directory, "", core, level)
    return dict(sorted(frames.items()))


def measure():
    probes = {
        (integer, kind): _probe(integer, kind)
        for integer in (False, True)
        for kind in KINDS
    }
    data = {
        "regenerate": REGENERATE,
        "compiler": subprocess.run(
            ["arm-none-eabi-gcc", "-dumpversion"], capture_output=True, text=True
        ).stdout.strip(),
        "runtime": {},
        "library": {},
        "overhead": {},
    }
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        for core in MEASURED_CORES:
            library = library_stack(core, directory)
            data["library"][core] = library
            data["runtime"][core], data["overhead"][core] = {}, {}
            for level in LEVELS:
                data["runtime"][core][level] = runtime_frames(core, level, directory)
                overhead = data["overhead"][core][level] = {"float": {}, "integer": {}}
                for (integer, kind), model in probes.items():
                    c = c_model(model, "probe")
                    frames, calls, taken = _compile(directory, _text(c), core, level)
                    sizes = program_buffers(c.program, integer)
                    chains = buffers(integer, kind, **sizes)
                    public = {f"probe_{function}" for function in chains}
                    if not public <= set(frames):
                        raise RuntimeError(f"not in the file: {public - set(frames)}")
                    overhead["integer" if integer else "float"][kind] = {
                        function: _depth(
                            f"probe_{function}", frames, calls, taken, library
                        )
                        - _rounded(sizes)
                        for function, sizes in sorted(chains.items())
                    }
    return data


def main():
    """Measure, and write the measurements over ``stack_frames.json``."""
    DATA.write_text(json.dumps(measure(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {DATA}")


if __name__ == "__main__":
    main()
