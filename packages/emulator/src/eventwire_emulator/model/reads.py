"""GetShardIterator, GetRecords, ListShards and the reads behind SubscribeToShard."""

from __future__ import annotations

from eventwire_emulator.model import listing
from eventwire_emulator.model.account import (
    ITERATOR_TTL_SECONDS,
    ITERATOR_TYPES,
    NEXT_TOKEN_TTL_SECONDS,
    Account,
    check_range,
)
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.errors import (
    InvalidArgument,
    IteratorExpired,
    ModelError,
    NextTokenExpired,
    ResourceNotFound,
    StreamNotFound,
    ThroughputExceeded,
)
from eventwire_emulator.model.results import (
    GetRecordsResult,
    ListShardsResult,
    ShardBatch,
    ShardFilter,
)
from eventwire_emulator.model.sequence import (
    format_sequence_number,
    parse_sequence_number,
)
from eventwire_emulator.model.shard_log import ShardLog
from eventwire_emulator.model.stream import Stream
from eventwire_emulator.model.subscriptions import Subscription


class Reads:
    """The read operations of one account's streams; thread-safe."""

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission

    def _position(
        self,
        stream: Stream,
        shard: ShardLog,
        position_type: str,
        sequence_number: str | None,
        timestamp: float | None,
    ) -> int:
        """Return the counter from which a reader at this starting position reads."""
        if position_type not in ITERATOR_TYPES:
            raise InvalidArgument(
                f"Invalid ShardIteratorType {position_type!r}: must be one of "
                f"{', '.join(ITERATOR_TYPES)}."
            )
        tip = (shard.ending_counter if shard.ending_counter is not None else stream.counter) + 1
        first = shard.starting_counter + 1
        if position_type in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            if sequence_number is None:
                raise InvalidArgument(
                    f"StartingSequenceNumber is required for ShardIteratorType {position_type}."
                )
            counter, index = parse_sequence_number(sequence_number)
            if index != shard.index:
                raise InvalidArgument(
                    f"Invalid StartingSequenceNumber. It encodes shardId-{index:012d}, while it "
                    f"was used in a call to a shard with {shard.shard_id}"
                )
            if not shard.starting_counter <= counter < tip:
                raise InvalidArgument(
                    f"StartingSequenceNumber {sequence_number} used in GetShardIterator on shard "
                    f"{shard.shard_id} in stream {stream.name} under account "
                    f"{self._account.account_id} is invalid because it did not come from "
                    f"this stream."
                )
            position = counter if position_type == "AT_SEQUENCE_NUMBER" else counter + 1
            return max(position, first)
        if sequence_number is not None:
            raise InvalidArgument(
                f"StartingSequenceNumber is not allowed with ShardIteratorType {position_type}."
            )
        if position_type == "TRIM_HORIZON":
            return first
        if position_type == "LATEST":
            return tip
        if timestamp is None:
            raise InvalidArgument("Timestamp is required for ShardIteratorType AT_TIMESTAMP.")
        index = shard.index_of_time(timestamp)
        return shard.counters[index] if index < len(shard.counters) else tip

    def get_shard_iterator(
        self,
        stream: str,
        shard_id: str,
        shard_iterator_type: str,
        *,
        starting_sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> str:
        """GetShardIterator: an opaque iterator valid for five minutes.

        An AT_TIMESTAMP in the future behaves like LATEST.
        """
        limited = self._admission.api_call("GetShardIterator")
        found = self._account.stream(stream)
        now = self._account.clock.now()
        self._account.require_readable(found, now)
        with found.lock:
            shard = self._account.shard(found, shard_id, now)
            if limited:
                self._admission.limit_rate("GetShardIterator", now, found, shard_id)
            if now >= found.next_trim:
                found.trim(now)
            position = self._position(
                found, shard, shard_iterator_type, starting_sequence_number, timestamp
            )
            return self._iterator(found, shard, position, now)

    def iterator_stream_arn(self, shard_iterator: str) -> str | None:
        """The ARN of the stream a shard iterator reads, for authorization; None if malformed."""
        try:
            name = self._account.tokens.decode("iterator", shard_iterator, "ShardIterator")[0]
        except (ModelError, IndexError):
            return None
        return self._account.stream_arn(name) if isinstance(name, str) else None

    def _iterator(self, stream: Stream, shard: ShardLog, position: int, now: float) -> str:
        return self._account.tokens.encode(
            "iterator", [stream.name, stream.serial, shard.shard_id, position, now]
        )

    def get_records(self, shard_iterator: str, *, limit: int | None = None) -> GetRecordsResult:
        """GetRecords: up to `limit` (default 10,000) records and at most 10 MiB."""
        limited = self._admission.api_call("GetRecords")
        check_range(limit, 1, 10_000, "Limit")
        name, serial, shard_id, position, issued = self._account.tokens.decode(
            "iterator", shard_iterator, "ShardIterator"
        )
        if not (
            isinstance(name, str)
            and isinstance(shard_id, str)
            and isinstance(position, int)
            and isinstance(issued, int | float)
        ):
            raise InvalidArgument(f"Invalid ShardIterator: {shard_iterator[:64]!r}.")
        now = self._account.clock.now()
        if now - issued > ITERATOR_TTL_SECONDS:
            raise IteratorExpired(
                f"Iterator expired. The iterator was created at time {issued} while right now "
                f"it is {now} which is further in the future than the tolerated delay of "
                f"{int(ITERATOR_TTL_SECONDS * 1000)} milliseconds."
            )
        found = self._account.streams.get(name)
        if found is None or found.serial != serial or found.is_gone(now):
            raise StreamNotFound(name, self._account.account_id)
        with found.lock:
            shard = self._account.shard(found, shard_id, now)
            quota = found.read_quota(shard, now) if limited else None
            if quota is not None and not quota.admit_call(now):
                raise ThroughputExceeded(self._account.throttled(found, shard), shard.shard_id)
            records, position, at_end, millis = found.read(shard, position, limit or 10_000, now)
            if quota is not None:
                quota.charge(sum(len(r.data) + len(r.partition_key.encode()) for r in records))
            return GetRecordsResult(
                records,
                None if at_end else self._iterator(found, shard, position, now),
                millis,
                found.child_shards(shard) if at_end else None,
            )

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
        self._admission.api_call("SubscribeToShard")
        check_range(limit, 1, 10_000, "Limit")
        found = self._account.stream(stream)
        now = self._account.clock.now()
        self._account.require_readable(found, now)
        with found.lock:
            shard = self._account.shard(found, shard_id, now)
            position = self._position(
                found, shard, starting_position_type, sequence_number, timestamp
            )
            records, position, at_end, millis = found.read(shard, position, limit, now)
            return ShardBatch(
                records,
                None if at_end else format_sequence_number(position - 1, shard.index),
                millis,
                found.child_shards(shard) if at_end else None,
            )

    def open_subscription(self, consumer_arn: str, shard_id: str) -> Subscription:
        """Admit a SubscribeToShard call: the consumer and shard must exist and be free.

        Release the returned handle when the event stream ends. A call 5 seconds or
        more after the live subscription started takes it over: the older handle's
        `check` then raises ResourceInUse. Deregistering the consumer ends the
        subscription: `check` then raises ResourceNotFound.

        Raises:
            ResourceNotFound: no such consumer, or no such shard in its stream.
            LimitExceeded: the previous call for this consumer and shard was under 1 s ago.
            ResourceInUse: a live subscription for them started under 5 s ago.
        """
        found, name = self._account.consumer(None, None, consumer_arn)
        now = self._account.clock.now()
        # Named as AWS names the subscription: account, stream, shard and consumer.
        owner = f"{self._account.account_id}:{found.name}:{shard_id}:{name}"
        with found.lock:
            self._account.shard(found, shard_id, now)
            # Checked again under the stream lock, which deregistration holds too, so a
            # subscription cannot outlive a deregistration that raced with it.
            entry = found.consumers.get(name)
            if entry is None or entry[0] != consumer_arn:
                raise ResourceNotFound(f"Consumer {consumer_arn} not found.")
            return self._account.subscriptions.open(consumer_arn, shard_id, now, owner)

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
        limited = self._admission.api_call("ListShards")
        check_range(max_results, 1, 10_000, "MaxResults")
        now = self._account.clock.now()
        if next_token is not None:
            if stream is not None or exclusive_start_shard_id is not None or shard_filter:
                raise InvalidArgument(
                    "NextToken cannot be combined with StreamName, StreamARN, "
                    "ExclusiveStartShardId or ShardFilter."
                )
            name, serial, start, kind, filter_id, filter_time, issued = self._account.tokens.decode(
                "shards", next_token, "NextToken"
            )
            if not isinstance(issued, int | float) or now - issued > NEXT_TOKEN_TTL_SECONDS:
                raise NextTokenExpired(f"The NextToken {next_token[:32]}... has expired.")
            found = self._account.stream(str(name))
            if found.serial != serial:
                raise NextTokenExpired("The stream of this NextToken was deleted.")
            exclusive_start_shard_id = str(start)
            if kind is not None:
                shard_filter = ShardFilter(
                    str(kind),
                    None if filter_id is None else str(filter_id),
                    None if filter_time is None else float(filter_time),
                )
        elif stream is None:
            raise InvalidArgument("Either StreamName/StreamARN or NextToken is required.")
        else:
            found = self._account.stream(stream)
            if found.status(now) == "CREATING":
                # ListShards models ResourceInUseException: a CREATING stream has no shards yet.
                self._account.require_active(found, "ListShards")
            if shard_filter is not None:
                if exclusive_start_shard_id is not None:
                    raise InvalidArgument(
                        "ExclusiveStartShardId cannot be combined with ShardFilter."
                    )
                listing.check_filter(shard_filter)
            if (
                stream_creation_timestamp is not None
                and stream_creation_timestamp != found.created_at
            ):
                raise ResourceNotFound(
                    f"Stream {found.name} created at {stream_creation_timestamp} not found."
                )
        if limited:
            self._admission.limit_rate("ListShards", now, found)
        with found.lock:
            shards = listing.filter_shards(found, shard_filter, now)
        shards = listing.after(shards, exclusive_start_shard_id)
        page = shards[: max_results or 1000]
        token = None
        if len(shards) > len(page):
            token = self._account.tokens.encode(
                "shards",
                [
                    found.name,
                    found.serial,
                    page[-1].shard_id,
                    shard_filter.type if shard_filter else None,
                    shard_filter.shard_id if shard_filter else None,
                    shard_filter.timestamp if shard_filter else None,
                    now,
                ],
            )
        return ListShardsResult([listing.describe_shard(s) for s in page], token)
