"""Immutable values the model returns; timestamps are float seconds since the epoch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from eventwire_emulator.model.errors import ModelError
from eventwire_emulator.model.hashing import HashRange


class PutRecordsRequestEntry(NamedTuple):
    """One entry of a PutRecords request; a plain tuple works too.

    A named tuple rather than a dataclass because the put path builds and unpacks
    hundreds of thousands of these per second.
    """

    data: bytes
    partition_key: str
    explicit_hash_key: str | None = None


class PutRecordsResultEntry(NamedTuple):
    """The outcome of one PutRecords entry: a sequence number and shard, or an error.

    A failed entry carries the model error (`ThroughputExceeded`, `InjectedFault`),
    not an AWS error code: adapters name it with the wire layer's one error table.
    A named tuple for the same hot-path reason as `PutRecordsRequestEntry`.
    """

    sequence_number: str | None
    shard_id: str | None
    error: ModelError | None = None


@dataclass(frozen=True, slots=True)
class PutRecordResult:
    """The result of PutRecord."""

    shard_id: str
    sequence_number: str
    encryption_type: str


@dataclass(frozen=True, slots=True)
class PutRecordsResult:
    """The result of PutRecords: one entry per request entry, in request order."""

    failed_record_count: int
    records: list[PutRecordsResultEntry]
    encryption_type: str


@dataclass(frozen=True, slots=True)
class Record:
    """A stored data record as GetRecords returns it."""

    sequence_number: str
    approximate_arrival_timestamp: float
    data: bytes
    partition_key: str
    encryption_type: str


@dataclass(frozen=True, slots=True)
class ChildShard:
    """A child of a closed shard, reported when a reader reaches the parent's end."""

    shard_id: str
    parent_shards: tuple[str, ...]
    hash_key_range: HashRange


@dataclass(frozen=True, slots=True)
class GetRecordsResult:
    """The result of GetRecords; `next_shard_iterator` is None once a closed shard is read."""

    records: list[Record]
    next_shard_iterator: str | None
    millis_behind_latest: int
    child_shards: tuple[ChildShard, ...] | None


@dataclass(frozen=True, slots=True)
class ShardBatch:
    """Records after a position, for SubscribeToShard events.

    `continuation_sequence_number` is the position to resume AFTER; None once the
    end of a closed shard is reached (then `child_shards` is set).
    """

    records: list[Record]
    continuation_sequence_number: str | None
    millis_behind_latest: int
    child_shards: tuple[ChildShard, ...] | None


@dataclass(frozen=True, slots=True)
class SequenceNumberRange:
    """The sequence numbers a shard covers; `ending` is None while the shard is open."""

    starting_sequence_number: str
    ending_sequence_number: str | None


@dataclass(frozen=True, slots=True)
class Shard:
    """A shard's description, as DescribeStream and ListShards report it."""

    shard_id: str
    parent_shard_id: str | None
    adjacent_parent_shard_id: str | None
    hash_key_range: HashRange
    sequence_number_range: SequenceNumberRange


@dataclass(frozen=True, slots=True)
class ShardFilter:
    """ListShards filter: `type` plus the shard id or timestamp that type needs."""

    type: str
    shard_id: str | None = None
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class ListShardsResult:
    """A page of shards and the token for the next one (None on the last page)."""

    shards: list[Shard]
    next_token: str | None


@dataclass(frozen=True, slots=True)
class StreamDescription:
    """The result of DescribeStream."""

    stream_name: str
    stream_arn: str
    stream_status: str
    stream_mode: str
    shards: list[Shard]
    has_more_shards: bool
    retention_period_hours: int
    stream_creation_timestamp: float
    enhanced_monitoring: tuple[str, ...]
    encryption_type: str
    key_id: str | None


@dataclass(frozen=True, slots=True)
class StreamDescriptionSummary:
    """The result of DescribeStreamSummary."""

    stream_name: str
    stream_arn: str
    stream_status: str
    stream_mode: str
    retention_period_hours: int
    stream_creation_timestamp: float
    enhanced_monitoring: tuple[str, ...]
    encryption_type: str
    key_id: str | None
    open_shard_count: int
    consumer_count: int
    max_record_size_in_kib: int


@dataclass(frozen=True, slots=True)
class StreamSummary:
    """One stream in ListStreams."""

    stream_name: str
    stream_arn: str
    stream_status: str
    stream_mode: str
    stream_creation_timestamp: float


@dataclass(frozen=True, slots=True)
class ListStreamsResult:
    """A page of streams."""

    stream_names: list[str]
    has_more_streams: bool
    next_token: str | None
    stream_summaries: list[StreamSummary]


@dataclass(frozen=True, slots=True)
class Limits:
    """The result of DescribeLimits."""

    shard_limit: int
    open_shard_count: int
    on_demand_stream_count: int
    on_demand_stream_count_limit: int


@dataclass(frozen=True, slots=True)
class UpdateShardCountResult:
    """The result of UpdateShardCount."""

    stream_name: str
    stream_arn: str
    current_shard_count: int
    target_shard_count: int


@dataclass(frozen=True, slots=True)
class EnhancedMonitoringResult:
    """The result of Enable/DisableEnhancedMonitoring."""

    stream_name: str
    stream_arn: str
    current_shard_level_metrics: tuple[str, ...]
    desired_shard_level_metrics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListTagsResult:
    """A page of a stream's tags, sorted by key."""

    tags: list[tuple[str, str]]
    has_more_tags: bool


@dataclass(frozen=True, slots=True)
class Consumer:
    """An enhanced fan-out consumer (also the ConsumerDescription shape)."""

    consumer_name: str
    consumer_arn: str
    consumer_status: str
    consumer_creation_timestamp: float
    stream_arn: str


@dataclass(frozen=True, slots=True)
class ListStreamConsumersResult:
    """A page of consumers."""

    consumers: list[Consumer]
    next_token: str | None


@dataclass(frozen=True, slots=True)
class BillingCommitment:
    """The minimum throughput billing commitment (Describe/UpdateAccountSettings)."""

    status: str
    started_at: float | None = None
    ended_at: float | None = None


@dataclass(frozen=True, slots=True)
class WarmThroughputResult:
    """UpdateStreamWarmThroughput's answer."""

    stream_name: str
    stream_arn: str
    target_mibps: int
    current_mibps: int
