"""Check an exported model on an emulated microcontroller before flashing it.

:func:`emulate` builds a model's C (:func:`~sklearn_svdmlp.export_c`) into
a bare-metal firmware for a Cortex-M core, runs it on QEMU and returns a
:class:`DeviceReport`: what the device predicted, whether it agrees with
``predict``, and the flash, RAM, stack and instructions it took. It needs
the cross-compiler and QEMU (:func:`missing_tools`).
"""

from ._cores import CORES
from ._emulate import DeviceReport, emulate
from ._toolchain import MissingToolsError, missing_tools

__all__ = ["CORES", "DeviceReport", "MissingToolsError", "emulate", "missing_tools"]
