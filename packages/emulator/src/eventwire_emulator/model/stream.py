"""One stream's state: its shards, routing to open shards, appends and reads."""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Sequence

from eventwire_emulator.model.hashing import HashRange
from eventwire_emulator.model.journal import Journal
from eventwire_emulator.model.quotas import ReadQuota, WriteWindow
from eventwire_emulator.model.results import ChildShard, Record
from eventwire_emulator.model.sequence import SEQUENCE_BASE, SHARD_SLOTS, format_sequence_number
from eventwire_emulator.model.shard_log import ShardLog

GET_RECORDS_MAX_BYTES = 10 * 1024 * 1024
_TRIM_EVERY_SECONDS = 1.0


class Stream:
    """A stream; callers hold `lock` around every method that reads or changes state."""

    def __init__(
        self,
        name: str,
        arn: str,
        serial: int,
        mode: str,
        created_at: float,
        max_record_size_in_kib: int,
    ) -> None:
        self.name = name
        self.arn = arn
        self.serial = serial
        self.mode = mode
        self.created_at = created_at
        self.lock = threading.Lock()
        self.retention_hours = 24
        self.max_record_bytes = max_record_size_in_kib * 1024
        self.encryption_type = "NONE"
        self.key_id: str | None = None
        self.encryption_changes: list[tuple[int, str]] = [(-1, "NONE")]
        self.enhanced_metrics: set[str] = set()
        self.tags: dict[str, str] = {}
        # Resource policies (JSON text) by the ARN of the stream or of one of its consumers.
        self.policies: dict[str, str] = {}
        self.warm_throughput_mibps: int | None = None
        self.record_distribution = "USER_PARTITION_KEY"
        # A transitional status (CREATING, UPDATING, DELETING) lasts until `ready_at`.
        self.pending = "ACTIVE"
        self.ready_at = 0.0
        # Where changes are made durable (see `journal`); None keeps them in memory.
        self.journal: Journal | None = None
        # The store's id of this stream; 0 until it has one.
        self.store_id = 0
        self.consumers: dict[str, tuple[str, float, dict[str, str]]] = {}
        self.counter = 0
        self.last_time = created_at
        self.next_trim = created_at
        self.shards: list[ShardLog] = []
        self.by_id: dict[str, ShardLog] = {}
        self.open_starts: list[int] = []
        self.open_shards: list[ShardLog] = []
        self.write_windows: dict[int, WriteWindow] = {}
        self.read_quotas: dict[int, ReadQuota] = {}

    # -- status ------------------------------------------------------------------

    def status(self, now: float) -> str:
        """StreamStatus at `now`: ACTIVE once a transition's delay has passed."""
        return self.pending if now < self.ready_at else "ACTIVE"

    def enter(self, status: str, now: float, delay: float) -> None:
        """Pass through `status` for `delay` seconds (not at all for 0)."""
        if delay > 0:
            self.pending = status
            self.ready_at = now + delay

    def is_gone(self, now: float) -> bool:
        """Whether a deletion has run its course (the stream no longer exists)."""
        return self.pending == "DELETING" and now >= self.ready_at

    # -- shards ------------------------------------------------------------------

    def open_shard(
        self,
        hash_range: HashRange,
        now: float,
        parent: ShardLog | None = None,
        adjacent: ShardLog | None = None,
    ) -> ShardLog:
        """Create an open shard; call `reroute` once the batch of changes is done."""
        self.counter += 1
        shard = ShardLog(
            len(self.shards),
            hash_range,
            self.counter,
            now,
            parent.shard_id if parent is not None else None,
            adjacent.shard_id if adjacent is not None else None,
        )
        for ancestor in (parent, adjacent):
            if ancestor is not None:
                ancestor.children.append(shard)
        self.shards.append(shard)
        self.by_id[shard.shard_id] = shard
        return shard

    def close_shard(self, shard: ShardLog, now: float) -> None:
        """Close an open shard so that nothing more is appended to it."""
        self.counter += 1
        shard.close(self.counter, now)

    def reroute(self) -> None:
        """Rebuild the sorted routing table of open shards."""
        open_shards = sorted(
            (s for s in self.shards if s.is_open), key=lambda s: s.hash_range.start
        )
        self.open_shards = open_shards
        self.open_starts = [s.hash_range.start for s in open_shards]

    def route(self, hash_key: int) -> ShardLog:
        """Return the open shard whose inclusive range contains `hash_key`."""
        return self.open_shards[bisect_right(self.open_starts, hash_key) - 1]

    def open_shard_count(self) -> int:
        """The number of open shards."""
        return len(self.open_shards)

    def retention_cutoff(self, now: float) -> float:
        """Records and closed shards older than this are gone."""
        return now - self.retention_hours * 3600.0

    def is_live(self, shard: ShardLog, now: float) -> bool:
        """Whether a shard is still visible (open, or closed within retention)."""
        return shard.closed_at is None or shard.closed_at >= self.retention_cutoff(now)

    def trim(self, now: float) -> None:
        """Drop records past retention from every shard."""
        cutoff = self.retention_cutoff(now)
        dropped = False
        for shard in self.shards:
            dropped = shard.trim(cutoff) or dropped
        self.next_trim = now + _TRIM_EVERY_SECONDS
        if dropped and self.journal is not None:
            self.journal.trimmed(self, cutoff)

    def arrival_time(self, now: float) -> float:
        """Return an arrival timestamp that never goes backwards within the stream."""
        if now > self.last_time:
            self.last_time = now
        return self.last_time

    # -- writes ----------------------------------------------------------------

    def append(self, shard: ShardLog, data: bytes, key: str, now: float) -> str:
        """Append one record to an open shard and return its sequence number."""
        self.counter += 1
        counter = self.counter
        shard.data.append(data)
        shard.keys.append(key)
        shard.counters.append(counter)
        shard.times.append(now)
        return str(SEQUENCE_BASE + counter * SHARD_SLOTS + shard.index)

    def write_window(self, shard: ShardLog) -> WriteWindow:
        """Return the write quota window of a shard."""
        window = self.write_windows.get(shard.index)
        if window is None:
            window = self.write_windows[shard.index] = WriteWindow()
        return window

    def read_quota(self, shard: ShardLog, now: float) -> ReadQuota:
        """Return the read quota of a shard."""
        quota = self.read_quotas.get(shard.index)
        if quota is None:
            quota = self.read_quotas[shard.index] = ReadQuota(now)
        return quota

    # -- reads -------------------------------------------------------------------

    def encryption_at(self, counter: int) -> str:
        """Return the encryption type in force when the record with `counter` was put."""
        changes = self.encryption_changes
        for position in range(len(changes) - 1, -1, -1):
            if changes[position][0] < counter:
                return changes[position][1]
        return "NONE"

    def read(
        self, shard: ShardLog, position: int, limit: int, now: float
    ) -> tuple[list[Record], int, bool, int]:
        """Read records with counters >= `position`.

        Returns:
            The records, the position after them, whether the end of a closed
            shard was reached, and MillisBehindLatest (now minus the arrival
            time of the last record returned while more remain, else 0).
        """
        if now >= self.next_trim:
            self.trim(now)
        start = shard.index_of_counter(position)
        stop = min(len(shard.counters), start + limit)
        data, keys, counters, times = shard.data, shard.keys, shard.counters, shard.times
        records: list[Record] = []
        budget = GET_RECORDS_MAX_BYTES
        single = len(self.encryption_changes) == 1
        index = start
        while index < stop:
            size = len(data[index]) + len(keys[index].encode())
            if records and size > budget:
                break
            budget -= size
            counter = counters[index]
            records.append(
                Record(
                    format_sequence_number(counter, shard.index),
                    times[index],
                    data[index],
                    keys[index],
                    "NONE" if single else self.encryption_at(counter),
                )
            )
            index += 1
        if records:
            position = counters[index - 1] + 1
        remaining = index < len(counters)
        at_end = not remaining and not shard.is_open
        if remaining:
            behind_since = times[index - 1] if records else times[index]
            millis = max(0, int((now - behind_since) * 1000))
        else:
            millis = 0
        return records, position, at_end, millis

    def child_shards(self, shard: ShardLog) -> tuple[ChildShard, ...]:
        """Return the children of a closed shard, as GetRecords reports them."""
        return tuple(
            ChildShard(
                child.shard_id,
                tuple(p for p in (child.parent_shard_id, child.adjacent_parent_shard_id) if p),
                child.hash_range,
            )
            for child in shard.children
        )

    def shards_in_order(self, shards: Sequence[ShardLog]) -> list[ShardLog]:
        """Return shards sorted by id (creation order)."""
        return sorted(shards, key=lambda s: s.index)
