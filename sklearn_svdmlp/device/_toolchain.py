"""The tools: cross-compile, link, run and trace a firmware, read its ELF.

Debian's ``gcc-arm-none-eabi`` (compiler, ``size``, ``nm``, ``objdump``),
``libnewlib-arm-none-eabi`` (the C library's ``nano.specs``) and
``qemu-system-arm``.
"""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ._cores import FIRMWARE_DIR

PACKAGES = "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
_TOOLS = (
    "arm-none-eabi-gcc",
    "arm-none-eabi-size",
    "arm-none-eabi-nm",
    "arm-none-eabi-objdump",
    "qemu-system-arm",
)
OPTIMIZATIONS = ("-O0", "-O1", "-O2", "-O3", "-Os")

# Software floating point (libgcc's and the C library's routines).
_FLOAT_SYMBOL = re.compile(
    r"^(__aeabi_[fd]|__(add|sub|mul|div|neg|cmp|eq|ne|lt|le|gt|ge|unord)[sd]f"
    r"|__(fix|fixuns|float|floatun|extend|trunc)\w*[sd]f|(exp|tanh|ldexp|log)f?$)"
)
# Instructions of the FPU (and its registers' loads, stores and moves).
_FLOAT_INSTRUCTION = re.compile(
    r"\sv(add|sub|mul|div|fma|fms|fnm\w*|mla|mls|nmul|neg|abs|sqrt|cvt\w*|mov"
    r"|ldr|str|ldm\w*|stm\w*|push|pop|cmp\w*|mrs|msr)\b"
)


class MissingToolsError(RuntimeError):
    """The cross-compiler, the C library or QEMU is not installed.

    Its message names the Debian packages that provide them.
    """


def missing_tools():
    """The tools :func:`~sklearn_svdmlp.device.emulate` needs that are missing.

    Returns
    -------
    missing : list of str
        Empty when the cross-compiler, its C library (newlib's
        ``nano.specs``) and ``qemu-system-arm`` are all found on ``PATH``.

    Examples
    --------
    >>> from sklearn_svdmlp.device import missing_tools
    >>> isinstance(missing_tools(), list)
    True
    """
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if "arm-none-eabi-gcc" not in missing:
        found = _output(["arm-none-eabi-gcc", "-print-file-name=nano.specs"]).strip()
        if not Path(found).is_file():
            missing.append("nano.specs (newlib)")
    return missing


def require_tools():
    """Raise :class:`MissingToolsError` naming the packages, if tools are missing."""
    missing = missing_tools()
    if missing:
        raise MissingToolsError(
            f"sklearn_svdmlp.device needs {', '.join(missing)}; on Debian or "
            f"Ubuntu: apt-get install {PACKAGES}"
        )


def _output(command, timeout=None):
    return subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=timeout
    ).stdout


# Objects of the sources every firmware shares, by text and flags.
_COMPILED = {}


def compile_object(
    source, core, optimize, directory, defines=(), include=(), strict=True, once=False
):
    """``source`` compiled for ``core`` into ``directory``; the object's path.

    ``strict``: ``-Wall -Wextra -Werror`` (this package's C; not other
    libraries'). Each function and array in its own section, so that linking
    drops what is not called. ``once``: a source that includes nothing
    from ``directory`` (the start-up code, the runtime) is compiled once
    per process for its text, headers and flags.
    """
    source = Path(source)
    suffix = "".join(f"-{define.split('=')[0]}" for define in defines)
    target = Path(directory) / f"{source.stem}{suffix}.o"
    strict = ["-Wall", "-Wextra", "-Werror"] if strict else []
    command = [
        "arm-none-eabi-gcc",
        "-c",
        "-mthumb",
        *core.flags,
        optimize,
        "-std=c99",
        *strict,
        "-ffunction-sections",
        "-fdata-sections",
        "-ffreestanding",
        "--specs=nano.specs",
        f"-I{directory}",
        *(f"-I{folder}" for folder in include),
        *(f"-D{define}" for define in defines),
        str(source),
        "-o",
        str(target),
    ]
    key = (
        tuple(part for part in command[:-3] if part != f"-I{directory}"),
        source.read_text(),
        *(
            header.read_text()
            for folder in include
            for header in Path(folder).glob("*.h")
        ),
    )
    if once and key in _COMPILED:
        target.write_bytes(_COMPILED[key])
        return target
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(
            f"arm-none-eabi-gcc failed on {source.name}:\n{result.stderr}"
        )
    if once:
        _COMPILED[key] = target.read_bytes()
    return target


