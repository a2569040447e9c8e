"""``DirectoryLock``: one spool per directory, across processes and within one (``flock``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventwire.errors import SpoolError, SpoolLockedError
from eventwire.filelock import FileLock, LockHeld

if TYPE_CHECKING:
    from pathlib import Path

LOCK_FILE = "lock"


class DirectoryLock:
    """An exclusive lock on ``<directory>/lock`` (a ``FileLock``): one spool per directory.

    A second spool, in this process or another, is refused; a SIGKILLed
    producer leaves no stale lock behind.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        try:
            self._lock = FileLock(self.path)
        except LockHeld as held:
            raise SpoolLockedError(
                f"the spool directory {str(directory)!r} is in use by another producer "
                f"(process {held.owner}); give each producer its own spool directory, or stop "
                "the other one first",
                path=str(directory),
            ) from None
        except OSError as exc:
            raise SpoolError(
                f"cannot lock the spool {str(self.path)!r}: {exc}", path=str(directory)
            ) from exc

    def release(self) -> None:
        """Unlock (idempotent)."""
        self._lock.release()
