"""One shard's identity, lineage and record log, stored as parallel columns."""

from __future__ import annotations

from array import array
from bisect import bisect_left

from eventwire_emulator.model.hashing import HashRange
from eventwire_emulator.model.sequence import format_sequence_number

_COMPACT_AT = 4096
"""Trimmed slots are reclaimed once at least this many (and half the log) are dead."""


class ShardLog:
    """A shard and its records; not thread-safe (the owning stream holds the lock).

    Records live in four parallel columns (data, partition key, counter,
    arrival time) rather than one object each: an append is four O(1) pushes
    and a record costs a few dozen bytes of columns beyond its data and key.
    Trimming advances `head`; dead slots are compacted in bulk, so the
    amortised cost per record stays O(1).
    """

    __slots__ = (
        "adjacent_parent_shard_id",
        "children",
        "closed_at",
        "counters",
        "created_at",
        "data",
        "ending_counter",
        "hash_range",
        "head",
        "index",
        "keys",
        "parent_shard_id",
        "shard_id",
        "starting_counter",
        "times",
    )

    def __init__(
        self,
        index: int,
        hash_range: HashRange,
        starting_counter: int,
        created_at: float,
        parent_shard_id: str | None = None,
        adjacent_parent_shard_id: str | None = None,
    ) -> None:
        self.index = index
        self.shard_id = f"shardId-{index:012d}"
        self.hash_range = hash_range
        self.starting_counter = starting_counter
        self.ending_counter: int | None = None
        self.created_at = created_at
        self.closed_at: float | None = None
        self.parent_shard_id = parent_shard_id
        self.adjacent_parent_shard_id = adjacent_parent_shard_id
        self.children: list[ShardLog] = []
        self.data: list[bytes] = []
        self.keys: list[str] = []
        # A list, not array("q"): SequenceNumberForOrdering can push counters past 64 bits.
        self.counters: list[int] = []
        self.times = array("d")
        self.head = 0

    @property
    def is_open(self) -> bool:
        """Whether the shard still accepts records."""
        return self.ending_counter is None

    @property
    def starting_sequence_number(self) -> str:
        """The shard's StartingSequenceNumber."""
        return format_sequence_number(self.starting_counter, self.index)

    @property
    def ending_sequence_number(self) -> str | None:
        """The shard's EndingSequenceNumber, None while open."""
        if self.ending_counter is None:
            return None
        return format_sequence_number(self.ending_counter, self.index)

    def close(self, ending_counter: int, now: float) -> None:
        """Stop accepting records; `ending_counter` exceeds every record's counter."""
        self.ending_counter = ending_counter
        self.closed_at = now

    def __len__(self) -> int:
        """The number of untrimmed records."""
        return len(self.counters) - self.head

    def trim(self, cutoff: float) -> bool:
        """Drop records that arrived before `cutoff`; return whether any were."""
        times = self.times
        end = len(times)
        if self.head == end or times[self.head] >= cutoff:
            return False
        self.head = bisect_left(times, cutoff, self.head, end)
        if self.head >= _COMPACT_AT and self.head * 2 >= end:
            head = self.head
            del self.data[:head]
            del self.keys[:head]
            del self.counters[:head]
            del self.times[:head]
            self.head = 0
        return True

    def index_of_counter(self, counter: int) -> int:
        """Return the slot of the first untrimmed record with a counter >= `counter`."""
        return bisect_left(self.counters, counter, self.head)

    def index_of_time(self, timestamp: float) -> int:
        """Return the slot of the first untrimmed record that arrived at or after `timestamp`."""
        return bisect_left(self.times, timestamp, self.head)
