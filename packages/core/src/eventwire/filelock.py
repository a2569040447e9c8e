"""``FileLock``: an exclusive ``flock`` on a file that names its owner's process, POSIX only."""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


# Not an EventwireError: each caller words its own error from it.
class LockHeld(Exception):
    """Another open file holds the lock; ``owner`` is the pid it wrote, or "unknown"."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        super().__init__(owner)


class FileLock:
    """Holds ``path`` exclusively until ``release`` (or until this object is collected).

    ``flock`` locks belong to an open file, so a second lock in the same
    process is refused too, and the kernel drops the lock when its process dies
    (a SIGKILLed owner leaves no stale lock behind).

    Raises:
        LockHeld: someone else holds it.
        OSError: the file cannot be opened, or the platform has no ``fcntl``.
    """

    def __init__(self, path: Path) -> None:
        try:
            import fcntl
        except ImportError:
            raise OSError("this platform has no fcntl.flock (POSIX only)") from None
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise LockHeld(owner) from None
        except OSError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        # Closing the file drops the lock: an owner dropped without release frees it.
        self._close = weakref.finalize(self, os.close, fd)

    def release(self) -> None:
        """Unlock (idempotent)."""
        self._close()
