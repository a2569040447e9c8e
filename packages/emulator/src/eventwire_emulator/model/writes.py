"""PutRecord and PutRecords: validation, routing, quotas and appends."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from hashlib import md5

from eventwire_emulator.model.account import (
    Account,
)
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.errors import (
    InvalidArgument,
    ThroughputExceeded,
)
from eventwire_emulator.model.faults import FaultInjector
from eventwire_emulator.model.hashing import hash_key_bytes, parse_hash_key
from eventwire_emulator.model.limits import (
    MAX_PARTITION_KEY_LENGTH,
    MAX_PUT_RECORDS,
    MAX_PUT_RECORDS_BYTES,
)
from eventwire_emulator.model.results import (
    PutRecordResult,
    PutRecordsRequestEntry,
    PutRecordsResult,
    PutRecordsResultEntry,
)
from eventwire_emulator.model.savepoint import DataMark
from eventwire_emulator.model.sequence import (
    SEQUENCE_BASE,
    SHARD_SLOTS,
    counter_floor,
)
from eventwire_emulator.model.stream import Stream


class Writes:
    """The write operations of one account's streams; thread-safe."""

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission

    def _settle(self, found: Stream, mark: DataMark, operation: str) -> None:
        """Finish an append: a midway fault for `operation` if scripted, then the journal."""
        self._account.faults.midway(operation)
        if found.journal is not None:
            found.journal.appended(found, mark.counter)

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
        self._account.faults.before_call("PutRecord", self._account.clock)
        found = self._account.stream(stream)
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
            hash_key = hash_key_bytes(key_bytes)
        else:
            hash_key = parse_hash_key(explicit_hash_key)
        floor = None
        if sequence_number_for_ordering is not None:
            floor = counter_floor(sequence_number_for_ordering)
        now = self._account.clock.now()
        if now < found.ready_at:  # a transitional status: rare, so checked only then
            self._account.require_readable(found, now)
        with found.lock:
            shard = found.route(hash_key)
            if self._account.quotas and not found.write_window(shard).admit(now, size):
                raise ThroughputExceeded(self._account.throttled(found, shard), shard.shard_id)
            mark = DataMark.take(found)
            try:
                if floor is not None and found.counter < floor:
                    found.counter = floor
                sequence_number = found.append(shard, data, partition_key, found.arrival_time(now))
                self._settle(found, mark, "PutRecord")
            except BaseException:
                mark.restore(found)
                raise
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
        self._account.faults.before_call("PutRecords", self._account.clock)
        found = self._account.stream(stream)
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
                # hash_key_bytes inlined: up to 500 entries a call, and the call costs
                # about as much as the hash of a short key.
                hashes.append(int.from_bytes(md5(key_bytes, usedforsecurity=False).digest(), "big"))
            else:
                hashes.append(parse_hash_key(explicit))
        if total > MAX_PUT_RECORDS_BYTES:
            raise InvalidArgument(
                f"Records size {total} bytes exceeds the PutRecords limit of "
                f"{MAX_PUT_RECORDS_BYTES} bytes (10 MiB)."
            )
        now = self._account.clock.now()
        if now < found.ready_at:
            self._account.require_readable(found, now)
        faults: FaultInjector | None = self._account.faults
        if not (self._account.faults.has_entry_faults or self._account.faults.has_midway_bugs):
            faults = None
        quotas = self._account.quotas
        results: list[PutRecordsResultEntry] = []
        failed = 0
        with found.lock:
            mark = DataMark.take(found)
            try:
                arrival = found.arrival_time(now)
                starts = found.open_starts
                shards = found.open_shards
                if faults is None and not quotas:
                    # Stream.append and format_sequence_number inlined, with the counter
                    # in a local: this loop is the emulator's hottest (measured by
                    # `nox -s bench -- server`); the general loop below uses them.
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
                                self._account.throttled(found, shard), shard.shard_id
                            )
                            results.append(PutRecordsResultEntry(None, None, throttled))
                        else:
                            sequence_number = found.append(shard, data, key, arrival)
                            results.append(PutRecordsResultEntry(sequence_number, shard.shard_id))
                self._settle(found, mark, "PutRecords")
            except BaseException:
                # Nothing of a request that failed unexpectedly stays behind.
                mark.restore(found)
                raise
            if now >= found.next_trim:
                found.trim(now)
            return PutRecordsResult(failed, results, found.encryption_type)
