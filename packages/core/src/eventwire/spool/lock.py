"""``DirectoryLock``: one spool per directory, across processes and within one (``flock``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from eventwire.errors import SpoolError, SpoolLockedError

if TYPE_CHECKING:
    from pathlib import Path

LOCK_FILE = "lock"


class DirectoryLock:
    """An exclusive ``flock`` on ``<directory>/lock``, holding the owner's pid for the message.

    ``flock`` locks belong to an open file, so a second spool in the same
    process is refused too, and the kernel drops the lock when its process dies
    (a SIGKILLed producer leaves no stale lock behind). POSIX only.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        try:
            import fcntl
        except ImportError:
            raise SpoolError(
                "the spool needs a POSIX system (fcntl.flock); this platform has none",
                path=str(directory),
            ) from None
        self._flock = fcntl.flock
        self._unlock = fcntl.LOCK_UN
        try:
            self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SpoolError(
                f"cannot open the spool lock {str(self.path)!r}: {exc}", path=str(directory)
            ) from exc
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(self._fd)
            self._fd = None
            raise SpoolLockedError(
                f"the spool directory {str(directory)!r} is in use by another producer "
                f"(process {owner}); give each producer its own spool directory, or stop "
                "the other one first",
                path=str(directory),
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        """Unlock and close (idempotent)."""
        if self._fd is not None:
            self._flock(self._fd, self._unlock)
            os.close(self._fd)
            self._fd = None
