"""The model's journal in SQLite: one row per stream (its metadata), one per record.

Appends are inserted and committed before the put is answered, so an
acknowledged record is in the database. ``fsync="batch"`` commits in WAL mode
with ``synchronous=NORMAL``: a commit survives the process being killed
(SIGKILL included); the operating system writes it out. ``fsync="always"``
uses ``synchronous=FULL``: each commit is fsynced, surviving a power cut too.
Retention trims delete the trimmed rows. Stream metadata is small and changes
rarely, so each change rewrites the stream's row as JSON.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from bisect import bisect_right
from collections.abc import Callable
from itertools import repeat
from pathlib import Path
from typing import Any

from eventwire_emulator.model import HashRange, Kinesis
from eventwire_emulator.model.shard_log import ShardLog
from eventwire_emulator.model.stream import Stream

FSYNC_MODES = ("batch", "always")
_SQLITE_MAX_INT = 2**63 - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    meta TEXT NOT NULL,
    UNIQUE (account, region, name)
);
CREATE TABLE IF NOT EXISTS records (
    stream INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    counter NOT NULL,
    arrival REAL NOT NULL,
    data BLOB NOT NULL,
    partition_key TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_arrival ON records (stream, arrival);
"""


def _counter(value: int) -> int | str:
    # SequenceNumberForOrdering can push counters past SQLite's 64-bit integers.
    return value if value <= _SQLITE_MAX_INT else str(value)


def _meta(stream: Stream) -> str:
    return json.dumps(
        {
            "name": stream.name,
            "arn": stream.arn,
            "serial": stream.serial,
            "mode": stream.mode,
            "created_at": stream.created_at,
            "retention_hours": stream.retention_hours,
            "max_record_bytes": stream.max_record_bytes,
            "encryption": [stream.encryption_type, stream.key_id],
            "encryption_changes": [[str(c), kind] for c, kind in stream.encryption_changes],
            "enhanced_metrics": sorted(stream.enhanced_metrics),
            "tags": stream.tags,
            "consumers": {n: list(entry) for n, entry in stream.consumers.items()},
            "policies": stream.policies,
            "warm": stream.warm_throughput_mibps,
            "distribution": stream.record_distribution,
            "pending": [stream.pending, stream.ready_at],
            "counter": str(stream.counter),
            "last_time": stream.last_time,
            "shards": [
                {
                    "index": s.index,
                    "range": [str(s.hash_range.start), str(s.hash_range.end)],
                    "starting": str(s.starting_counter),
                    "ending": None if s.ending_counter is None else str(s.ending_counter),
                    "created_at": s.created_at,
                    "closed_at": s.closed_at,
                    "parents": [s.parent_shard_id, s.adjacent_parent_shard_id],
                }
                for s in stream.shards
            ],
        },
        separators=(",", ":"),
    )


def _rebuild(meta: dict[str, Any]) -> Stream:
    stream = Stream(
        meta["name"],
        meta["arn"],
        meta["serial"],
        meta["mode"],
        meta["created_at"],
        meta["max_record_bytes"] // 1024,
    )
    stream.retention_hours = meta["retention_hours"]
    stream.max_record_bytes = meta["max_record_bytes"]
    stream.encryption_type, stream.key_id = meta["encryption"]
    stream.encryption_changes = [(int(c), kind) for c, kind in meta["encryption_changes"]]
    stream.enhanced_metrics = set(meta["enhanced_metrics"])
    stream.tags = dict(meta["tags"])
    stream.consumers = {
        n: (arn, at, dict(tags)) for n, (arn, at, tags) in meta["consumers"].items()
    }
    stream.policies = dict(meta["policies"])
    stream.warm_throughput_mibps = meta["warm"]
    stream.record_distribution = meta["distribution"]
    stream.pending, stream.ready_at = meta["pending"]
    stream.counter = int(meta["counter"])
    stream.last_time = meta["last_time"]
    for item in meta["shards"]:
        parent, adjacent = item["parents"]
        shard = ShardLog(
            item["index"],
            HashRange(int(item["range"][0]), int(item["range"][1])),
            int(item["starting"]),
            item["created_at"],
            parent,
            adjacent,
        )
        if item["ending"] is not None:
            shard.close(int(item["ending"]), item["closed_at"])
        for ancestor in (parent, adjacent):
            if ancestor is not None:
                stream.by_id[ancestor].children.append(shard)
        stream.shards.append(shard)
        stream.by_id[shard.shard_id] = shard
    stream.reroute()
    return stream


