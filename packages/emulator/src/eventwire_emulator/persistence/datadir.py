"""A data directory held by one server at a time (an exclusive lock on a file in it)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_NAME = "LOCK"
DATABASE_NAME = "kinesis.sqlite3"


class DataDirError(Exception):
    """The data directory cannot be used: missing, unwritable, or held by another server."""


class DataDir:
    """Opens a data directory and holds its lock until closed; a context manager."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.path / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115  # held until close()
        except OSError as exc:
            raise DataDirError(f"cannot use data directory {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or "unknown"
            self._lock.close()
            raise DataDirError(
                f"data directory {self.path} is in use by another emulator server "
                f"(pid {holder}); stop it or choose another --data-dir"
            ) from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(str(os.getpid()))
        self._lock.flush()

    @property
    def database(self) -> Path:
        """The SQLite database inside the directory."""
        return self.path / DATABASE_NAME

    def close(self) -> None:
        """Release the lock."""
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def __enter__(self) -> DataDir:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
