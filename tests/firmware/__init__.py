"""Bare-metal firmware around an exported model, on QEMU's emulated Cortex-M cores.

Used by ``tests/test_mcu.py`` (labels on every core, no floating point in an
integer-only firmware) and ``benchmarks/mcu.py`` (instructions, stack,
flash). The tools are Debian's ``gcc-arm-none-eabi``,
``libnewlib-arm-none-eabi`` and ``qemu-system-arm``.
"""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from sklearn_svdmlp import c_runtime_dir

HERE = Path(__file__).parent
PACKAGES = "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
TOOLS = ("arm-none-eabi-gcc", "arm-none-eabi-nm", "qemu-system-arm")

# Compiler flags and QEMU board of each core. Code for the Cortex-M0+
# (ARMv6-M, no FPU) runs on the M3 board, whose instruction set contains it.
CORES = {
    "cortex-m0plus": (["-mcpu=cortex-m0plus", "-mfloat-abi=soft"], "mps2-an385"),
    "cortex-m3": (["-mcpu=cortex-m3", "-mfloat-abi=soft"], "mps2-an385"),
    "cortex-m4f": (
        ["-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
        "mps2-an386",
    ),
}

# Symbols of software floating point (libgcc's and the C library's).
FLOAT_SYMBOL = re.compile(
    r"^(__aeabi_[fd]|__(add|sub|mul|div|neg|cmp|eq|ne|lt|le|gt|ge|unord)[sd]f"
    r"|__(fix|fixuns|float|floatun|extend|trunc)\w*[sd]f|(exp|tanh|ldexp|log)f?$)"
)
# Instructions of the FPU (and its registers' loads, stores and moves).
FLOAT_INSTRUCTION = re.compile(
    r"\sv(add|sub|mul|div|fma|fms|fnm\w*|mla|mls|nmul|neg|abs|sqrt|cvt\w*|mov"
    r"|ldr|str|ldm\w*|stm\w*|push|pop|cmp\w*|mrs|msr)\b"
)


def missing_tools():
    """The tools not on this machine."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _c_rows(rows, c_type):
    """The rows as a C array of ``c_type``, every value exact."""
    if c_type == "float":
        cell = "{:.9e}f".format
    else:
        cell = lambda value: str(int(value))  # noqa: E731
    lines = ",\n".join("    {" + ", ".join(map(cell, row)) + "}" for row in rows)
    shape = f"[{len(rows)}][{len(rows[0])}]"
    return f"static const {c_type} rows{shape} = {{\n{lines}\n}};\n"


def harness(name, rows, entry, n_outputs=1, paint=False):
    """A ``main`` that predicts each row with ``entry`` and prints the results.

    Parameters
    ----------
    name : str
        The model's prefix in its C file.
    rows : ndarray of shape (n_rows, n_features)
        int8 rows for an integer entry point, else float32.
    entry : {"label", "labels", "values", "emlearn"}
        ``label``: ``int <name>_predict[_int8](x)``; ``labels``: a
        multilabel ``<name>_predict_labels[_int8](x, labels)``; ``values``:
        an integer regressor's ``<name>_predict_int8(x, y)``, int16 values;
        ``emlearn``: emlearn's ``<name>_predict(x, n_features)``.
    n_outputs : int, default=1
        Labels or values per row.
    paint : bool, default=False
        Also print the stack one prediction used (the bytes below the
        caller's frame it wrote).

    Returns
    -------
    source : str
    """
    integer = np.asarray(rows).dtype == np.int8
    c_type = "int8_t" if integer else "float"
    suffix = "_int8" if integer else ""
    declarations = {
        "label": f"int {name}_predict{suffix}(const {c_type} *x);",
        "labels": f"void {name}_predict_labels{suffix}(const {c_type} *x, int *y);",
        "values": f"void {name}_predict_int8(const int8_t *x, int16_t *y);",
        "emlearn": f"int32_t {name}_predict(const float *x, int32_t n_features);",
    }
    calls = {
        "label": f"y[0] = {name}_predict{suffix}(rows[r]);",
        "labels": f"{name}_predict_labels{suffix}(rows[r], y);",
        "values": f"{name}_predict_int8(rows[r], y);",
        "emlearn": f"y[0] = (int){name}_predict(rows[r], {np.shape(rows)[1]});",
    }
    output_type = "int16_t" if entry == "values" else "int"
    painting = ""
    if paint:
        painting = (
            "static long used_stack(void)\n{\n"
            "    uint32_t *sp, *p;\n"
            '    __asm__ volatile("mov %0, sp" : "=r"(sp));\n'
            "    for (p = sp - 2048; p < sp - 16; p++) {\n"
            "        *p = 0xA5A5A5A5u;\n    }\n"
            f"    {{ {output_type} y[{n_outputs}]; const int r = 0; "
            f"{calls[entry]} (void)y; }}\n"
            "    for (p = sp - 2048; p < sp - 16 && *p == 0xA5A5A5A5u; p++) {\n"
            "    }\n"
            "    return (long)((sp - p) * 4);\n}\n\n"
        )
    return (
        "#include <stdint.h>\n"
        "void put(const char *text);\nvoid put_int(long value);\n"
        "void mark(void);\nint main(void);\n"
        f"{declarations[entry]}\n\n{_c_rows(rows, c_type)}\n{painting}"
        "int main(void)\n{\n"
        f"    {output_type} y[{n_outputs}];\n    int r, j;\n"
        "    mark();\n    mark();\n"
        f"    for (r = 0; r < {len(rows)}; r++) {{\n"
        f"        mark();\n        {calls[entry]}\n        mark();\n"
        f"        for (j = 0; j < {n_outputs}; j++) {{\n"
        '            put_int(y[j]);\n            put(" ");\n        }\n'
        '        put("\\n");\n    }\n'
        + (
            '    put("stack ");\n    put_int(used_stack());\n    put("\\n");\n'
            if paint
            else ""
        )
        + "    return 0;\n}\n"
    )


def build(directory, model_source, main_source, core, optimize="-O2", include=()):
    """Compile the model, the runtime and ``main_source`` for ``core``; the ELF.

    Unused functions are dropped (``-ffunction-sections``,
    ``--gc-sections``), as a firmware would link them. ``include`` adds
    folders of headers (emlearn's).
    """
    directory = Path(directory)
    flags, _ = CORES[core]
    runtime = c_runtime_dir()
    flags = [*flags, *(f"-I{folder}" for folder in include)]
    # Strict for this package's C; other libraries' headers as they are.
    strict = [] if include else ["-Wall", "-Wextra", "-Werror"]
    (directory / "model.c").write_text(model_source)
    (directory / "main.c").write_text(main_source)
    elf = directory / f"firmware-{core}.elf"
    subprocess.run(
        ["arm-none-eabi-gcc", "-mthumb", *flags, optimize, "-std=c99"]
        + [*strict, "-ffunction-sections", "-fdata-sections"]
        + ["-ffreestanding", "-nostartfiles", "--specs=nano.specs", f"-I{runtime}"]
        + ["-T", str(HERE / "mps2.ld"), "-Wl,--gc-sections"]
        + [str(HERE / "startup.c"), str(directory / "main.c")]
        + [str(directory / "model.c"), str(runtime / "svdmlp.c")]
        + ["-o", str(elf), "-lm", "-lc", "-lgcc"],
        check=True,
        capture_output=True,
        text=True,
    )
    return elf


def _qemu(elf, core, extra=()):
    _, board = CORES[core]
    return [
        "qemu-system-arm",
        "-M",
        board,
        "-nographic",
        "-monitor",
        "none",
        "-semihosting-config",
        "enable=on,target=native",
        "-kernel",
        str(elf),
        *extra,
    ]


def run(elf, core, timeout=120):
    """Run the firmware; what it printed. Raises if it does not exit with 0."""
    result = subprocess.run(
        _qemu(elf, core), capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"firmware on {core} exited with {result.returncode}: "
            f"{result.stdout[-500:]}{result.stderr[-500:]}"
        )
    return result.stdout + result.stderr


def printed_rows(output):
    """The numbers of each line the harness printed, as an int array."""
    lines = [line.split() for line in output.splitlines() if line.strip()]
    return np.array(
        [[int(cell) for cell in line] for line in lines if line[0] != "stack"]
    )


def symbols(elf):
    """The names of every symbol linked into the ELF."""
    listing = subprocess.run(
        ["arm-none-eabi-nm", str(elf)], check=True, capture_output=True, text=True
    ).stdout
    return [line.split()[-1] for line in listing.splitlines() if line.strip()]


def floating_point_used(elf):
    """Software floating-point routines linked, and FPU instructions, if any."""
    found = [name for name in symbols(elf) if FLOAT_SYMBOL.match(name)]
    listing = subprocess.run(
        ["arm-none-eabi-objdump", "-d", str(elf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found += sorted({m.group(0).strip() for m in FLOAT_INSTRUCTION.finditer(listing)})
    return found


def instructions_between_marks(elf, core, directory, timeout=600):
    """Instructions executed between consecutive calls of ``mark``, per interval.

    QEMU single-steps and logs every instruction it executes; the first
    interval (two marks in a row) is the cost of the marks themselves, and is
    subtracted from the others.
    """
    log = Path(directory) / f"trace-{core}.log"
    address = (
        next(
            int(line.split()[0], 16)
            for line in subprocess.run(
                ["arm-none-eabi-nm", str(elf)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.splitlines()
            if line.split()[-1] == "mark"
        )
        & ~1
    )
    subprocess.run(
        _qemu(elf, core, ["-singlestep", "-d", "exec,nochain", "-D", str(log)]),
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    marks, count = [], 0
    with open(log) as trace:
        for line in trace:
            if not line.startswith("Trace"):
                continue
            pc = int(line.split("[", 1)[1].split("/", 2)[1], 16)
            if pc == address:
                marks.append(count)
            count += 1
    log.unlink()
    intervals = np.diff(marks)
    return intervals[2::2] - intervals[0]


def memory(elf):
    """``(flash, ram)`` bytes of the firmware: code and constants, and data.

    Flash is ``.text`` (which holds ``.rodata`` here) and the initial values
    of ``.data``; RAM is ``.data`` and ``.bss`` (the stack aside).
    """
    listing = subprocess.run(
        ["arm-none-eabi-size", "-A", str(elf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sections = {
        line.split()[0]: int(line.split()[1])
        for line in listing.splitlines()
        if line.startswith(".")
    }
    data = sections.get(".data", 0)
    return sections.get(".text", 0) + data, data + sections.get(".bss", 0)
