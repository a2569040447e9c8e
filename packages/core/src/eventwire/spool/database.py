"""``SpoolDatabase``: the spool's SQLite file of records and dead letters, one connection."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from typing import TYPE_CHECKING

from eventwire.records import Record

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from eventwire.spool.settings import FsyncPolicy

_COLUMNS = "seq, partition_key, explicit_hash_key, event_id, event_type, ordered, data, size"
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS records ({_COLUMNS.replace('seq', 'seq INTEGER PRIMARY KEY', 1)})",
    f"CREATE TABLE IF NOT EXISTS dead ({_COLUMNS.replace('seq', 'seq INTEGER PRIMARY KEY', 1)}, "
    "error TEXT NOT NULL, failed_at REAL NOT NULL)",
)
_INSERT_ROWS = 100
"""Rows per INSERT statement (800 parameters, far below SQLite's 32,766)."""
_IN_LIST = 500
"""Sequence numbers per ``IN (...)`` list."""


class SpoolDatabase:
    """Records (``records``) and dead letters (``dead``) in WAL mode; thread-safe.

    Every method raises ``sqlite3.Error`` (the spool translates it). The
    directory lock already makes this process the only user, so the database
    lock is held for good (``locking_mode=EXCLUSIVE``), which spares SQLite its
    lock calls on every commit; reads and writes share the one connection under
    a lock, so a read never lands inside a write transaction.
    """

    def __init__(self, path: Path, fsync: FsyncPolicy) -> None:
        # Autocommit mode: transactions are begun and ended explicitly.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        try:
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self._db.execute("PRAGMA journal_mode=WAL")
            synchronous = "FULL" if fsync == "always" else "NORMAL"
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            for statement in _SCHEMA:
                self._db.execute(statement)
        except sqlite3.Error:
            self._db.close()
            raise

    def totals(self) -> tuple[int, int, int, int]:
        """Records held, their bytes, the highest sequence number used, bytes of dead letters."""
        with self._lock:
            records, nbytes = self._db.execute(
                "SELECT count(*), coalesce(sum(size), 0) FROM records"
            ).fetchone()
            (top,) = self._db.execute(
                "SELECT max(coalesce((SELECT max(seq) FROM records), 0), "
                "coalesce((SELECT max(seq) FROM dead), 0))"
            ).fetchone()
            (dead_bytes,) = self._db.execute("SELECT coalesce(sum(size), 0) FROM dead").fetchone()
        return int(records), int(nbytes), int(top), int(dead_bytes)

    def restore(self, rows: list[tuple[int, Record]], removed: set[int]) -> None:
        """Insert recovered records (skipping those already stored), delete ``removed``."""
        with self._lock, self._transaction():
            _insert(self._db, "INSERT OR IGNORE", rows)
            gone = sorted(removed)
            for start in range(0, len(gone), _IN_LIST):
                chunk = gone[start : start + _IN_LIST]
                marks = ", ".join("?" * len(chunk))
                self._db.execute(f"DELETE FROM records WHERE seq IN ({marks})", chunk)

    def write(
        self, pending: dict[int, Record], removals: list[int], burials: list[tuple[int, str]]
    ) -> tuple[int, int, int]:
        """Insert, bury and remove in one transaction.

        Returns:
            The records and bytes that left ``records``, and the bytes of those
            that went to the dead letters.
        """
        with self._lock, self._transaction():
            db = self._db
            if pending:
                _insert(db, "INSERT", list(pending.items()))
            now = time.time()
            for seq, error in burials:
                db.execute(
                    f"INSERT OR REPLACE INTO dead ({_COLUMNS}, error, failed_at) "
                    f"SELECT {_COLUMNS}, ?, ? FROM records WHERE seq = ?",
                    (error, now, seq),
                )
            buried_records, buried_bytes = self._delete("records", [seq for seq, _ in burials])
            removed_records, removed_bytes = self._delete("records", removals)
        return buried_records + removed_records, buried_bytes + removed_bytes, buried_bytes

    def _delete(self, table: str, seqs: list[int]) -> tuple[int, int]:
        """Delete ``seqs`` from ``table`` (lock and transaction held); the rows and bytes gone."""
        rows = nbytes = 0
        for start in range(0, len(seqs), _IN_LIST):
            chunk = seqs[start : start + _IN_LIST]
            marks = ", ".join("?" * len(chunk))
            found = self._db.execute(
                f"SELECT count(*), coalesce(sum(size), 0) FROM {table} WHERE seq IN ({marks})",
                chunk,
            ).fetchone()
            rows += int(found[0])
            nbytes += int(found[1])
            self._db.execute(f"DELETE FROM {table} WHERE seq IN ({marks})", chunk)
        return rows, nbytes

    def read(self, after: int, limit: int) -> list[tuple[int, Record]]:
        """Records numbered above ``after``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM records WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [(row[0], _record(row)) for row in rows]

    def dead_count(self) -> int:
        """How many dead letters there are."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM dead").fetchone()[0])

    def dead_letters(self, limit: int) -> list[tuple[int, Record, str, float]]:
        """The oldest ``limit`` dead letters: number, record, error, failure time."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS}, error, failed_at FROM dead ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [(row[0], _record(row), row[8], row[9]) for row in rows]

    def delete_dead(self, seqs: list[int] | None) -> tuple[int, int]:
        """Delete the dead letters ``seqs`` (all of them for None); the rows and bytes gone."""
        with self._lock, self._transaction():
            if seqs is None:
                seqs = [row[0] for row in self._db.execute("SELECT seq FROM dead")]
            return self._delete("dead", seqs)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()


def _insert(db: sqlite3.Connection, verb: str, rows: list[tuple[int, Record]]) -> None:
    """Insert ``rows`` with a few multi-row statements.

    ``executemany`` steps SQLite once per row, and the sqlite3 module gives up
    the GIL around every step; in a busy process each step then waits to get it
    back (measured: about 30 us a row). One statement per hundred rows waits a
    hundred times less.
    """
    for start in range(0, len(rows), _INSERT_ROWS):
        chunk = rows[start : start + _INSERT_ROWS]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        parameters = [value for seq, record in chunk for value in _row(seq, record)]
        db.execute(f"{verb} INTO records ({_COLUMNS}) VALUES {values}", parameters)


def _row(seq: int, r: Record) -> tuple[object, ...]:
    return (seq, r.partition_key, r.explicit_hash_key, r.event_id, r.event_type, r.ordered,
            r.data, r.size)  # fmt: skip


def _record(row: tuple[object, ...]) -> Record:
    return Record(
        data=bytes(row[6]),  # type: ignore[call-overload]  # a BLOB column: bytes
        partition_key=str(row[1]),
        explicit_hash_key=None if row[2] is None else str(row[2]),
        event_id=str(row[3]),
        event_type=str(row[4]),
        ordered=bool(row[5]),
    )
