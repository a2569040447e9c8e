"""The account: its settings, stream table, and lookups of streams, shards and consumers."""

from __future__ import annotations

import re
import threading

from eventwire_emulator.model import metadata
from eventwire_emulator.model.access import AccessPolicies
from eventwire_emulator.model.clock import Clock, SystemClock
from eventwire_emulator.model.errors import (
    InvalidArgument,
    LimitExceeded,
    ResourceInUse,
    ResourceNotFound,
    StreamNotFound,
)
from eventwire_emulator.model.faults import FaultInjector
from eventwire_emulator.model.journal import Journal
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


class Account:
    """One account in one region: settings and the stream table every part shares.

    Holds state and lookups only; the operations live in the parts the
    `Kinesis` facade delegates to. `lock` guards the stream table.
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
        create_delay: float = 0.0,
        update_delay: float = 0.0,
        delete_delay: float = 0.0,
        policies: AccessPolicies | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.quotas = quotas
        self.region = region
        self.account_id = account_id
        self.shard_limit = shard_limit
        self.on_demand_stream_count_limit = on_demand_stream_count_limit
        self.faults = faults or FaultInjector()
        # Seconds a stream spends CREATING, UPDATING (after a reshard, mode or
        # encryption change) and DELETING; 0 skips the state.
        self.create_delay = create_delay
        self.update_delay = update_delay
        self.delete_delay = delete_delay
        # Identity policies by access key; None: every caller may do everything.
        self.policies = policies
        # Where the streams' changes are made durable; None keeps them in memory.
        self.journal: Journal | None = None
        self.streams: dict[str, Stream] = {}
        self.lock = threading.Lock()
        self.serial = 0
        self.tokens = TokenCodec()
        self.subscriptions = SubscriptionTable()

    def stream_arn(self, stream_name: str) -> str:
        """Return the ARN a stream of this name has (or would have) in this account."""
        return f"arn:aws:kinesis:{self.region}:{self.account_id}:stream/{stream_name}"

    # -- lookup ------------------------------------------------------------------

    def name_of(self, stream: str) -> str:
        """Return the stream name a name or ARN refers to in this account and region."""
        if not stream.startswith("arn:"):
            return stream
        match = _STREAM_ARN.fullmatch(stream)
        if match is None:
            raise InvalidArgument(f"Invalid StreamARN {stream!r}.")
        region, account, name = match.groups()
        if (region, account) != (self.region, self.account_id):
            raise StreamNotFound(name, account)
        return name

    def stream(self, stream: str) -> Stream:
        """Return the stream named by name or ARN, or raise StreamNotFound."""
        name = self.name_of(stream)
        found = self.streams.get(name)
        if found is None or (found.pending == "DELETING" and self.forget(found)):
            raise StreamNotFound(name, self.account_id)
        return found

    def forget(self, stream: Stream) -> bool:
        """Drop a stream whose deletion has run its course; return whether it was dropped."""
        if not stream.is_gone(self.clock.now()):
            return False
        # The name stays taken until now, so no other stream can hold it.
        if self.streams.get(stream.name) is stream:
            self.streams.pop(stream.name, None)
            if stream.journal is not None:
                stream.journal.dropped(stream)
        return True

    def resource(self, resource_arn: str) -> tuple[Stream, str | None]:
        """Return the stream a stream or consumer ARN names, and the consumer's name.

        Raises:
            ResourceNotFound: no such stream or consumer.
            InvalidArgument: a malformed ARN.
        """
        if "/consumer/" not in resource_arn:
            return self.stream(resource_arn), None
        stream_arn, name = metadata.split_consumer_arn(resource_arn)
        found = self.stream(stream_arn)
        entry = found.consumers.get(name)
        if entry is None or entry[0] != resource_arn:
            raise ResourceNotFound(f"Consumer {resource_arn} not found.")
        return found, name

    def require_active(self, stream: Stream, operation: str) -> None:
        """Refuse `operation` unless the stream is ACTIVE (the API reference's ResourceInUse).

        Raises:
            ResourceInUse: the stream is CREATING, UPDATING or DELETING.
        """
        status = stream.status(self.clock.now())
        if status != "ACTIVE":
            raise ResourceInUse(
                f"Stream {stream.name} under account {self.account_id} not ACTIVE, instead in "
                f"state {status}; {operation} needs an ACTIVE stream."
            )

    def require_readable(self, stream: Stream, now: float) -> None:
        """Refuse data-plane calls while the stream is CREATING.

        PutRecord(s) and GetShardIterator list no ResourceInUseException in the
        service model: a stream not there yet is not found. Writes and reads go
        on while it is UPDATING, as AWS's do during resharding, and while it is
        DELETING (DeleteStream in the API reference: Kinesis "might continue to
        accept data read and write operations" until the deletion completes).

        Raises:
            StreamNotFound: the stream is CREATING.
        """
        if now < stream.ready_at and stream.pending == "CREATING":
            raise StreamNotFound(stream.name, self.account_id)

    def shard(self, stream: Stream, shard_id: str, now: float) -> ShardLog:
        """Return a shard of the stream still visible at `now`, or raise ResourceNotFound."""
        shard = stream.by_id.get(shard_id)
        if shard is None or not stream.is_live(shard, now):
            raise ResourceNotFound(
                f"Shard {shard_id} in stream {stream.name} under account "
                f"{self.account_id} does not exist"
            )
        return shard

    def throttled(self, stream: Stream, shard: ShardLog) -> str:
        """The message of a ProvisionedThroughputExceededException on a shard."""
        return (
            f"Rate exceeded for shard {shard.shard_id} in stream {stream.name} "
            f"under account {self.account_id}."
        )

    def open_shard_total(self) -> int:
        """The open shards of every stream in the account."""
        return sum(s.open_shard_count() for s in list(self.streams.values()))

    def on_demand_total(self) -> int:
        """The number of ON_DEMAND streams in the account."""
        return sum(1 for s in list(self.streams.values()) if s.mode == "ON_DEMAND")

    def check_shard_budget(self, extra: int) -> None:
        """Raise LimitExceeded if `extra` more open shards would pass the account's limit."""
        if self.open_shard_total() + extra > self.shard_limit:
            raise LimitExceeded(
                f"This request would exceed the shard limit for the account "
                f"{self.account_id} in {self.region}. Current shard count for the account: "
                f"{self.open_shard_total()}. Limit: {self.shard_limit}. Number of additional "
                f"shards that would have resulted from this request: {extra}."
            )

    def consumer(
        self, stream_arn: str | None, consumer_name: str | None, consumer_arn: str | None
    ) -> tuple[Stream, str]:
        """Return the stream and name of a consumer given by ARN, or by stream ARN and name."""
        if consumer_arn is not None:
            if stream_arn is not None or consumer_name is not None:
                raise InvalidArgument("Give ConsumerARN, or StreamARN and ConsumerName, not both.")
            stream_arn, consumer_name = metadata.split_consumer_arn(consumer_arn)
            found = self.stream(stream_arn)
            entry = found.consumers.get(consumer_name)
            if entry is None or entry[0] != consumer_arn:
                raise ResourceNotFound(f"Consumer {consumer_arn} not found.")
            return found, consumer_name
        if stream_arn is None or consumer_name is None:
            raise InvalidArgument("Give ConsumerARN, or both StreamARN and ConsumerName.")
        return self.stream(stream_arn), consumer_name
