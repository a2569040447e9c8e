"""``SpoolSettings``: where durability is paid for (fsync policy) and how big the spool may grow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eventwire.errors import ConfigurationError

FsyncPolicy = Literal["batch", "always"]
"""``"batch"``: a commit survives a crash of the process; ``"always"``: also a power loss."""


@dataclass(frozen=True, slots=True)
class SpoolSettings:
    """How a spool stores records (immutable).

    Attributes:
        fsync: ``"batch"`` (SQLite ``synchronous=NORMAL`` in WAL mode: an
            acknowledged record survives the process dying, the OS flushes the
            log later) or ``"always"`` (``synchronous=FULL``: every group commit
            is fsynced, so it survives a power loss too).
        max_bytes: bytes of undelivered records (data plus partition key) the spool
            holds at most; past it the producer's ``when_full`` applies.
        read_batch: records the sender side reads from the spool at a time.
    """

    fsync: FsyncPolicy = "batch"
    max_bytes: int = 1024 * 1024 * 1024
    read_batch: int = 1000

    def __post_init__(self) -> None:
        problems = []
        for name in ("max_bytes", "read_batch"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigurationError(
                    f"invalid spool settings: {name} must be a whole number, got {value!r}"
                )
        if self.fsync not in ("batch", "always"):
            problems.append(f"fsync must be 'batch' or 'always', got {self.fsync!r}")
        if self.max_bytes < 1:
            problems.append(f"max_bytes must be positive, got {self.max_bytes}")
        if not 1 <= self.read_batch <= 100_000:
            problems.append(f"read_batch must be 1 to 100000, got {self.read_batch}")
        if problems:
            raise ConfigurationError("invalid spool settings: " + "; ".join(problems))
