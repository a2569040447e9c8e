"""The producer's disk spool: accepted records in SQLite until a receipt removes them."""

from __future__ import annotations

from eventwire.spool.settings import FsyncPolicy, SpoolSettings
from eventwire.spool.store import DeadLetter, Spool, SpoolCounts

__all__ = ["DeadLetter", "FsyncPolicy", "Spool", "SpoolCounts", "SpoolSettings"]
