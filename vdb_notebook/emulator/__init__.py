"""The offline VideoDB capture service: the real `videodb` SDK talks to it through `base_url`.

    >>> from vdb_notebook.emulator import Emulator
    >>> with Emulator(scenario="standup", speed="max") as emu:
    ...     conn = emu.connect()          # a real videodb Connection, pointed at emu.base_url
"""
from __future__ import annotations

from .faults import Faults
from .scenario import Scenario, available
from .server import EMULATOR_KEY, Emulator

__all__ = ["EMULATOR_KEY", "Emulator", "Faults", "Scenario", "available"]
