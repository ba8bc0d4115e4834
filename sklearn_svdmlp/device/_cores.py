"""The emulated cores: compiler flags, QEMU board and memory of each.

Each core runs on a QEMU board with that core (checked with QEMU 7.2), so
that an instruction the core lacks faults instead of running: Cortex-M0+
code runs on the micro:bit's Cortex-M0 (ARMv6-M, the same instruction set).
"""

from dataclasses import dataclass
from pathlib import Path

FIRMWARE_DIR = Path(__file__).parent / "firmware"


@dataclass(frozen=True)
class Core:
    """One core: how to compile for it and the board it runs on."""

    flags: tuple
    board: str
    linker_script: str
    flash_bytes: int
    ram_bytes: int

    @property
    def has_fpu(self):
        return "-mfloat-abi=hard" in self.flags


_SOFT = "-mfloat-abi=soft"
_HARD = "-mfloat-abi=hard"
_MPS2 = {"linker_script": "mps2.ld", "flash_bytes": 4 << 20, "ram_bytes": 4 << 20}

CORES = {
    "cortex-m0plus": Core(
        ("-mcpu=cortex-m0plus", _SOFT), "microbit", "microbit.ld", 256 << 10, 16 << 10
    ),
    "cortex-m3": Core(("-mcpu=cortex-m3", _SOFT), "mps2-an385", **_MPS2),
    "cortex-m4f": Core(
        ("-mcpu=cortex-m4", _HARD, "-mfpu=fpv4-sp-d16"), "mps2-an386", **_MPS2
    ),
    "cortex-m7": Core(
        ("-mcpu=cortex-m7", _HARD, "-mfpu=fpv5-d16"), "mps2-an500", **_MPS2
    ),
    "cortex-m33": Core(
        ("-mcpu=cortex-m33", _HARD, "-mfpu=fpv5-sp-d16"),
        "mps2-an505",
        "mps2-an505.ld",
        4 << 20,
        2 << 20,
    ),
}


def core_named(core):
    """The :class:`Core` called ``core``; ValueError listing the cores."""
    if core not in CORES:
        raise ValueError(f"core must be one of {', '.join(CORES)}; got {core!r}.")
    return CORES[core]
