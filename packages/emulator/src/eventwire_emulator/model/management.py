"""Control-plane operations: resharding, stream settings, tags and consumers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from eventwire_emulator.model import metadata, resharding
from eventwire_emulator.model.account import METRICS, STREAM_MODES, Account, check_range
from eventwire_emulator.model.errors import (
    InvalidArgument,
    LimitExceeded,
    NextTokenExpired,
    ResourceNotFound,
    UnsupportedInStreamMode,
)
from eventwire_emulator.model.hashing import parse_hash_key
from eventwire_emulator.model.limits import DEFAULT_MAX_RECORD_KIB, MAX_RECORD_KIB
from eventwire_emulator.model.results import (
    Consumer,
    EnhancedMonitoringResult,
    ListStreamConsumersResult,
    ListTagsResult,
    UpdateShardCountResult,
)
from eventwire_emulator.model.stream import Stream

MIN_RETENTION_HOURS = 24
MAX_RETENTION_HOURS = 8760


class Management(Account):
    """Resharding, settings, tags and consumers of an account's streams."""

    def _provisioned(self, stream: Stream, operation: str) -> None:
        if stream.mode != "PROVISIONED":
            raise UnsupportedInStreamMode(operation, stream.name, stream.mode)

    # -- resharding --------------------------------------------------------------

    def split_shard(
        self, stream: str, shard_to_split: str, new_starting_hash_key: str | int
    ) -> None:
        """SplitShard: two children cover the parent's range, split at the new key."""
        if self._api_call("SplitShard"):
            self._limit_rate("SplitShard", self.clock.now())
        found = self._stream(stream)
        self._provisioned(found, "SplitShard")
        key = parse_hash_key(new_starting_hash_key, name="NewStartingHashKey")
        with self._lock:
            self._check_shard_budget(1)
            with found.lock:
                resharding.split(found, shard_to_split, key, self.clock.now(), self.account_id)

    def merge_shards(self, stream: str, shard_to_merge: str, adjacent_shard_to_merge: str) -> None:
        """MergeShards: one child covers two adjacent open shards."""
        if self._api_call("MergeShards"):
            self._limit_rate("MergeShards", self.clock.now())
        found = self._stream(stream)
        self._provisioned(found, "MergeShards")
        with found.lock:
            resharding.merge(
                found, shard_to_merge, adjacent_shard_to_merge, self.clock.now(), self.account_id
            )

    def update_shard_count(
        self, stream: str, target_shard_count: int, scaling_type: str = "UNIFORM_SCALING"
    ) -> UpdateShardCountResult:
        """UpdateShardCount via real splits then merges, ending with uniform ranges.

        With quotas on, at most ten calls a second per account and ten scalings per
        rolling 24 hours per stream are admitted (see `call_rates`).

        Raises:
            InvalidArgument: bad scaling type or target.
            UnsupportedInStreamMode: an ON_DEMAND stream.
            LimitExceeded: target above double or below half the open shards, above
                10,000, or beyond the account's shard limit; or a call rate exhausted.
        """
        limited = self._api_call("UpdateShardCount")
        if limited:
            self._limit_rate("UpdateShardCount", self.clock.now())
        if scaling_type != "UNIFORM_SCALING":
            raise InvalidArgument(f"Invalid ScalingType {scaling_type!r}: UNIFORM_SCALING only.")
        if target_shard_count < 1:
            raise InvalidArgument(f"TargetShardCount must be at least 1, got {target_shard_count}.")
        found = self._stream(stream)
        self._provisioned(found, "UpdateShardCount")
        with self._lock, found.lock:
            current = found.open_shard_count()
            if not math.ceil(current / 2) <= target_shard_count <= 2 * current:
                raise LimitExceeded(
                    f"TargetShardCount {target_shard_count} for stream {found.name} must be "
                    f"between half and double the current open shard count {current}."
                )
            if target_shard_count > 10_000:
                raise LimitExceeded(f"TargetShardCount {target_shard_count} exceeds 10000.")
            self._check_shard_budget(target_shard_count - current)
            if target_shard_count != current:
                if limited:
                    # Only a change of shard count is a scaling; counted last, when
                    # nothing else can refuse the call.
                    self._limit_rate(
                        "UpdateShardCount", self.clock.now(), found, counts="successes"
                    )
                resharding.scale_uniformly(found, target_shard_count, self.clock.now())
            return UpdateShardCountResult(found.name, found.arn, current, target_shard_count)

    # -- settings ----------------------------------------------------------------

    def increase_stream_retention_period(self, stream: str, retention_period_hours: int) -> None:
        """IncreaseStreamRetentionPeriod (24..8760, not below the current value)."""
        self._api_call("IncreaseStreamRetentionPeriod")
        self._set_retention(stream, retention_period_hours, increase=True)

    def decrease_stream_retention_period(self, stream: str, retention_period_hours: int) -> None:
        """DecreaseStreamRetentionPeriod (24..8760, not above the current value)."""
        self._api_call("DecreaseStreamRetentionPeriod")
        self._set_retention(stream, retention_period_hours, increase=False)

    def _set_retention(self, stream: str, hours: int, *, increase: bool) -> None:
        found = self._stream(stream)
        if not MIN_RETENTION_HOURS <= hours <= MAX_RETENTION_HOURS:
            raise InvalidArgument(
                f"Minimum allowed retention period is {MIN_RETENTION_HOURS} hours and maximum "
                f"is {MAX_RETENTION_HOURS} hours. Requested retention period ({hours} hours) "
                f"for stream {found.name} is out of range."
            )
        with found.lock:
            current = found.retention_hours
            if increase and hours < current:
                raise InvalidArgument(
                    f"Requested retention period ({hours} hours) for stream {found.name} can not "
                    f"be shorter than existing retention period ({current} hours). "
                    f"Use DecreaseStreamRetentionPeriod API."
                )
            if not increase and hours > current:
                raise InvalidArgument(
                    f"Requested retention period ({hours} hours) for stream {found.name} can not "
                    f"be longer than existing retention period ({current} hours). "
                    f"Use IncreaseStreamRetentionPeriod API."
                )
            found.retention_hours = hours
            found.trim(self.clock.now())

    def start_stream_encryption(
        self, stream: str, encryption_type: str = "KMS", key_id: str = "alias/aws/kinesis"
    ) -> None:
        """StartStreamEncryption: later records report EncryptionType KMS."""
        self._api_call("StartStreamEncryption")
        self._set_encryption(stream, encryption_type, key_id, enable=True)

    def stop_stream_encryption(
        self, stream: str, encryption_type: str = "KMS", key_id: str = "alias/aws/kinesis"
    ) -> None:
        """StopStreamEncryption: later records report EncryptionType NONE."""
        self._api_call("StopStreamEncryption")
        self._set_encryption(stream, encryption_type, key_id, enable=False)

    def _set_encryption(self, stream: str, kind: str, key_id: str, *, enable: bool) -> None:
        found = self._stream(stream)
        if kind != "KMS":
            raise InvalidArgument(
                f"Invalid EncryptionType {kind!r}: only KMS can be started or stopped."
            )
        if not 1 <= len(key_id) <= 2048:
            raise InvalidArgument(f"Invalid KeyId {key_id!r}: must be 1 to 2048 characters.")
        with found.lock:
            found.encryption_type = "KMS" if enable else "NONE"
            found.key_id = key_id if enable else None
            found.encryption_changes.append((found.counter, found.encryption_type))

    def enable_enhanced_monitoring(
        self, stream: str, shard_level_metrics: Sequence[str]
    ) -> EnhancedMonitoringResult:
        """EnableEnhancedMonitoring ("ALL" means every metric)."""
        self._api_call("EnableEnhancedMonitoring")
        return self._set_metrics(stream, shard_level_metrics, enable=True)

    def disable_enhanced_monitoring(
        self, stream: str, shard_level_metrics: Sequence[str]
    ) -> EnhancedMonitoringResult:
        """DisableEnhancedMonitoring ("ALL" means every metric)."""
        self._api_call("DisableEnhancedMonitoring")
        return self._set_metrics(stream, shard_level_metrics, enable=False)

    def _set_metrics(
        self, stream: str, metrics: Sequence[str], *, enable: bool
    ) -> EnhancedMonitoringResult:
        found = self._stream(stream)
        if not metrics:
            raise InvalidArgument("ShardLevelMetrics must name at least one metric.")
        chosen: set[str] = set()
        for metric in metrics:
            if metric == "ALL":
                chosen.update(METRICS)
            elif metric in METRICS:
                chosen.add(metric)
            else:
                raise InvalidArgument(
                    f"Invalid ShardLevelMetrics value {metric!r}: one of {', '.join(METRICS)}, ALL."
                )
        with found.lock:
            before = tuple(sorted(found.enhanced_metrics))
            if enable:
                found.enhanced_metrics |= chosen
            else:
                found.enhanced_metrics -= chosen
            after = tuple(sorted(found.enhanced_metrics))
        return EnhancedMonitoringResult(found.name, found.arn, before, after)

    def update_stream_mode(self, stream: str, stream_mode: str) -> None:
        """UpdateStreamMode: PROVISIONED or ON_DEMAND; the shards stay as they are."""
        self._api_call("UpdateStreamMode")
        if stream_mode not in STREAM_MODES:
            raise InvalidArgument(f"Invalid StreamMode {stream_mode!r}: PROVISIONED or ON_DEMAND.")
        with self._lock:
            found = self._stream(stream)
            if (
                stream_mode == "ON_DEMAND"
                and found.mode != "ON_DEMAND"
                and self._on_demand_total() >= self.on_demand_stream_count_limit
            ):
                raise LimitExceeded(
                    f"Account {self.account_id} already has "
                    f"{self.on_demand_stream_count_limit} ON_DEMAND streams, the limit."
                )
            found.mode = stream_mode

    def update_max_record_size(self, stream: str, max_record_size_in_kib: int) -> None:
        """UpdateMaxRecordSize (1024..10240 KiB)."""
        self._api_call("UpdateMaxRecordSize")
        check_range(
            max_record_size_in_kib, DEFAULT_MAX_RECORD_KIB, MAX_RECORD_KIB, "MaxRecordSizeInKiB"
        )
        found = self._stream(stream)
        with found.lock:
            found.max_record_bytes = max_record_size_in_kib * 1024

    # -- tags ------------------------------------------------------------------

    def add_tags_to_stream(self, stream: str, tags: Mapping[str, str]) -> None:
        """AddTagsToStream: add or overwrite; a stream holds at most 50 tags."""
        if self._api_call("AddTagsToStream"):
            self._limit_rate("AddTagsToStream", self.clock.now())
        found = self._stream(stream)
        with found.lock:
            metadata.add_tags(found.tags, tags, f"stream {found.name}")

    def remove_tags_from_stream(self, stream: str, tag_keys: Sequence[str]) -> None:
        """RemoveTagsFromStream; unknown keys are ignored."""
        if self._api_call("RemoveTagsFromStream"):
            self._limit_rate("RemoveTagsFromStream", self.clock.now())
        found = self._stream(stream)
        with found.lock:
            metadata.remove_tags(found.tags, tag_keys)

    def list_tags_for_stream(
        self,
        stream: str,
        *,
        exclusive_start_tag_key: str | None = None,
        limit: int | None = None,
    ) -> ListTagsResult:
        """ListTagsForStream, sorted by key, `limit` (default 50) per page."""
        if self._api_call("ListTagsForStream"):
            self._limit_rate("ListTagsForStream", self.clock.now())
        check_range(limit, 1, 50, "Limit")
        found = self._stream(stream)
        with found.lock:
            tags = sorted(found.tags.items())
        if exclusive_start_tag_key is not None:
            tags = [t for t in tags if t[0] > exclusive_start_tag_key]
        page = tags[: limit or 50]
        return ListTagsResult(page, len(tags) > len(page))

    def _resource_tags(self, resource_arn: str) -> tuple[Stream, dict[str, str]]:
        if "/consumer/" in resource_arn:
            stream_arn, name = metadata.split_consumer_arn(resource_arn)
            found = self._stream(stream_arn)
            entry = found.consumers.get(name)
            if entry is None or entry[0] != resource_arn:
                raise ResourceNotFound(f"Consumer {resource_arn} not found.")
            return found, entry[2]
        found = self._stream(resource_arn)
        return found, found.tags

    def tag_resource(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        """TagResource on a stream or consumer ARN."""
        self._api_call("TagResource")
        found, current = self._resource_tags(resource_arn)
        with found.lock:
            metadata.add_tags(current, tags, resource_arn)

    def untag_resource(self, resource_arn: str, tag_keys: Sequence[str]) -> None:
        """UntagResource on a stream or consumer ARN."""
        self._api_call("UntagResource")
        found, current = self._resource_tags(resource_arn)
        with found.lock:
            metadata.remove_tags(current, tag_keys)

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, str]:
        """ListTagsForResource on a stream or consumer ARN."""
        self._api_call("ListTagsForResource")
        found, current = self._resource_tags(resource_arn)
        with found.lock:
            return dict(sorted(current.items()))

    # -- consumers ---------------------------------------------------------------

    def register_stream_consumer(
        self, stream_arn: str, consumer_name: str, *, tags: Mapping[str, str] | None = None
    ) -> Consumer:
        """RegisterStreamConsumer: at most 20 per stream; reported ACTIVE at once.

        `tags` are validated and applied with the registration: bad tags register nothing.
        """
        if self._api_call("RegisterStreamConsumer"):
            self._limit_rate("RegisterStreamConsumer", self.clock.now())
        found = self._stream(stream_arn)
        with found.lock:
            return metadata.register(found, consumer_name, self.clock.now(), tags)

    def _consumer(
        self, stream_arn: str | None, consumer_name: str | None, consumer_arn: str | None
    ) -> tuple[Stream, str]:
        if consumer_arn is not None:
            if stream_arn is not None or consumer_name is not None:
                raise InvalidArgument("Give ConsumerARN, or StreamARN and ConsumerName, not both.")
            stream_arn, consumer_name = metadata.split_consumer_arn(consumer_arn)
            found = self._stream(stream_arn)
            entry = found.consumers.get(consumer_name)
            if entry is None or entry[0] != consumer_arn:
                raise ResourceNotFound(f"Consumer {consumer_arn} not found.")
            return found, consumer_name
        if stream_arn is None or consumer_name is None:
            raise InvalidArgument("Give ConsumerARN, or both StreamARN and ConsumerName.")
        return self._stream(stream_arn), consumer_name

    def describe_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> Consumer:
        """DescribeStreamConsumer by consumer ARN, or by stream ARN and name."""
        limited = self._api_call("DescribeStreamConsumer")
        found, name = self._consumer(stream_arn, consumer_name, consumer_arn)
        if limited:
            self._limit_rate("DescribeStreamConsumer", self.clock.now(), found)
        with found.lock:
            return metadata.describe(found, name)

    def list_stream_consumers(
        self,
        stream_arn: str,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
        stream_creation_timestamp: float | None = None,
    ) -> ListStreamConsumersResult:
        """ListStreamConsumers, in registration order, `max_results` (default 100) per page."""
        limited = self._api_call("ListStreamConsumers")
        check_range(max_results, 1, 10_000, "MaxResults")
        found = self._stream(stream_arn)
        if limited:
            self._limit_rate("ListStreamConsumers", self.clock.now(), found)
        if stream_creation_timestamp is not None and stream_creation_timestamp != found.created_at:
            raise ResourceNotFound(
                f"Stream {found.name} created at {stream_creation_timestamp} not found."
            )
        now = self.clock.now()
        start = 0
        if next_token is not None:
            serial, offset, issued = self._tokens.decode("consumers", next_token, "NextToken")
            if serial != found.serial or not isinstance(offset, int):
                raise InvalidArgument("This NextToken belongs to another stream.")
            if not isinstance(issued, int | float) or now - issued > 300:
                raise NextTokenExpired(f"The NextToken {next_token[:32]}... has expired.")
            start = offset
        with found.lock:
            names = list(found.consumers)
            everyone = [metadata.describe(found, n) for n in names]
        page = everyone[start : start + (max_results or 100)]
        more = start + len(page) < len(everyone)
        token = (
            self._tokens.encode("consumers", [found.serial, start + len(page), now])
            if more
            else None
        )
        return ListStreamConsumersResult(page, token)

    def deregister_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> None:
        """DeregisterStreamConsumer by consumer ARN, or by stream ARN and name.

        The consumer's live SubscribeToShard subscriptions end (see `Subscription.check`).
        """
        limited = self._api_call("DeregisterStreamConsumer")
        found, name = self._consumer(stream_arn, consumer_name, consumer_arn)
        if limited:
            self._limit_rate("DeregisterStreamConsumer", self.clock.now(), found)
        with found.lock:
            arn = metadata.describe(found, name).consumer_arn
            del found.consumers[name]
            self._subscriptions.end_consumer(arn)
