"""Shard descriptions and the ListShards filters."""

from __future__ import annotations

from eventwire_emulator.model.errors import InvalidArgument
from eventwire_emulator.model.results import SequenceNumberRange, Shard, ShardFilter
from eventwire_emulator.model.shard_log import ShardLog
from eventwire_emulator.model.stream import Stream

SHARD_FILTER_TYPES = (
    "AFTER_SHARD_ID",
    "AT_TRIM_HORIZON",
    "FROM_TRIM_HORIZON",
    "AT_LATEST",
    "AT_TIMESTAMP",
    "FROM_TIMESTAMP",
)


def describe_shard(shard: ShardLog) -> Shard:
    """Return the public description of a shard."""
    return Shard(
        shard.shard_id,
        shard.parent_shard_id,
        shard.adjacent_parent_shard_id,
        shard.hash_range,
        SequenceNumberRange(shard.starting_sequence_number, shard.ending_sequence_number),
    )


def live_shards(stream: Stream, now: float) -> list[ShardLog]:
    """Shards within retention (open, or closed less than the retention period ago), by id."""
    return [s for s in stream.shards if stream.is_live(s, now)]


def check_filter(shard_filter: ShardFilter) -> None:
    """Check that a filter has the fields its type needs.

    Raises:
        InvalidArgument: an unknown type or a missing/extra field.
    """
    kind = shard_filter.type
    if kind not in SHARD_FILTER_TYPES:
        raise InvalidArgument(
            f"Invalid ShardFilter type {kind!r}: must be one of {', '.join(SHARD_FILTER_TYPES)}."
        )
    needs_id = kind == "AFTER_SHARD_ID"
    needs_time = kind in ("AT_TIMESTAMP", "FROM_TIMESTAMP")
    if needs_id != (shard_filter.shard_id is not None):
        raise InvalidArgument(
            f"ShardFilter type {kind} {'requires' if needs_id else 'does not take'} a ShardId."
        )
    if needs_time != (shard_filter.timestamp is not None):
        raise InvalidArgument(
            f"ShardFilter type {kind} {'requires' if needs_time else 'does not take'} a Timestamp."
        )


def filter_shards(stream: Stream, shard_filter: ShardFilter | None, now: float) -> list[ShardLog]:
    """Return the live shards a ListShards filter selects, by id."""
    shards = live_shards(stream, now)
    if shard_filter is None or shard_filter.type == "FROM_TRIM_HORIZON":
        return shards
    kind = shard_filter.type
    horizon = max(stream.retention_cutoff(now), stream.created_at)
    if kind == "AFTER_SHARD_ID":
        return after(shards, shard_filter.shard_id)
    if kind == "AT_LATEST":
        return [s for s in shards if s.is_open]
    if kind == "AT_TRIM_HORIZON":
        return [s for s in shards if _open_at(s, horizon)]
    timestamp = shard_filter.timestamp if shard_filter.timestamp is not None else now
    if kind == "AT_TIMESTAMP":
        return [s for s in shards if _open_at(s, timestamp)]
    timestamp = max(timestamp, horizon)
    return [s for s in shards if s.closed_at is None or s.closed_at >= timestamp]


def _open_at(shard: ShardLog, timestamp: float) -> bool:
    return shard.created_at <= timestamp and (
        shard.closed_at is None or shard.closed_at >= timestamp
    )


def after(shards: list[ShardLog], shard_id: str | None) -> list[ShardLog]:
    """Return the shards whose id sorts after `shard_id` (all if None)."""
    if shard_id is None:
        return shards
    return [s for s in shards if s.shard_id > shard_id]
