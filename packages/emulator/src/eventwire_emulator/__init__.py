"""eventwire-emulator: a faithful in-memory AWS Kinesis Data Streams, offline."""

from __future__ import annotations

from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

from eventwire_emulator.backend import EmulatorBackend, shared_emulator
from eventwire_emulator.lambda_events import lambda_events
from eventwire_emulator.model import FaultInjector, Kinesis, ManualClock, SystemClock
from eventwire_emulator.reading import (
    StoredRecord,
    read_events,
    read_records,
    stored_kinesis_records,
)
from eventwire_emulator.settings import QUOTAS_ENV

if TYPE_CHECKING:
    from eventwire_emulator.boto import client

__version__ = _version("eventwire-emulator")


def __getattr__(name: str) -> Any:
    # boto3 takes about half a second to import; Publisher("emulator") and the pytest
    # plugin import this package without needing it, so the boto3 adapter loads on use.
    if name == "client":
        from eventwire_emulator.boto import client

        return client
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "lambda_events",
    "read_events",
    "read_records",
    "shared_emulator",
    "stored_kinesis_records",
]
