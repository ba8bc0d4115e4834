"""One model's C in the shipped firmware, built, run and measured on one core.

The firmware is ``firmware/startup.c`` (vectors, reset, semihosting),
``firmware/harness.c`` (the ``main`` that predicts each row and prints the
outputs) and a ``rows.h`` written here: the rows, and how to call the
model's entry point on one of them (an :class:`Entry`).
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._cores import FIRMWARE_DIR
from ._toolchain import (
    compile_object,
    flash_and_ram,
    floating_point_used,
    instructions_between_marks,
    link,
    linked_bytes,
    run,
)


@dataclass(frozen=True)
class Entry:
    """How the harness calls a prediction function on a row ``x`` into ``y``.

    ``call`` is a C statement over ``x`` (a ``const row_type *``) and ``y``
    (an ``output_type[n_outputs]``); ``declaration`` declares what it calls.
    """

    declaration: str
    call: str
    row_type: str = "float"
    output_type: str = "int"
    n_outputs: int = 1


@dataclass
class FirmwareRun:
    """What a firmware printed and what it measured.

    ``outputs`` holds each row's outputs (float32 where the entry writes
    floats); ``instructions`` one count per counted row; ``parts`` the bytes
    of each source's object in the linked firmware and of the C library's
    routines they brought in (``"library"``), each as ``{kind: bytes}``
    (:func:`~._toolchain.linked_bytes`); ``floating_point`` the
    floating-point routines and FPU instructions linked.
    """

    outputs: np.ndarray
    stack: int
    parts: dict
    instructions: np.ndarray
    floating_point: list = field(default_factory=list)

    @property
    def flash(self):
        return sum(flash_and_ram(kinds)[0] for kinds in self.parts.values())

    @property
    def ram(self):
        return sum(flash_and_ram(kinds)[1] for kinds in self.parts.values())


def _parts(elf, baseline, sources):
    """Bytes of each source's object, and of the library routines they add."""
    linked = linked_bytes(elf)
    without = linked_bytes(baseline)
    parts = {
        Path(source).stem: linked.get(f"{Path(source).stem}.o", {})
        for source in sources
    }
    library = {}
    for origin, kinds in linked.items():
        if "(" in origin and origin not in without:
            for kind, size in kinds.items():
                library[kind] = library.get(kind, 0) + size
    parts["library"] = library
    return parts


def rows_header(rows, entry):
    """``rows.h``: the rows as a C array, the call, the types."""
    rows = np.asarray(rows)
    if entry.row_type == "float":
        cells = [[f"{value:.9e}f" for value in row] for row in rows.tolist()]
    else:
        cells = [[str(int(value)) for value in row] for row in rows.tolist()]
    body = ",\n".join("    {" + ", ".join(row) + "}" for row in cells)
    return (
        "/* Rows and entry point of one model, written by sklearn_svdmlp.device. */\n"
        "#include <stdint.h>\n"
        f"#define N_ROWS {rows.shape[0]}\n#define N_FEATURES {rows.shape[1]}\n"
        f"#define N_OUTPUTS {entry.n_outputs}\n"
        f"#define OUTPUT_IS_FLOAT {int(entry.output_type == 'float')}\n"
        f"typedef {entry.row_type} row_t;\ntypedef {entry.output_type} output_t;\n"
        f"{entry.declaration}\n#define PREDICT(x, y) {entry.call}\n"
        f"static const row_t rows[N_ROWS][N_FEATURES] = {{\n{body}\n}};\n"
    )


def _printed(output, entry):
    """The outputs the harness printed, and the stack line's figure."""
    lines = [line.split() for line in output.splitlines() if line.strip()]
    stack = [int(line[1]) for line in lines if line[0] == "stack"]
    values = np.array(
        [[int(cell) for cell in line] for line in lines if line[0] != "stack"],
        dtype=np.int64,
    ).reshape(-1, entry.n_outputs)
    if entry.output_type == "float":
        values = values.astype(np.int32).view(np.float32)
    return values, (stack[0] if stack else None)


def _chunks(rows, core):
    """The rows in runs small enough to sit in a quarter of the board's flash."""
    per_row = max(rows[0].nbytes, 1)
    size = max(1, core.flash_bytes // 4 // per_row)
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def run_firmware(
    sources,
    rows,
    entry,
    core,
    optimize,
    directory,
    *,
    include=(),
    strict=True,
    n_counted=3,
    timeout=300,
):
    """Build ``sources`` (C files) into the firmware, run it on QEMU, measure.

    The bytes are those of the sources' objects as linked, and of the C
    library's routines the firmware links beyond those of the same firmware
    built with ``-DBASELINE`` (no prediction). The stack is painted on the first
    row; instructions are counted on the first ``n_counted`` rows (none if
    0) in a firmware built for that. ``include``: folders of headers;
    ``strict``: warnings are errors (this package's C, not other libraries').
    """
    directory = Path(directory)
    rows = np.ascontiguousarray(rows)
    objects = [
        compile_object(
            source,
            core,
            optimize,
            directory,
            include=include,
            strict=strict,
            once=directory not in Path(source).parents,
        )
        for source in [FIRMWARE_DIR / "startup.c", *sources]
    ]

    def harness(*defines):
        return compile_object(
            FIRMWARE_DIR / "harness.c", core, optimize, directory, defines
        )

    def firmware(harness_object, name):
        return link([*objects, harness_object], core, directory / name)

    outputs = []
    for number, chunk in enumerate(_chunks(rows, core)):
        (directory / "rows.h").write_text(rows_header(chunk, entry))
        elf = firmware(harness(), "firmware.elf")
        values, stack = _printed(run(elf, core, timeout), entry)
        outputs.append(values)
        if number == 0:
            first_stack = stack
            floating_point = floating_point_used(elf)
            parts = _parts(elf, firmware(harness("BASELINE"), "baseline.elf"), sources)
            counted = min(n_counted, len(chunk))
            instructions = np.array([], dtype=np.int64)
            if counted:
                elf = firmware(harness(f"COUNTED_ROWS={counted}"), "counted.elf")
                instructions = instructions_between_marks(elf, core, directory, timeout)
    if first_stack < 0:
        raise ValueError(
            "one prediction overflowed the stack the firmware could paint on "
            f"the {core.board} board (its RAM less the static data)"
        )
    return FirmwareRun(
        outputs=np.concatenate(outputs),
        stack=first_stack,
        parts=parts,
        instructions=instructions,
        floating_point=floating_point,
    )
