"""The account: its stream table, stream lookup by name or ARN, and stream lifecycle."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

from eventwire_emulator.model import listing, metadata
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.clock import Clock, SystemClock
from eventwire_emulator.model.errors import (
    InvalidArgument,
    LimitExceeded,
    ResourceInUse,
    ResourceNotFound,
    StreamNotFound,
)
from eventwire_emulator.model.faults import FaultInjector
from eventwire_emulator.model.hashing import HashRange
from eventwire_emulator.model.limits import (
    DEFAULT_MAX_RECORD_KIB,
    MAX_RECORD_KIB,
)
from eventwire_emulator.model.results import (
    Limits,
    ListStreamsResult,
    StreamDescription,
    StreamDescriptionSummary,
    StreamSummary,
)
from eventwire_emulator.model.shard_log import ShardLog
from eventwire_emulator.model.stream import Stream
from eventwire_emulator.model.subscriptions import SubscriptionTable
from eventwire_emulator.model.tokens import TokenCodec

ON_DEMAND_SHARDS = 4
ITERATOR_TTL_SECONDS = 300.0
NEXT_TOKEN_TTL_SECONDS = 300.0
MAX_SHARDS_PER_STREAM = 10_000
ITERATOR_TYPES = (
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "TRIM_HORIZON",
    "LATEST",
    "AT_TIMESTAMP",
)
STREAM_MODES = ("PROVISIONED", "ON_DEMAND")
METRICS = (
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
)
_STREAM_ARN = re.compile(r"arn:aws[\w-]*:kinesis:([^:]*):(\d{12}):stream/([a-zA-Z0-9_.-]{1,128})")


def check_range(value: int | None, low: int, high: int, name: str) -> None:
    """Raise InvalidArgument unless `value` is None or within [low, high]."""
    if value is not None and not low <= value <= high:
        raise InvalidArgument(f"Invalid {name} {value}: must be between {low} and {high}.")


class Account(Admission):
    """Stream table and lifecycle; `Kinesis` adds the remaining operations.

    Streams are addressed by name or ARN (`stream` parameters accept both).
    Operations take effect immediately and streams always report ACTIVE (AWS
    passes through CREATING/UPDATING/DELETING). Quotas are off by default and
    can be switched at any time through the `quotas` attribute. Thread-safe:
    one lock per stream, one for the stream table.
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
        super().__init__()
        self.clock: Clock = clock or SystemClock()
        self.quotas = quotas
        self.region = region
        self.account_id = account_id
        self.shard_limit = shard_limit
        self.on_demand_stream_count_limit = on_demand_stream_count_limit
        self.faults = faults or FaultInjector()
        self._streams: dict[str, Stream] = {}
        self._lock = threading.Lock()
        self._serial = 0
        self._tokens = TokenCodec()
        self._subscriptions = SubscriptionTable()

    def stream_arn(self, stream_name: str) -> str:
        """Return the ARN a stream of this name has (or would have) in this account."""
        return f"arn:aws:kinesis:{self.region}:{self.account_id}:stream/{stream_name}"

    # -- lookup ------------------------------------------------------------------

    def _name_of(self, stream: str) -> str:
        if not stream.startswith("arn:"):
            return stream
        match = _STREAM_ARN.fullmatch(stream)
        if match is None:
            raise InvalidArgument(f"Invalid StreamARN {stream!r}.")
        region, account, name = match.groups()
        if (region, account) != (self.region, self.account_id):
            raise StreamNotFound(name, account)
        return name

    def _stream(self, stream: str) -> Stream:
        name = self._name_of(stream)
        found = self._streams.get(name)
        if found is None:
            raise StreamNotFound(name, self.account_id)
        return found

    def _shard(self, stream: Stream, shard_id: str, now: float) -> ShardLog:
        shard = stream.by_id.get(shard_id)
        if shard is None or not stream.is_live(shard, now):
            raise ResourceNotFound(
                f"Shard {shard_id} in stream {stream.name} under account "
                f"{self.account_id} does not exist"
            )
        return shard

    def _open_shard_total(self) -> int:
        return sum(s.open_shard_count() for s in list(self._streams.values()))

    def _on_demand_total(self) -> int:
        return sum(1 for s in list(self._streams.values()) if s.mode == "ON_DEMAND")

    def _check_shard_budget(self, extra: int) -> None:
        if self._open_shard_total() + extra > self.shard_limit:
            raise LimitExceeded(
                f"This request would exceed the shard limit for the account "
                f"{self.account_id} in {self.region}. Current shard count for the account: "
                f"{self._open_shard_total()}. Limit: {self.shard_limit}. Number of additional "
                f"shards that would have resulted from this request: {extra}."
            )

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
        """CreateStream: PROVISIONED needs `shard_count`; ON_DEMAND ignores it and gets 4 shards."""
        if self._api_call("CreateStream"):
            self._limit_rate("CreateStream", self.clock.now())
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
        now = self.clock.now()
        with self._lock:
            if stream_name in self._streams:
                raise ResourceInUse(
                    f"Stream {stream_name} under account {self.account_id} already exists."
                )
            if shard_count > MAX_SHARDS_PER_STREAM:
                raise LimitExceeded(
                    f"ShardCount {shard_count} exceeds {MAX_SHARDS_PER_STREAM} shards per stream."
                )
            self._check_shard_budget(shard_count)
            if stream_mode == "ON_DEMAND" and (
                self._on_demand_total() >= self.on_demand_stream_count_limit
            ):
                raise LimitExceeded(
                    f"Account {self.account_id} already has {self.on_demand_stream_count_limit} "
                    f"ON_DEMAND streams, the limit."
                )
            self._serial += 1
            stream = Stream(
                stream_name,
                self.stream_arn(stream_name),
                self._serial,
                stream_mode,
                now,
                max_record_size_in_kib or DEFAULT_MAX_RECORD_KIB,
            )
            if tags:
                metadata.add_tags(stream.tags, tags, f"stream {stream_name}")
            for hash_range in HashRange.uniform(shard_count):
                stream.open_shard(hash_range, now)
            stream.reroute()
            self._streams[stream_name] = stream

    def delete_stream(self, stream: str, *, enforce_consumer_deletion: bool = False) -> None:
        """DeleteStream; refuses while consumers exist unless `enforce_consumer_deletion`."""
        if self._api_call("DeleteStream"):
            self._limit_rate("DeleteStream", self.clock.now())
        with self._lock:
            found = self._stream(stream)
            if found.consumers and not enforce_consumer_deletion:
                raise ResourceInUse(
                    f"Stream {found.name} under account {self.account_id} has registered "
                    f"consumers; deregister them or pass EnforceConsumerDeletion."
                )
            del self._streams[found.name]

    def describe_stream(
        self,
        stream: str,
        *,
        limit: int | None = None,
        exclusive_start_shard_id: str | None = None,
    ) -> StreamDescription:
        """DescribeStream: up to `limit` (default 100) shards after the exclusive start."""
        if self._api_call("DescribeStream"):
            self._limit_rate("DescribeStream", self.clock.now())
        check_range(limit, 1, 10_000, "Limit")
        found = self._stream(stream)
        now = self.clock.now()
        with found.lock:
            shards = listing.after(listing.live_shards(found, now), exclusive_start_shard_id)
            page = shards[: limit or 100]
            return StreamDescription(
                found.name,
                found.arn,
                "ACTIVE",
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
        if self._api_call("DescribeStreamSummary"):
            self._limit_rate("DescribeStreamSummary", self.clock.now())
        found = self._stream(stream)
        with found.lock:
            return StreamDescriptionSummary(
                found.name,
                found.arn,
                "ACTIVE",
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
        if self._api_call("ListStreams"):
            self._limit_rate("ListStreams", self.clock.now())
        check_range(limit, 1, 10_000, "Limit")
        start = exclusive_start_stream_name
        if next_token is not None:
            (last,) = self._tokens.decode("streams", next_token, "NextToken")
            start = str(last)
        with self._lock:
            streams = sorted(self._streams.values(), key=lambda s: s.name)
        if start is not None:
            streams = [s for s in streams if s.name > start]
        page = streams[: limit or 100]
        more = len(streams) > len(page)
        return ListStreamsResult(
            [s.name for s in page],
            more,
            self._tokens.encode("streams", [page[-1].name]) if more else None,
            [StreamSummary(s.name, s.arn, "ACTIVE", s.mode, s.created_at) for s in page],
        )

    def describe_limits(self) -> Limits:
        """DescribeLimits: shard and on-demand stream limits and current usage."""
        if self._api_call("DescribeLimits"):
            self._limit_rate("DescribeLimits", self.clock.now())
        with self._lock:
            return Limits(
                self.shard_limit,
                self._open_shard_total(),
                self._on_demand_total(),
                self.on_demand_stream_count_limit,
            )
