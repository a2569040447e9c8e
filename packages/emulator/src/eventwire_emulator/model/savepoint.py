"""Savepoints: a stream's state before an operation, restored if the operation breaks.

An operation that fails with an unexpected error (a bug, or a fault injected
to test this) must leave the stream as it found it, or one bad request would
break the stream for every later one. Two weights exist: `DataMark` for the
put paths (records only ever go to the tails of open shards, so a counter
suffices and taking one costs nothing), and `Savepoint` for control-plane
operations, which copies what they may change (shard lineage, settings,
tags, consumers) at a cost linear in the number of shards.

Callers hold the stream lock from taking a savepoint to discarding it.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventwire_emulator.model.shard_log import ShardLog
from eventwire_emulator.model.stream import Stream


@dataclass(frozen=True, slots=True)
class DataMark:
    """The record state of a stream: its counter and last arrival time."""

    counter: int
    last_time: float

    @classmethod
    def take(cls, stream: Stream) -> DataMark:
        """Mark the stream's records as they are now."""
        return cls(stream.counter, stream.last_time)

    def restore(self, stream: Stream) -> None:
        """Drop every record appended since the mark."""
        for shard in stream.shards:
            _drop_after(shard, self.counter)
        stream.counter = self.counter
        stream.last_time = self.last_time


def _drop_after(shard: ShardLog, counter: int) -> None:
    counters = shard.counters
    keep = len(counters)
    while keep > shard.head and counters[keep - 1] > counter:
        keep -= 1
    if keep < len(counters):
        del shard.data[keep:]
        del shard.keys[keep:]
        del shard.counters[keep:]
        del shard.times[keep:]


@dataclass(frozen=True, slots=True)
class _ShardState:
    shard: ShardLog
    ending_counter: int | None
    closed_at: float | None
    children: int


@dataclass(frozen=True, slots=True)
class Savepoint:
    """Everything a control-plane operation may change in one stream."""

    data: DataMark
    shards: tuple[_ShardState, ...]
    retention_hours: int
    mode: str
    max_record_bytes: int
    encryption: tuple[str, str | None, int]
    enhanced_metrics: frozenset[str]
    tags: dict[str, str]
    policies: dict[str, str]
    extras: tuple[int | None, str, str, float]
    consumers: dict[str, tuple[str, float, dict[str, str]]]

    @classmethod
    def take(cls, stream: Stream) -> Savepoint:
        """Copy the stream's changeable state."""
        return cls(
            DataMark.take(stream),
            tuple(
                _ShardState(s, s.ending_counter, s.closed_at, len(s.children))
                for s in stream.shards
            ),
            stream.retention_hours,
            stream.mode,
            stream.max_record_bytes,
            (stream.encryption_type, stream.key_id, len(stream.encryption_changes)),
            frozenset(stream.enhanced_metrics),
            dict(stream.tags),
            dict(stream.policies),
            (
                stream.warm_throughput_mibps,
                stream.record_distribution,
                stream.pending,
                stream.ready_at,
            ),
            {name: (arn, at, dict(tags)) for name, (arn, at, tags) in stream.consumers.items()},
        )

    def restore(self, stream: Stream) -> None:
        """Put the stream back as it was when the savepoint was taken."""
        for shard in stream.shards[len(self.shards) :]:
            del stream.by_id[shard.shard_id]
        del stream.shards[len(self.shards) :]
        for state in self.shards:
            state.shard.ending_counter = state.ending_counter
            state.shard.closed_at = state.closed_at
            del state.shard.children[state.children :]
        self.data.restore(stream)
        stream.reroute()
        stream.retention_hours = self.retention_hours
        stream.mode = self.mode
        stream.max_record_bytes = self.max_record_bytes
        stream.encryption_type, stream.key_id, changes = self.encryption
        del stream.encryption_changes[changes:]
        stream.enhanced_metrics = set(self.enhanced_metrics)
        stream.tags.clear()
        stream.tags.update(self.tags)
        stream.policies.clear()
        stream.policies.update(self.policies)
        (
            stream.warm_throughput_mibps,
            stream.record_distribution,
            stream.pending,
            stream.ready_at,
        ) = self.extras
        stream.consumers.clear()
        stream.consumers.update(self.consumers)
