"""The model root: an account's Kinesis streams in one region, operation by operation."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from hashlib import md5

from eventwire_emulator.model import listing
from eventwire_emulator.model.account import (
    ITERATOR_TTL_SECONDS,
    ITERATOR_TYPES,
    NEXT_TOKEN_TTL_SECONDS,
    check_range,
)
from eventwire_emulator.model.errors import (
    InvalidArgument,
    IteratorExpired,
    NextTokenExpired,
    ResourceNotFound,
    StreamNotFound,
    ThroughputExceeded,
)
from eventwire_emulator.model.hashing import parse_hash_key
from eventwire_emulator.model.limits import (
    MAX_PARTITION_KEY_LENGTH,
    MAX_PUT_RECORDS,
    MAX_PUT_RECORDS_BYTES,
)
from eventwire_emulator.model.management import Management
from eventwire_emulator.model.results import (
    GetRecordsResult,
    ListShardsResult,
    PutRecordResult,
    PutRecordsRequestEntry,
    PutRecordsResult,
    PutRecordsResultEntry,
    ShardBatch,
    ShardFilter,
)
from eventwire_emulator.model.sequence import (
    SEQUENCE_BASE,
    SHARD_SLOTS,
    counter_floor,
    format_sequence_number,
    parse_sequence_number,
)
from eventwire_emulator.model.shard_log import ShardLog
from eventwire_emulator.model.stream import Stream
from eventwire_emulator.model.subscriptions import Subscription


class Kinesis(Management):
    """An in-memory Kinesis Data Streams account in one region.

    Streams are addressed by name or ARN (`stream` parameters accept both).
    Operations take effect immediately and streams always report ACTIVE (AWS
    passes through CREATING/UPDATING/DELETING). Quotas are off by default and
    can be switched at any time through the `quotas` attribute. Thread-safe:
    one lock per stream, one for the stream table.

    Construct with ``Kinesis(clock=..., quotas=..., region=..., account_id=...,
    shard_limit=500, on_demand_stream_count_limit=50, faults=FaultInjector())``.
    """

    # -- writes ----------------------------------------------------------------

    def _throttled(self, stream: Stream, shard: ShardLog) -> str:
        return (
            f"Rate exceeded for shard {shard.shard_id} in stream {stream.name} "
            f"under account {self.account_id}."
        )

    @staticmethod
    def _entry_error(position: int, problem: str) -> InvalidArgument:
        return InvalidArgument(
            f"1 validation error detected: Value at 'records.{position}.member' {problem}"
        )

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
        self.faults.before_call("PutRecord", self.clock)
        found = self._stream(stream)
        if not isinstance(data, bytes):
            raise InvalidArgument(f"Data must be bytes, got {type(data).__name__}.")
        if (
            not isinstance(partition_key, str)
            or not 1 <= len(partition_key) <= MAX_PARTITION_KEY_LENGTH
        ):
            raise InvalidArgument(
                f"Invalid PartitionKey {partition_key!r}: must be 1 to 256 characters."
            )
        key_bytes = partition_key.encode()
        size = len(data) + len(key_bytes)
        if size > found.max_record_bytes:
            raise InvalidArgument(
                f"Record size {size} bytes (data plus partition key) exceeds the maximum "
                f"record size of {found.max_record_bytes} bytes for stream {found.name}."
            )
        if explicit_hash_key is None:
            hash_key = int.from_bytes(md5(key_bytes, usedforsecurity=False).digest(), "big")
        else:
            hash_key = parse_hash_key(explicit_hash_key)
        floor = None
        if sequence_number_for_ordering is not None:
            floor = counter_floor(sequence_number_for_ordering)
        now = self.clock.now()
        with found.lock:
            shard = found.route(hash_key)
            if self.quotas and not found.write_window(shard).admit(now, size):
                raise ThroughputExceeded(self._throttled(found, shard), shard.shard_id)
            if floor is not None and found.counter < floor:
                found.counter = floor
            sequence_number = found.append(shard, data, partition_key, found.arrival_time(now))
            if now >= found.next_trim:
                found.trim(now)
            return PutRecordResult(shard.shard_id, sequence_number, found.encryption_type)

    def put_records(
        self,
        stream: str,
        records: Sequence[PutRecordsRequestEntry | tuple[bytes, str, str | None]],
    ) -> PutRecordsResult:
        """PutRecords: entries may fail one by one; the results keep request order.

        Raises:
            InvalidArgument: 0 or more than 500 entries, more than 10 MiB, or a bad
                entry (the whole request is rejected, as AWS validates it first).
        """
        self.faults.before_call("PutRecords", self.clock)
        found = self._stream(stream)
        count = len(records)
        if not 1 <= count <= MAX_PUT_RECORDS:
            raise InvalidArgument(
                f"1 validation error detected: Value at 'records' failed to satisfy constraint: "
                f"Member must have length between 1 and {MAX_PUT_RECORDS}, got {count}."
            )
        max_bytes = found.max_record_bytes
        hashes: list[int] = []
        sizes: list[int] = []
        total = 0
        for position, (data, key, explicit) in enumerate(records, 1):
            if data.__class__ is not bytes:
                raise self._entry_error(position, f"data must be bytes, got {type(data).__name__}")
            if not 0 < len(key) <= MAX_PARTITION_KEY_LENGTH:
                raise self._entry_error(
                    position, f"partitionKey {key!r} must have 1 to 256 characters"
                )
            key_bytes = key.encode()
            size = len(data) + len(key_bytes)
            if size > max_bytes:
                raise self._entry_error(
                    position, f"is {size} bytes, above the maximum record size of {max_bytes}"
                )
            total += size
            sizes.append(size)
            if explicit is None:
                hashes.append(int.from_bytes(md5(key_bytes, usedforsecurity=False).digest(), "big"))
            else:
                hashes.append(parse_hash_key(explicit))
        if total > MAX_PUT_RECORDS_BYTES:
            raise InvalidArgument(
                f"Records size {total} bytes exceeds the PutRecords limit of "
                f"{MAX_PUT_RECORDS_BYTES} bytes (10 MiB)."
            )
        now = self.clock.now()
        faults = self.faults if self.faults.has_entry_faults else None
        quotas = self.quotas
        results: list[PutRecordsResultEntry] = []
        failed = 0
        with found.lock:
            arrival = found.arrival_time(now)
            starts = found.open_starts
            shards = found.open_shards
            if faults is None and not quotas:
                counter = found.counter
                for index, (data, key, _) in enumerate(records):
                    shard = shards[bisect_right(starts, hashes[index]) - 1]
                    counter += 1
                    shard.data.append(data)
                    shard.keys.append(key)
                    shard.counters.append(counter)
                    shard.times.append(arrival)
                    results.append(
                        PutRecordsResultEntry(
                            str(SEQUENCE_BASE + counter * SHARD_SLOTS + shard.index),
                            shard.shard_id,
                        )
                    )
                found.counter = counter
            else:
                for index, (data, key, _) in enumerate(records):
                    shard = shards[bisect_right(starts, hashes[index]) - 1]
                    fault = faults.entry_fault() if faults is not None else None
                    if fault is not None:
                        failed += 1
                        results.append(PutRecordsResultEntry(None, None, fault))
                    elif quotas and not found.write_window(shard).admit(now, sizes[index]):
                        failed += 1
                        throttled = ThroughputExceeded(
                            self._throttled(found, shard), shard.shard_id
                        )
                        results.append(PutRecordsResultEntry(None, None, throttled))
                    else:
                        sequence_number = found.append(shard, data, key, arrival)
                        results.append(PutRecordsResultEntry(sequence_number, shard.shard_id))
            if now >= found.next_trim:
                found.trim(now)
            return PutRecordsResult(failed, results, found.encryption_type)

    # -- reads -----------------------------------------------------------------

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
                    f"{shard.shard_id} in stream {stream.name} under account {self.account_id} "
                    f"is invalid because it did not come from this stream."
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
        limited = self._api_call("GetShardIterator")
        found = self._stream(stream)
        now = self.clock.now()
        with found.lock:
            shard = self._shard(found, shard_id, now)
            if limited:
                self._limit_rate("GetShardIterator", now, found, shard_id)
            if now >= found.next_trim:
                found.trim(now)
            position = self._position(
                found, shard, shard_iterator_type, starting_sequence_number, timestamp
            )
            return self._iterator(found, shard, position, now)

    def _iterator(self, stream: Stream, shard: ShardLog, position: int, now: float) -> str:
        return self._tokens.encode(
            "iterator", [stream.name, stream.serial, shard.shard_id, position, now]
        )

    def get_records(self, shard_iterator: str, *, limit: int | None = None) -> GetRecordsResult:
        """GetRecords: up to `limit` (default 10,000) records and at most 10 MiB."""
        limited = self._api_call("GetRecords")
        check_range(limit, 1, 10_000, "Limit")
        name, serial, shard_id, position, issued = self._tokens.decode(
            "iterator", shard_iterator, "ShardIterator"
        )
        if not (
            isinstance(name, str)
            and isinstance(shard_id, str)
            and isinstance(position, int)
            and isinstance(issued, int | float)
        ):
            raise InvalidArgument(f"Invalid ShardIterator: {shard_iterator[:64]!r}.")
        now = self.clock.now()
        if now - issued > ITERATOR_TTL_SECONDS:
            raise IteratorExpired(
                f"Iterator expired. The iterator was created at time {issued} while right now "
                f"it is {now} which is further in the future than the tolerated delay of "
                f"{int(ITERATOR_TTL_SECONDS * 1000)} milliseconds."
            )
        found = self._streams.get(name)
        if found is None or found.serial != serial:
            raise StreamNotFound(name, self.account_id)
        with found.lock:
            shard = self._shard(found, shard_id, now)
            quota = found.read_quota(shard, now) if limited else None
            if quota is not None and not quota.admit_call(now):
                raise ThroughputExceeded(self._throttled(found, shard), shard.shard_id)
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
        self._api_call("SubscribeToShard")
        check_range(limit, 1, 10_000, "Limit")
        found = self._stream(stream)
        now = self.clock.now()
        with found.lock:
            shard = self._shard(found, shard_id, now)
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
        found, name = self._consumer(None, None, consumer_arn)
        now = self.clock.now()
        # Named as AWS names the subscription: account, stream, shard and consumer.
        owner = f"{self.account_id}:{found.name}:{shard_id}:{name}"
        with found.lock:
            self._shard(found, shard_id, now)
            # Checked again under the stream lock, which deregistration holds too, so a
            # subscription cannot outlive a deregistration that raced with it.
            entry = found.consumers.get(name)
            if entry is None or entry[0] != consumer_arn:
                raise ResourceNotFound(f"Consumer {consumer_arn} not found.")
            return self._subscriptions.open(consumer_arn, shard_id, now, owner)

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
        limited = self._api_call("ListShards")
        check_range(max_results, 1, 10_000, "MaxResults")
        now = self.clock.now()
        if next_token is not None:
            if stream is not None or exclusive_start_shard_id is not None or shard_filter:
                raise InvalidArgument(
                    "NextToken cannot be combined with StreamName, StreamARN, "
                    "ExclusiveStartShardId or ShardFilter."
                )
            name, serial, start, kind, filter_id, filter_time, issued = self._tokens.decode(
                "shards", next_token, "NextToken"
            )
            if not isinstance(issued, int | float) or now - issued > NEXT_TOKEN_TTL_SECONDS:
                raise NextTokenExpired(f"The NextToken {next_token[:32]}... has expired.")
            found = self._stream(str(name))
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
            found = self._stream(stream)
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
            self._limit_rate("ListShards", now, found)
        with found.lock:
            shards = listing.filter_shards(found, shard_filter, now)
        shards = listing.after(shards, exclusive_start_shard_id)
        page = shards[: max_results or 1000]
        token = None
        if len(shards) > len(page):
            token = self._tokens.encode(
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
