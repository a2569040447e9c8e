"""eventwire-emulator: a faithful in-memory AWS Kinesis Data Streams, offline."""

from __future__ import annotations

from importlib.metadata import version as _version

from eventwire_emulator.backend import EmulatorBackend, shared_emulator
from eventwire_emulator.boto import client
from eventwire_emulator.model import FaultInjector, Kinesis, ManualClock, SystemClock
from eventwire_emulator.reading import StoredRecord, read_events, read_records
from eventwire_emulator.settings import QUOTAS_ENV

__version__ = _version("eventwire-emulator")

__all__ = [
    "QUOTAS_ENV",
    "EmulatorBackend",
    "FaultInjector",
    "Kinesis",
    "ManualClock",
    "StoredRecord",
    "SystemClock",
    "__version__",
    "client",
    "read_events",
    "read_records",
    "shared_emulator",
]
