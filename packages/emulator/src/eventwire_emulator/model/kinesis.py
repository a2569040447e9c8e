"""The model root: an account's Kinesis streams in one region, operation by operation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eventwire_emulator.model.clock import Clock, SystemClock
from eventwire_emulator.model.faults import FaultInjector
from eventwire_emulator.model.results import (
    Consumer,
    EnhancedMonitoringResult,
    GetRecordsResult,
    Limits,
    ListShardsResult,
    ListStreamConsumersResult,
    ListStreamsResult,
    ListTagsResult,
    PutRecordResult,
    PutRecordsRequestEntry,
    PutRecordsResult,
    ShardBatch,
    ShardFilter,
    StreamDescription,
    StreamDescriptionSummary,
    UpdateShardCountResult,
)


class Kinesis:
    """An in-memory Kinesis Data Streams account in one region.

    Streams are addressed by name or ARN (`stream` parameters accept both).
    Operations take effect immediately and streams always report ACTIVE (AWS
    passes through CREATING/UPDATING/DELETING). Quotas are off by default;
    thread-safe.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        quotas: bool = False,
        region: str = "us-east-1",
        account_id: str = "000000000000",
        shard_limit: int = 500,
        on_demand_stream_count_limit: int = 50,
        faults: FaultInjector | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.quotas = quotas
        self.region = region
        self.account_id = account_id
        self.shard_limit = shard_limit
        self.on_demand_stream_count_limit = on_demand_stream_count_limit
        self.faults = faults or FaultInjector()

    def stream_arn(self, stream_name: str) -> str:
        """Return the ARN a stream of this name has (or would have) in this account."""
        return f"arn:aws:kinesis:{self.region}:{self.account_id}:stream/{stream_name}"

    # -- streams ---------------------------------------------------------------

    def create_stream(
        self,
        stream_name: str,
        shard_count: int | None = None,
        *,
        stream_mode: str = "PROVISIONED",
        tags: Mapping[str, str] | None = None,
        max_record_size_in_kib: int | None = None,
    ) -> None:
        """CreateStream: PROVISIONED needs `shard_count`; ON_DEMAND starts with 4 shards."""
        raise NotImplementedError

    def delete_stream(self, stream: str, *, enforce_consumer_deletion: bool = False) -> None:
        """DeleteStream; refuses while consumers exist unless `enforce_consumer_deletion`."""
        raise NotImplementedError

    def describe_stream(
        self,
        stream: str,
        *,
        limit: int | None = None,
        exclusive_start_shard_id: str | None = None,
    ) -> StreamDescription:
        """DescribeStream: up to `limit` (default 100) shards after the exclusive start."""
        raise NotImplementedError

    def describe_stream_summary(self, stream: str) -> StreamDescriptionSummary:
        """DescribeStreamSummary."""
        raise NotImplementedError

    def list_streams(
        self,
        *,
        limit: int | None = None,
        exclusive_start_stream_name: str | None = None,
        next_token: str | None = None,
    ) -> ListStreamsResult:
        """ListStreams, sorted by name, `limit` (default 100) per page."""
        raise NotImplementedError

    def describe_limits(self) -> Limits:
        """DescribeLimits: shard and on-demand stream limits and current usage."""
        raise NotImplementedError

    # -- writes ----------------------------------------------------------------

    def put_record(
        self,
        stream: str,
        data: bytes,
        partition_key: str,
        *,
        explicit_hash_key: str | None = None,
        sequence_number_for_ordering: str | None = None,
    ) -> PutRecordResult:
        """PutRecord."""
        raise NotImplementedError

    def put_records(
        self,
        stream: str,
        records: Sequence[PutRecordsRequestEntry | tuple[bytes, str, str | None]],
    ) -> PutRecordsResult:
        """PutRecords: entries may fail one by one; the results keep request order."""
        raise NotImplementedError

    # -- reads -----------------------------------------------------------------

    def get_shard_iterator(
        self,
        stream: str,
        shard_id: str,
        shard_iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> str:
        """GetShardIterator: an opaque iterator valid for five minutes."""
        raise NotImplementedError

    def get_records(self, shard_iterator: str, *, limit: int | None = None) -> GetRecordsResult:
        """GetRecords: up to `limit` (default 10,000) records and at most 10 MiB."""
        raise NotImplementedError

    def read_shard(
        self,
        stream: str,
        shard_id: str,
        starting_position_type: str,
        *,
        sequence_number: str | None = None,
        timestamp: float | None = None,
        limit: int = 10_000,
    ) -> ShardBatch:
        """Read a shard from a starting position, for SubscribeToShard events.

        The position types are those of GetShardIterator; resume with
        AFTER_SEQUENCE_NUMBER and the batch's continuation sequence number.
        No read quota applies (enhanced fan-out has its own pipe).
        """
        raise NotImplementedError

    def list_shards(
        self,
        stream: str | None = None,
        *,
        next_token: str | None = None,
        exclusive_start_shard_id: str | None = None,
        max_results: int | None = None,
        shard_filter: ShardFilter | None = None,
        stream_creation_timestamp: float | None = None,
    ) -> ListShardsResult:
        """ListShards: give `stream` or `next_token`, not both; tokens live 300 seconds."""
        raise NotImplementedError

    # -- resharding and settings -------------------------------------------------

    def split_shard(self, stream: str, shard_to_split: str, new_starting_hash_key: str) -> None:
        """SplitShard: two children cover the parent's range, split at the new key."""
        raise NotImplementedError

    def merge_shards(self, stream: str, shard_to_merge: str, adjacent_shard_to_merge: str) -> None:
        """MergeShards: one child covers two adjacent open shards."""
        raise NotImplementedError

    def update_shard_count(
        self, stream: str, target_shard_count: int, scaling_type: str = "UNIFORM_SCALING"
    ) -> UpdateShardCountResult:
        """UpdateShardCount via real splits then merges, ending with uniform ranges."""
        raise NotImplementedError

    def increase_stream_retention_period(self, stream: str, retention_period_hours: int) -> None:
        """IncreaseStreamRetentionPeriod (24..8760, not below the current value)."""
        raise NotImplementedError

    def decrease_stream_retention_period(self, stream: str, retention_period_hours: int) -> None:
        """DecreaseStreamRetentionPeriod (24..8760, not above the current value)."""
        raise NotImplementedError

    def start_stream_encryption(
        self, stream: str, encryption_type: str = "KMS", key_id: str = "alias/aws/kinesis"
    ) -> None:
        """StartStreamEncryption: later records report EncryptionType KMS."""
        raise NotImplementedError

    def stop_stream_encryption(
        self, stream: str, encryption_type: str = "KMS", key_id: str = "alias/aws/kinesis"
    ) -> None:
        """StopStreamEncryption: later records report EncryptionType NONE."""
        raise NotImplementedError

    def enable_enhanced_monitoring(
        self, stream: str, shard_level_metrics: Sequence[str]
    ) -> EnhancedMonitoringResult:
        """EnableEnhancedMonitoring ("ALL" means every metric)."""
        raise NotImplementedError

    def disable_enhanced_monitoring(
        self, stream: str, shard_level_metrics: Sequence[str]
    ) -> EnhancedMonitoringResult:
        """DisableEnhancedMonitoring ("ALL" means every metric)."""
        raise NotImplementedError

    def update_stream_mode(self, stream: str, stream_mode: str) -> None:
        """UpdateStreamMode: PROVISIONED or ON_DEMAND; the shards stay as they are."""
        raise NotImplementedError

    def update_max_record_size(self, stream: str, max_record_size_in_kib: int) -> None:
        """UpdateMaxRecordSize (1024..10240 KiB)."""
        raise NotImplementedError

    # -- tags ------------------------------------------------------------------

    def add_tags_to_stream(self, stream: str, tags: Mapping[str, str]) -> None:
        """AddTagsToStream: add or overwrite; a stream holds at most 50 tags."""
        raise NotImplementedError

    def remove_tags_from_stream(self, stream: str, tag_keys: Sequence[str]) -> None:
        """RemoveTagsFromStream; unknown keys are ignored."""
        raise NotImplementedError

    def list_tags_for_stream(
        self,
        stream: str,
        *,
        exclusive_start_tag_key: str | None = None,
        limit: int | None = None,
    ) -> ListTagsResult:
        """ListTagsForStream, sorted by key, `limit` (default 50) per page."""
        raise NotImplementedError

    def tag_resource(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        """TagResource on a stream or consumer ARN."""
        raise NotImplementedError

    def untag_resource(self, resource_arn: str, tag_keys: Sequence[str]) -> None:
        """UntagResource on a stream or consumer ARN."""
        raise NotImplementedError

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, str]:
        """ListTagsForResource on a stream or consumer ARN."""
        raise NotImplementedError

    # -- consumers ---------------------------------------------------------------

    def register_stream_consumer(self, stream_arn: str, consumer_name: str) -> Consumer:
        """RegisterStreamConsumer: at most 20 per stream; reported ACTIVE at once."""
        raise NotImplementedError

    def describe_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> Consumer:
        """DescribeStreamConsumer by consumer ARN, or by stream ARN and name."""
        raise NotImplementedError

    def list_stream_consumers(
        self,
        stream_arn: str,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
        stream_creation_timestamp: float | None = None,
    ) -> ListStreamConsumersResult:
        """ListStreamConsumers, in registration order, `max_results` (default 100) per page."""
        raise NotImplementedError

    def deregister_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> None:
        """DeregisterStreamConsumer by consumer ARN, or by stream ARN and name."""
        raise NotImplementedError
