"""Stream lifecycle and listing: create, delete, describe, list, account limits."""

from __future__ import annotations

from collections.abc import Mapping

from eventwire_emulator.model import listing, metadata
from eventwire_emulator.model.account import (
    MAX_SHARDS_PER_STREAM,
    ON_DEMAND_SHARDS,
    STREAM_MODES,
    Account,
    check_range,
)
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.errors import (
    InvalidArgument,
    LimitExceeded,
    ResourceInUse,
)
from eventwire_emulator.model.hashing import HashRange
from eventwire_emulator.model.limits import DEFAULT_MAX_RECORD_KIB, MAX_RECORD_KIB
from eventwire_emulator.model.results import (
    Limits,
    ListStreamsResult,
    StreamDescription,
    StreamDescriptionSummary,
    StreamSummary,
)
from eventwire_emulator.model.stream import Stream


class Lifecycle:
    """Stream lifecycle operations of one account; thread-safe."""

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission

    def create_stream(
        self,
        stream_name: str,
        shard_count: int | None = None,
        *,
        stream_mode: str = "PROVISIONED",
        tags: Mapping[str, str] | None = None,
        max_record_size_in_kib: int | None = None,
    ) -> None:
        """CreateStream: PROVISIONED needs `shard_count`; ON_DEMAND ignores it and gets 4 shards."""
        if self._admission.api_call("CreateStream"):
            self._admission.limit_rate("CreateStream", self._account.clock.now())
        metadata.check_name(stream_name, "StreamName")
        if stream_mode not in STREAM_MODES:
            raise InvalidArgument(f"Invalid StreamMode {stream_mode!r}: PROVISIONED or ON_DEMAND.")
        if stream_mode == "ON_DEMAND":
            shard_count = ON_DEMAND_SHARDS
        elif shard_count is None or shard_count < 1:
            raise InvalidArgument(
                f"ShardCount must be at least 1 for a PROVISIONED stream, got {shard_count}."
            )
        check_range(
            max_record_size_in_kib, DEFAULT_MAX_RECORD_KIB, MAX_RECORD_KIB, "MaxRecordSizeInKiB"
        )
        now = self._account.clock.now()
        with self._account.lock:
            existing = self._account.streams.get(stream_name)
            if existing is not None and not self._account.forget(existing):
                raise ResourceInUse(
                    f"Stream {stream_name} under account {self._account.account_id} already exists."
                )
            if shard_count > MAX_SHARDS_PER_STREAM:
                raise LimitExceeded(
                    f"ShardCount {shard_count} exceeds {MAX_SHARDS_PER_STREAM} shards per stream."
                )
            self._account.check_shard_budget(shard_count)
            if stream_mode == "ON_DEMAND" and (
                self._account.on_demand_total() >= self._account.on_demand_stream_count_limit
            ):
                raise LimitExceeded(
                    f"Account {self._account.account_id} already has "
                    f"{self._account.on_demand_stream_count_limit} ON_DEMAND streams, the limit."
                )
            self._account.serial += 1
            stream = Stream(
                stream_name,
                self._account.stream_arn(stream_name),
                self._account.serial,
                stream_mode,
                now,
                max_record_size_in_kib or DEFAULT_MAX_RECORD_KIB,
            )
            if tags:
                metadata.add_tags(stream.tags, tags, f"stream {stream_name}")
            for hash_range in HashRange.uniform(shard_count):
                stream.open_shard(hash_range, now)
            stream.reroute()
            stream.enter("CREATING", now, self._account.create_delay)
            stream.journal = self._account.journal
            self._account.streams[stream_name] = stream
            try:
                self._account.faults.midway("CreateStream")
                if stream.journal is not None:
                    stream.journal.changed(stream)
            except BaseException:
                del self._account.streams[stream_name]
                raise

    def delete_stream(self, stream: str, *, enforce_consumer_deletion: bool = False) -> None:
        """DeleteStream; refuses while consumers exist unless `enforce_consumer_deletion`."""
        if self._admission.api_call("DeleteStream"):
            self._admission.limit_rate("DeleteStream", self._account.clock.now())
        with self._account.lock:
            found = self._account.stream(stream)
            self._account.require_active(found, "DeleteStream")
            if found.consumers and not enforce_consumer_deletion:
                raise ResourceInUse(
                    f"Stream {found.name} under account {self._account.account_id} has registered "
                    f"consumers; deregister them or pass EnforceConsumerDeletion."
                )
            delay = self._account.delete_delay
            try:
                with found.lock, self._admission.changing(found, "DeleteStream"):
                    # DELETING for `delay` seconds, after which lookups forget the stream.
                    found.enter("DELETING", self._account.clock.now(), delay)
                    if delay <= 0:
                        del self._account.streams[found.name]
                if delay <= 0 and found.journal is not None:
                    found.journal.dropped(found)
            except BaseException:
                self._account.streams[found.name] = found
                raise

    def describe_stream(
        self,
        stream: str,
        *,
        limit: int | None = None,
        exclusive_start_shard_id: str | None = None,
    ) -> StreamDescription:
        """DescribeStream: up to `limit` (default 100) shards after the exclusive start."""
        if self._admission.api_call("DescribeStream"):
            self._admission.limit_rate("DescribeStream", self._account.clock.now())
        check_range(limit, 1, 10_000, "Limit")
        found = self._account.stream(stream)
        now = self._account.clock.now()
        with found.lock:
            shards = listing.after(listing.live_shards(found, now), exclusive_start_shard_id)
            page = shards[: limit or 100]
            return StreamDescription(
                found.name,
                found.arn,
                found.status(now),
                found.mode,
                [listing.describe_shard(s) for s in page],
                len(shards) > len(page),
                found.retention_hours,
                found.created_at,
                tuple(sorted(found.enhanced_metrics)),
                found.encryption_type,
                found.key_id,
            )

    def describe_stream_summary(self, stream: str) -> StreamDescriptionSummary:
        """DescribeStreamSummary."""
        if self._admission.api_call("DescribeStreamSummary"):
            self._admission.limit_rate("DescribeStreamSummary", self._account.clock.now())
        found = self._account.stream(stream)
        now = self._account.clock.now()
        with found.lock:
            return StreamDescriptionSummary(
                found.name,
                found.arn,
                found.status(now),
                found.mode,
                found.retention_hours,
                found.created_at,
                tuple(sorted(found.enhanced_metrics)),
                found.encryption_type,
                found.key_id,
                found.open_shard_count(),
                len(found.consumers),
                found.max_record_bytes // 1024,
            )

    def list_streams(
        self,
        *,
        limit: int | None = None,
        exclusive_start_stream_name: str | None = None,
        next_token: str | None = None,
    ) -> ListStreamsResult:
        """ListStreams, sorted by name, `limit` (default 100) per page."""
        if self._admission.api_call("ListStreams"):
            self._admission.limit_rate("ListStreams", self._account.clock.now())
        check_range(limit, 1, 10_000, "Limit")
        start = exclusive_start_stream_name
        if next_token is not None:
            (last,) = self._account.tokens.decode("streams", next_token, "NextToken")
            start = str(last)
        now = self._account.clock.now()
        with self._account.lock:
            streams = sorted(
                (s for s in self._account.streams.values() if not s.is_gone(now)),
                key=lambda s: s.name,
            )
        if start is not None:
            streams = [s for s in streams if s.name > start]
        page = streams[: limit or 100]
        more = len(streams) > len(page)
        return ListStreamsResult(
            [s.name for s in page],
            more,
            self._account.tokens.encode("streams", [page[-1].name]) if more else None,
            [StreamSummary(s.name, s.arn, s.status(now), s.mode, s.created_at) for s in page],
        )

    def describe_limits(self) -> Limits:
        """DescribeLimits: shard and on-demand stream limits and current usage."""
        if self._admission.api_call("DescribeLimits"):
            self._admission.limit_rate("DescribeLimits", self._account.clock.now())
        with self._account.lock:
            return Limits(
                self._account.shard_limit,
                self._account.open_shard_total(),
                self._account.on_demand_total(),
                self._account.on_demand_stream_count_limit,
            )