def link(objects, core, elf):
    """The firmware linked from ``objects``; ValueError if it overflows the board.

    The linker's map goes beside it (``.map``: see :func:`linked_bytes`).
    """
    command = [
        "arm-none-eabi-gcc",
        "-mthumb",
        *core.flags,
        "-nostartfiles",
        "--specs=nano.specs",
        f"-L{FIRMWARE_DIR}",
        "-T",
        str(FIRMWARE_DIR / core.linker_script),
        "-Wl,--gc-sections",
        f"-Wl,-Map={Path(elf).with_suffix('.map')}",
        *map(str, objects),
        "-o",
        str(elf),
        "-lm",
        "-lc",
        "-lgcc",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    overflows = re.findall(r"region .*overflowed by \d+ bytes", result.stderr)
    if overflows:
        raise ValueError(
            f"the firmware does not fit the {core.board} board "
            f"({core.flash_bytes:,} bytes of flash, {core.ram_bytes:,} of RAM): "
            + "; ".join(overflows)
        )
    if result.returncode:
        raise RuntimeError(f"linking failed:\n{result.stderr}")
    return Path(elf)


def _qemu(elf, core, extra=()):
    return [
        "qemu-system-arm",
        "-M",
        core.board,
        "-nographic",
        "-monitor",
        "none",
        "-semihosting-config",
        "enable=on,target=native",
        "-kernel",
        str(elf),
        *extra,
    ]


def run(elf, core, timeout=300):
    """What the firmware printed. Raises if it does not exit with 0 (a fault)."""
    result = subprocess.run(
        _qemu(elf, core), capture_output=True, text=True, timeout=timeout
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        fault = (
            ": it faulted (an instruction this core lacks, or more stack than "
            "the board's RAM holds)"
            if "fault" in output
            else ""
        )
        raise RuntimeError(
            f"the firmware on {core.board} exited with {result.returncode}"
            f"{fault}; it printed: {output.strip()[:400]}"
        )
    return output


def instructions_between_marks(elf, core, directory, timeout=600):
    """Instructions executed between consecutive pairs of calls of ``mark``.

    QEMU single-steps and logs every instruction it executes; the first
    interval (two marks in a row) is the cost of the marks themselves, and is
    subtracted from the others.
    """
    address = next(
        int(line.split()[0], 16)
        for line in _output(["arm-none-eabi-nm", str(elf)]).splitlines()
        if line.split()[-1] == "mark"
    )
    log = Path(directory) / "trace.log"
    subprocess.run(
        _qemu(elf, core, ["-singlestep", "-d", "exec,nochain", "-D", str(log)]),
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    marks, count = [], 0
    with open(log) as trace:
        for line in trace:
            if line.startswith("Trace"):
                if int(line.split("[", 1)[1].split("/", 2)[1], 16) == address & ~1:
                    marks.append(count)
                count += 1
    log.unlink()
    intervals = np.diff(marks)
    return intervals[2::2] - intervals[0]


def floating_point_used(elf):
    """Software floating-point routines linked, and FPU instructions, if any."""
    listing = _output(["arm-none-eabi-nm", str(elf)]).splitlines()
    found = [
        line.split()[-1] for line in listing if _FLOAT_SYMBOL.match(line.split()[-1])
    ]
    code = _output(["arm-none-eabi-objdump", "-d", str(elf)])
    found += sorted({m.group(0).strip() for m in _FLOAT_INSTRUCTION.finditer(code)})
    return found


# An input section placed in the firmware, in the linker's map: its name,
# address, size and the object (or library member) it came from, on one line
# or, after a long name, on two.
_PLACED = re.compile(
    r"^ (\.text|\.rodata|\.data|\.bss|COMMON)(\S*)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)"
    r" +(\S.*)$",
    re.MULTILINE,
)


def linked_bytes(elf):
    """Bytes each object file or library member takes in the linked firmware.

    Read from the linker's map: ``{origin: {kind: bytes}}``, ``origin``
    being the object's file name or ``library.a(member.o)``, ``kind`` one of
    ``.text`` (code), ``.rodata`` (constants), ``.data`` (initialized data:
    in flash and in RAM) and ``.bss`` (zeroed data).
    """
    text = Path(elf).with_suffix(".map").read_text()
    text = text.split("Linker script and memory map", 1)[1]
    text = re.sub(r"^ (\S+)\n\s+(0x)", r" \1 \2", text, flags=re.MULTILINE)
    found = {}
    for kind, _, size, origin in _PLACED.findall(text):
        kinds = found.setdefault(Path(origin.strip()).name, {})
        kind = ".bss" if kind == "COMMON" else kind
        kinds[kind] = kinds.get(kind, 0) + int(size, 16)
    return found


def flash_and_ram(kinds):
    """``(flash, ram)`` of one origin's ``{kind: bytes}``."""
    flash = sum(kinds.get(kind, 0) for kind in (".text", ".rodata", ".data"))
    return flash, kinds.get(".data", 0) + kinds.get(".bss", 0)
