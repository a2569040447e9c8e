"""``sqlite_relay_lock``: one relay per outbox table of a SQLite file, refused clearly past that."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from eventwire.errors import OutboxError
from eventwire.filelock import FileLock, LockHeld

if TYPE_CHECKING:
    from sqlalchemy import URL


def sqlite_relay_lock(url: URL, table: str) -> FileLock | None:
    """Hold ``<database>.<table>.relay-lock`` when ``url`` is a SQLite file; None otherwise.

    SQLite takes no row locks, so two relays there would claim the same rows and
    publish them twice; PostgreSQL relays share the work through ``SKIP LOCKED``.
    An in-memory database is private to its connection and needs no lock.

    Raises:
        OutboxError: another relay holds the table, or the lock file cannot be made.
    """
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = str(url.database)
    if database.startswith("file:"):
        # A URI filename (?uri=true): the path part names the file.
        database = database[len("file:") :].split("?", 1)[0]
    path = Path(database).with_name(f"{Path(database).name}.{table}.relay-lock")
    try:
        return FileLock(path)
    except LockHeld as held:
        raise OutboxError(
            f"another relay (process {held.owner}) already relays outbox table {table!r} of "
            f"the SQLite database {database!r}; SQLite takes no row locks, so run one relay "
            "per SQLite database, or use PostgreSQL to run several",
            table=table,
        ) from None
    except OSError as exc:
        raise OutboxError(
            f"cannot take the relay lock {str(path)!r} for outbox table {table!r}: {exc}",
            table=table,
        ) from exc
