"""Control-plane operations on a stream: resharding and stream settings."""

from __future__ import annotations

import math
from collections.abc import Sequence

from eventwire_emulator.model import resharding
from eventwire_emulator.model.account import (
    METRICS,
    STREAM_MODES,
    Account,
    check_range,
)
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.errors import (
    InvalidArgument,
    LimitExceeded,
    UnsupportedInStreamMode,
)
from eventwire_emulator.model.hashing import parse_hash_key
from eventwire_emulator.model.limits import DEFAULT_MAX_RECORD_KIB, MAX_RECORD_KIB
from eventwire_emulator.model.results import (
    EnhancedMonitoringResult,
    UpdateShardCountResult,
    WarmThroughputResult,
)
from eventwire_emulator.model.stream import Stream

MIN_RETENTION_HOURS = 24
MAX_RETENTION_HOURS = 8760
RECORD_DISTRIBUTION_STRATEGIES = ("AUTO", "USER_PARTITION_KEY")


class Control:
    """Resharding and settings of one account's streams; thread-safe."""

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission

    def _provisioned(self, stream: Stream, operation: str) -> None:
        if stream.mode != "PROVISIONED":
            raise UnsupportedInStreamMode(operation, stream.name, stream.mode)

    # -- resharding --------------------------------------------------------------

    def split_shard(
        self, stream: str, shard_to_split: str, new_starting_hash_key: str | int
    ) -> None:
        """SplitShard: two children cover the parent's range, split at the new key."""
        if self._admission.api_call("SplitShard"):
            self._admission.limit_rate("SplitShard", self._account.clock.now())
        found = self._account.stream(stream)
        self._provisioned(found, "SplitShard")
        key = parse_hash_key(new_starting_hash_key, name="NewStartingHashKey")
        with self._account.lock:
            self._account.check_shard_budget(1)
            self._account.require_active(found, "SplitShard")
            with found.lock, self._admission.changing(found, "SplitShard"):
                now = self._account.clock.now()
                resharding.split(found, shard_to_split, key, now, self._account.account_id)
                found.enter("UPDATING", now, self._account.update_delay)

    def merge_shards(self, stream: str, shard_to_merge: str, adjacent_shard_to_merge: str) -> None:
        """MergeShards: one child covers two adjacent open shards."""
        if self._admission.api_call("MergeShards"):
            self._admission.limit_rate("MergeShards", self._account.clock.now())
        found = self._account.stream(stream)
        self._provisioned(found, "MergeShards")
        self._account.require_active(found, "MergeShards")
        with found.lock, self._admission.changing(found, "MergeShards"):
            now = self._account.clock.now()
            resharding.merge(
                found, shard_to_merge, adjacent_shard_to_merge, now, self._account.account_id
            )
            found.enter("UPDATING", now, self._account.update_delay)

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
        limited = self._admission.api_call("UpdateShardCount")
        if limited:
            self._admission.limit_rate("UpdateShardCount", self._account.clock.now())
        if scaling_type != "UNIFORM_SCALING":
            raise InvalidArgument(f"Invalid ScalingType {scaling_type!r}: UNIFORM_SCALING only.")
        if target_shard_count < 1:
            raise InvalidArgument(f"TargetShardCount must be at least 1, got {target_shard_count}.")
        found = self._account.stream(stream)
        self._provisioned(found, "UpdateShardCount")
        self._account.require_active(found, "UpdateShardCount")
        with self._account.lock, found.lock, self._admission.changing(found, "UpdateShardCount"):
            current = found.open_shard_count()
            if not math.ceil(current / 2) <= target_shard_count <= 2 * current:
                raise LimitExceeded(
                    f"TargetShardCount {target_shard_count} for stream {found.name} must be "
                    f"between half and double the current open shard count {current}."
                )
            if target_shard_count > 10_000:
                raise LimitExceeded(f"TargetShardCount {target_shard_count} exceeds 10000.")
            self._account.check_shard_budget(target_shard_count - current)
            if target_shard_count != current:
                if limited:
                    # Only a change of shard count is a scaling; counted last, when
                    # nothing else can refuse the call.
                    self._admission.limit_rate(
                        "UpdateShardCount", self._account.clock.now(), found, counts="successes"
                    )
                now = self._account.clock.now()
                resharding.scale_uniformly(found, target_shard_count, now)
                found.enter("UPDATING", now, self._account.update_delay)
            return UpdateShardCountResult(found.name, found.arn, current, target_shard_count)

    # -- settings ----------------------------------------------------------------

    def increase_stream_retention_period(self, stream: str, retention_period_hours: int) -> None:
        """IncreaseStreamRetentionPeriod (24..8760, not below the current value)."""
        self._admission.api_call("IncreaseStreamRetentionPeriod")
        self._set_retention(stream, retention_period_hours, increase=True)

    def decrease_stream_retention_period(self, stream: str, retention_period_hours: int) -> None:
        """DecreaseStreamRetentionPeriod (24..8760, not above the current value)."""
        self._admission.api_call("DecreaseStreamRetentionPeriod")
        self._set_retention(stream, retention_period_hours, increase=False)

    def _set_retention(self, stream: str, hours: int, *, increase: bool) -> None:
        operation = f"{'Increase' if increase else 'Decrease'}StreamRetentionPeriod"
        found = self._account.stream(stream)
        if not MIN_RETENTION_HOURS <= hours <= MAX_RETENTION_HOURS:
            raise InvalidArgument(
                f"Minimum allowed retention period is {MIN_RETENTION_HOURS} hours and maximum "
                f"is {MAX_RETENTION_HOURS} hours. Requested retention period ({hours} hours) "
                f"for stream {found.name} is out of range."
            )
        self._account.require_active(found, operation)
        with found.lock, self._admission.changing(found, operation):
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
            found.trim(self._account.clock.now())

    def start_stream_encryption(
        self, stream: str, encryption_type: str = "KMS", key_id: str = "alias/aws/kinesis"
    ) -> None:
        """StartStreamEncryption: later records report EncryptionType KMS."""
        self._admission.api_call("StartStreamEncryption")
        self._set_encryption(stream, encryption_type, key_id, enable=True)

    def stop_stream_encryption(
        self, stream: str, encryption_type: str = "KMS", key_id: str = "alias/aws/kinesis"
    ) -> None:
        """StopStreamEncryption: later records report EncryptionType NONE."""
        self._admission.api_call("StopStreamEncryption")
        self._set_encryption(stream, encryption_type, key_id, enable=False)

    def _set_encryption(self, stream: str, kind: str, key_id: str, *, enable: bool) -> None:
        found = self._account.stream(stream)
        if kind != "KMS":
            raise InvalidArgument(
                f"Invalid EncryptionType {kind!r}: only KMS can be started or stopped."
            )
        if not 1 <= len(key_id) <= 2048:
            raise InvalidArgument(f"Invalid KeyId {key_id!r}: must be 1 to 2048 characters.")
        operation = "StartStreamEncryption" if enable else "StopStreamEncryption"
        self._account.require_active(found, operation)
        with found.lock, self._admission.changing(found, operation):
            found.enter("UPDATING", self._account.clock.now(), self._account.update_delay)
            found.encryption_type = "KMS" if enable else "NONE"
            found.key_id = key_id if enable else None
            found.encryption_changes.append((found.counter, found.encryption_type))

    def enable_enhanced_monitoring(
        self, stream: str, shard_level_metrics: Sequence[str]
    ) -> EnhancedMonitoringResult:
        """EnableEnhancedMonitoring ("ALL" means every metric)."""
        self._admission.api_call("EnableEnhancedMonitoring")
        return self._set_metrics(stream, shard_level_metrics, enable=True)

    def disable_enhanced_monitoring(
        self, stream: str, shard_level_metrics: Sequence[str]
    ) -> EnhancedMonitoringResult:
        """DisableEnhancedMonitoring ("ALL" means every metric)."""
        self._admission.api_call("DisableEnhancedMonitoring")
        return self._set_metrics(stream, shard_level_metrics, enable=False)

    def _set_metrics(
        self, stream: str, metrics: Sequence[str], *, enable: bool
    ) -> EnhancedMonitoringResult:
        found = self._account.stream(stream)
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
        operation = "EnableEnhancedMonitoring" if enable else "DisableEnhancedMonitoring"
        self._account.require_active(found, operation)
        with found.lock, self._admission.changing(found, operation):
            before = tuple(sorted(found.enhanced_metrics))
            if enable:
                found.enhanced_metrics |= chosen
            else:
                found.enhanced_metrics -= chosen
            after = tuple(sorted(found.enhanced_metrics))
        return EnhancedMonitoringResult(found.name, found.arn, before, after)

    def update_stream_mode(self, stream: str, stream_mode: str) -> None:
        """UpdateStreamMode: PROVISIONED or ON_DEMAND; the shards stay as they are."""
        self._admission.api_call("UpdateStreamMode")
        if stream_mode not in STREAM_MODES:
            raise InvalidArgument(f"Invalid StreamMode {stream_mode!r}: PROVISIONED or ON_DEMAND.")
        with self._account.lock:
            found = self._account.stream(stream)
            if (
                stream_mode == "ON_DEMAND"
                and found.mode != "ON_DEMAND"
                and self._account.on_demand_total() >= self._account.on_demand_stream_count_limit
            ):
                raise LimitExceeded(
                    f"Account {self._account.account_id} already has "
                    f"{self._account.on_demand_stream_count_limit} ON_DEMAND streams, the limit."
                )
            self._account.require_active(found, "UpdateStreamMode")
            with found.lock, self._admission.changing(found, "UpdateStreamMode"):
                if found.mode != stream_mode:
                    found.enter("UPDATING", self._account.clock.now(), self._account.update_delay)
                found.mode = stream_mode

    def update_max_record_size(self, stream: str, max_record_size_in_kib: int) -> None:
        """UpdateMaxRecordSize (1024..10240 KiB)."""
        self._admission.api_call("UpdateMaxRecordSize")
        check_range(
            max_record_size_in_kib, DEFAULT_MAX_RECORD_KIB, MAX_RECORD_KIB, "MaxRecordSizeInKiB"
        )
        found = self._account.stream(stream)
        self._account.require_active(found, "UpdateMaxRecordSize")
        with found.lock, self._admission.changing(found, "UpdateMaxRecordSize"):
            found.max_record_bytes = max_record_size_in_kib * 1024

    def update_stream_warm_throughput(
        self, stream: str, warm_throughput_mibps: int
    ) -> WarmThroughputResult:
        """UpdateStreamWarmThroughput: ON_DEMAND streams only; reached at once here.

        The emulator has no throughput to warm: the target is stored and
        reported as both target and current.
        """
        self._admission.api_call("UpdateStreamWarmThroughput")
        check_range(warm_throughput_mibps, 0, 10_240, "WarmThroughputMiBps")
        found = self._account.stream(stream)
        if found.mode != "ON_DEMAND":
            # The API reference describes warm throughput for on-demand streams only.
            raise UnsupportedInStreamMode("UpdateStreamWarmThroughput", found.name, found.mode)
        self._account.require_active(found, "UpdateStreamWarmThroughput")
        with found.lock, self._admission.changing(found, "UpdateStreamWarmThroughput"):
            found.warm_throughput_mibps = warm_throughput_mibps
            return WarmThroughputResult(
                found.name, found.arn, warm_throughput_mibps, warm_throughput_mibps
            )

    def update_stream_record_distribution_strategy(self, stream: str, strategy: str) -> None:
        """UpdateStreamRecordDistributionStrategy: stored; routing stays by hash key."""
        self._admission.api_call("UpdateStreamRecordDistributionStrategy")
        if strategy not in RECORD_DISTRIBUTION_STRATEGIES:
            raise InvalidArgument(
                f"Invalid RecordDistributionStrategy {strategy!r}: "
                f"{' or '.join(RECORD_DISTRIBUTION_STRATEGIES)}."
            )
        found = self._account.stream(stream)
        self._account.require_active(found, "UpdateStreamRecordDistributionStrategy")
        with found.lock, self._admission.changing(found, "UpdateStreamRecordDistributionStrategy"):
            found.record_distribution = strategy