class SqliteJournal:
    """Makes a model's changes durable in one SQLite database; thread-safe."""

    def __init__(self, path: str | Path, *, fsync: str = "batch") -> None:
        if fsync not in FSYNC_MODES:
            raise ValueError(f"fsync must be one of {FSYNC_MODES}, got {fsync!r}")
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if fsync == 'always' else 'NORMAL'}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database (every change is committed already)."""
        with self._lock:
            self._db.close()

    # -- the model's Journal contract -----------------------------------------------

    def appended(self, stream: Stream, since_counter: int) -> None:
        """Insert the records appended since `since_counter`, committed before returning."""
        rows: list[tuple[Any, ...]] = []
        wide = stream.counter > _SQLITE_MAX_INT
        for shard in stream.open_shards:
            counters = shard.counters
            if len(counters) == shard.head or counters[-1] <= since_counter:
                continue
            start = bisect_right(counters, since_counter, shard.head)
            tail = counters[start:]
            rows.extend(
                zip(
                    repeat(stream.store_id),
                    repeat(shard.index),
                    [_counter(c) for c in tail] if wide else tail,
                    shard.times[start:],
                    shard.data[start:],
                    shard.keys[start:],
                    strict=False,
                )
            )
        # The stream's counter and last arrival time are not rewritten here: a restart
        # takes them from the records (each record's counter is at least as large).
        with self._lock:
            if len(rows) == 1:  # PutRecord: one statement is its own transaction
                self._db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", rows[0])
                return
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")

    def changed(self, stream: Stream) -> None:
        """Write the stream's metadata row, giving the stream a store id if it is new."""
        _, _, _, region, account, _ = stream.arn.split(":", 5)
        meta = _meta(stream)
        with self._lock:
            if stream.store_id:
                self._db.execute(
                    "UPDATE streams SET meta = ? WHERE id = ?", (meta, stream.store_id)
                )
            else:
                cursor = self._db.execute(
                    "INSERT INTO streams (account, region, name, meta) VALUES (?, ?, ?, ?)",
                    (account, region, stream.name, meta),
                )
                stream.store_id = cursor.lastrowid or 0

    def dropped(self, stream: Stream) -> None:
        """Delete the stream and its records."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM records WHERE stream = ?", (stream.store_id,))
            self._db.execute("DELETE FROM streams WHERE id = ?", (stream.store_id,))
            self._db.execute("COMMIT")

    def trimmed(self, stream: Stream, cutoff: float) -> None:
        """Delete records past retention."""
        with self._lock:
            self._db.execute(
                "DELETE FROM records WHERE stream = ? AND arrival < ?", (stream.store_id, cutoff)
            )

    # -- restart -----------------------------------------------------------------------

    def restore(self, model_for: Callable[[str, str], Kinesis]) -> int:
        """Load every stream into the model of its account and region; return how many.

        Call before serving: the models must not be in use yet.
        """
        with self._lock:
            streams = self._db.execute(
                "SELECT id, account, region, meta FROM streams ORDER BY id"
            ).fetchall()
            loaded = 0
            for store_id, account_id, region, meta_text in streams:
                stream = _rebuild(json.loads(meta_text))
                stream.store_id = store_id
                rows = self._db.execute(
                    "SELECT shard, counter, arrival, data, partition_key FROM records "
                    "WHERE stream = ? ORDER BY rowid",
                    (store_id,),
                )
                shards = stream.shards
                for index, counter, arrival, data, key in rows:
                    shard = shards[index]
                    value = int(counter)
                    shard.counters.append(value)
                    shard.times.append(arrival)
                    shard.data.append(bytes(data))
                    shard.keys.append(key)
                    if value > stream.counter:
                        stream.counter = value
                    if arrival > stream.last_time:
                        stream.last_time = arrival
                model = model_for(account_id, region)
                stream.journal = self
                model.account.streams[stream.name] = stream
                model.account.serial = max(model.account.serial, stream.serial)
                loaded += 1
            return loaded
