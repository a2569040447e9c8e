"""Persistence beside the model: a data directory that streams and records survive in."""

from __future__ import annotations

from eventwire_emulator.persistence.datadir import DataDir, DataDirError
from eventwire_emulator.persistence.store import FSYNC_MODES, SqliteJournal

__all__ = ["FSYNC_MODES", "DataDir", "DataDirError", "SqliteJournal"]
