"""One ``publish_many`` call: PutRecords in rounds, retrying only failed entries, keeping order.

Each round sends every pending record, in input order, split into requests of
at most 500 records and 10 MiB. Entries that fail with a retryable code
(throttling, InternalFailure) go to the next round after a full-jitter backoff;
the others fail at once. Records of event classes that ask for strict ordering
are admitted one per partition key per round: PutRecords carries on after a
failed entry, so a later record for the same key sent in the same request
could overtake the failed one. Holding it back to the next round means it is
sent only after its predecessor was delivered; if the predecessor finally
fails, the records after it fail too, unsent, instead of arriving out of order.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eventwire import (
    BackendError,
    DeliveryError,
    DeliveryTimeoutError,
    InvalidRecordError,
    PermissionDeniedError,
    PublishFailure,
    PublishReceipt,
    PublishResult,
    StreamNotFoundError,
)
from eventwire.backends import (
    CheckedRecords,
    Record,
    failure_from,
    local_problem,
    split_requests,
)
from eventwire_kinesis.errors import (
    BOTO_ERRORS,
    RETRYABLE_CODES,
    Target,
    error_for_code,
    is_retryable,
    translate,
)
from eventwire_kinesis.single import invalid_record

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

    from eventwire_kinesis.ordering import SequenceChain
    from eventwire_kinesis.retry import Backoff

PUT_RECORDS = "kinesis:PutRecords"

_ordered = operator.attrgetter("ordered")
_hash_key = operator.attrgetter("explicit_hash_key")

# Errors that no later request to the same stream can escape: stop sending at once.
_STREAM_FATAL = (StreamNotFoundError, PermissionDeniedError)


def entry(record: Record) -> PutRecordsRequestEntryTypeDef:
    """The PutRecords entry for ``record``."""
    if record.explicit_hash_key is None:
        return {"Data": record.data, "PartitionKey": record.partition_key}
    return {
        "Data": record.data,
        "PartitionKey": record.partition_key,
        "ExplicitHashKey": record.explicit_hash_key,
    }


class BatchRun:
    """Delivers one batch of records; not thread-safe (one per ``publish_many`` call)."""

    def __init__(
        self,
        records: Sequence[Record],
        *,
        client: KinesisClient | None,
        stream_params: dict[str, Any],
        target: Target,
        backoff: Backoff,
        chain: SequenceChain,
        send_one: Callable[[Record, int], PublishResult] | None,
    ) -> None:
        self.records = records
        self.client = client
        self.stream_params = stream_params
        self.target = target
        self.backoff = backoff
        self.chain = chain
        self.send_one = send_one
        self.results: list[PublishResult | None] = [None] * len(records)
        self.attempts = [0] * len(records)
        # Per record, what its last attempt got: a call's exception, or an entry's code and message.
        self.last_error: dict[int, Exception | tuple[str, str]] = {}
        self.last_exception: Exception | None = None
        self.ambiguous: set[int] = set()
        self.requests = 0
        self.failed_keys: dict[str, PublishFailure] = {}
        self.isolating: list[int] = []
        self.fatal: BackendError | None = None
        # Whether any record asks for strict ordering or has an explicit hash key
        # (start() finds out).
        self.ordered = self.hash_keys = True

    def run(self) -> list[PublishResult]:
        """Send until every record is delivered or failed; results in input order."""
        pending = self.start()
        while pending:
            send, held = self.admit(pending)
            retry: list[int] = []
            for chunk in self.requests_of(send):
                retry.extend(self.send(chunk))
            pending = self.next_round(retry, held)
        return self.finished()

    # The steps of ``run``, apart from its I/O, so an asyncio driver runs the same rules.

    def start(self) -> list[int]:
        """Fail the records no stream could take; the positions left to send."""
        records = self.records
        if type(records) is CheckedRecords:
            # records_for checked each record already, and knows whether any is ordered.
            self.ordered = records.ordered
            self.hash_keys = records.explicit_hash_keys
            return list(range(len(records)))
        self.ordered = any(map(_ordered, records))
        self.hash_keys = list(map(_hash_key, records)).count(None) != len(records)
        pending: list[int] = []
        for position, record in enumerate(records):
            problem = local_problem(record)
            if problem is None:
                pending.append(position)
            else:
                self.fail(position, invalid_record(record, problem, self.target))
        return pending

    def finished(self) -> list[PublishResult]:
        """Every record's result, in input order."""
        return [result for result in self.results if result is not None]

    def admit(self, pending: list[int]) -> tuple[list[int], list[int]]:
        """Split ``pending`` into what this round sends and what waits (ordered successors)."""
        if not self.ordered:
            return pending, []
        send: list[int] = []
        held: list[int] = []
        keys: set[str] = set()
        for position in pending:
            record = self.records[position]
            if record.ordered:
                if record.partition_key in keys:
                    held.append(position)
                    continue
                keys.add(record.partition_key)
            send.append(position)
        return send, held

    def requests_of(self, send: list[int]) -> Iterator[list[int]]:
        """``send`` split into request-sized runs of positions, in order."""
        # send is an ordered subset of the positions: as long as the batch, it is all of them,
        # which split_requests bounds without a per-record loop.
        every = len(send) == len(self.records)
        return split_requests(self.records, None if every else send)

    def send(self, chunk: list[int]) -> list[int]:
        """Send one PutRecords request; return the positions to retry."""
        client, send_one = self.client, self.send_one
        if client is None or send_one is None:
            raise TypeError("BatchRun.send needs a client and send_one; async callers drive it")
        request = self.request(chunk)
        if request is None:
            return []
        try:
            response = client.put_records(**request)
        except BOTO_ERRORS as exc:
            retry = self.request_failed(chunk, exc)
        else:
            retry = self.answered(chunk, response)
        while (position := self.next_isolated()) is not None:
            self.isolated(position, send_one(self.records[position], self.attempts[position]))
        return retry

    def request(self, chunk: list[int]) -> dict[str, Any] | None:
        """The PutRecords parameters for ``chunk``, or None when it must not be sent."""
        if self.fatal is not None:
            for position in chunk:
                self.fail(position, self.fatal)
            return None
        if self.requests and not self.backoff.can_send():
            # Earlier requests of this call used up its deadline: fail the rest unsent.
            error = self.deadline_error()
            for position in chunk:
                self.fail(position, error)
            return None
        self.requests += 1
        attempts = self.attempts
        low, high = chunk[0], chunk[-1] + 1
        if high - low == len(chunk):
            # A run of neighbours, as every request of a first round is: slices, not a loop.
            attempts[low:high] = [count + 1 for count in attempts[low:high]]
            sent = self.records[low:high]
        else:
            for position in chunk:
                attempts[position] += 1
            sent = [self.records[position] for position in chunk]
        entries: list[PutRecordsRequestEntryTypeDef]
        if self.hash_keys:
            entries = [entry(record) for record in sent]
        else:  # entry(), inlined for the usual record: this runs once per record sent.
            entries = [{"Data": r.data, "PartitionKey": r.partition_key} for r in sent]
        return {"Records": entries, **self.stream_params}

    def answered(self, chunk: list[int], response: Mapping[str, Any]) -> list[int]:
        """Settle the entries of a PutRecords answer; return the positions to retry."""
        if self._all_delivered(chunk, response):
            return []
        records = self.records
        attempts = self.attempts
        retry: list[int] = []
        backend, stream = self.target.backend, self.target.stream
        ambiguous = self.ambiguous
        results = self.results
        for position, result in zip(chunk, response["Records"], strict=True):
            code = result.get("ErrorCode")
            record = records[position]
            if code is None:
                sequence_number = result["SequenceNumber"]
                # One receipt per record: tuple.__new__ skips the named tuple's Python __new__.
                receipt: PublishReceipt = tuple.__new__(
                    PublishReceipt,
                    (
                        record.event_id,
                        backend,
                        stream,
                        result["ShardId"],
                        sequence_number,
                        attempts[position],
                        position in ambiguous,
                    ),
                )
                results[position] = receipt
                if record.ordered:
                    self.chain.record(record.partition_key, sequence_number)
                continue
            message = result.get("ErrorMessage", "")
            if code in RETRYABLE_CODES:
                self.last_error[position] = (code, message)
                retry.append(position)
            else:
                self.fail(position, error_for_code(code, message, self.target, action=PUT_RECORDS))
        return retry

    def _all_delivered(self, chunk: list[int], response: Mapping[str, Any]) -> bool:
        """Settle an answer whose every entry succeeded in one pass; False if it is not one.

        The usual answer, so its receipts are built by one comprehension, not by
        ``answered``'s loop: nothing here is ambiguous or ordered (no chain to extend).
        """
        answers = response["Records"]
        if (
            response.get("FailedRecordCount") != 0
            or self.ambiguous
            or self.ordered
            or len(answers) != len(chunk)
        ):
            return False
        records, attempts = self.records, self.attempts
        backend, stream = self.target.backend, self.target.stream
        new = tuple.__new__
        try:
            # tuple.__new__ skips the named tuple's Python __new__; fields in declaration order.
            receipts = [
                new(PublishReceipt, (records[position].event_id, backend, stream,
                                     answer["ShardId"], answer["SequenceNumber"],
                                     attempts[position], False))
                for position, answer in zip(chunk, answers, strict=True)
            ]  # fmt: skip
        except KeyError:  # an entry without a shard or sequence number: answered() says what
            return False
        results = self.results
        for position, receipt in zip(chunk, receipts, strict=True):
            results[position] = receipt
        return True

    def request_failed(self, chunk: list[int], exc: Exception) -> list[int]:
        """Handle a PutRecords call that failed as a whole; return the positions to retry."""
        error = translate(exc, self.target, action=PUT_RECORDS)
        error.__cause__ = exc
        self.last_exception = exc
        if error.ambiguous:
            self.ambiguous.update(chunk)
        if is_retryable(error):
            for position in chunk:
                self.last_error[position] = exc
            return list(chunk)
        if isinstance(error, _STREAM_FATAL):
            self.fatal = error
        if isinstance(error, InvalidRecordError) and len(chunk) > 1:
            # The service rejects a whole request for one bad entry (say, above the
            # stream's maximum record size): send them one by one to find it.
            self.isolating.extend(chunk)
            return []
        for position in chunk:
            self.fail(position, error)
        return []

    def next_isolated(self) -> int | None:
        """The next record of a rejected request to send on its own with PutRecord, if any.

        One at a time, as an ordered record's fate depends on its predecessor's:
        one whose key already failed is failed here instead, unsent.
        """
        while self.isolating:
            position = self.isolating.pop(0)
            record = self.records[position]
            if not (record.ordered and record.partition_key in self.failed_keys):
                return position
            self.block(position)
        return None

    def isolated(self, position: int, result: PublishResult) -> None:
        """Keep the PutRecord result of an isolated record."""
        record = self.records[position]
        self.results[position] = result
        if isinstance(result, PublishFailure) and record.ordered:
            self.failed_keys.setdefault(record.partition_key, result)

    def next_round(self, retry: list[int], held: list[int]) -> list[int]:
        """Decide what the next round sends: retries still in budget plus held records."""
        keep = self.retryable(retry)
        if keep:
            delay = self.backoff.next_delay()
            if delay is None:
                keep = self.give_up_all(keep)
            elif delay > 0:
                self.backoff.sleep(delay)
        return self.pending(keep, held)

    def retryable(self, retry: list[int]) -> list[int]:
        """The positions in ``retry`` still within budget; the others fail now."""
        keep: list[int] = []
        for position in retry:
            if self.fatal is not None or not self.backoff.can_retry(self.attempts[position]):
                self.give_up(position)
            else:
                keep.append(position)
        return keep

    def give_up_all(self, positions: list[int]) -> list[int]:
        """Fail ``positions`` whose next round could not end in time; nothing is left."""
        for position in positions:
            self.give_up(position)
        return []

    def pending(self, keep: list[int], held: list[int]) -> list[int]:
        """What the next round sends: kept retries and held records, in input order."""
        pending: list[int] = []
        for position in sorted(keep + held):
            record = self.records[position]
            if self.fatal is not None:
                self.fail(position, self.fatal)
            elif record.ordered and record.partition_key in self.failed_keys:
                self.block(position)
            else:
                pending.append(position)
        return pending

    def give_up(self, position: int) -> None:
        """Fail a retryable record whose budget (attempts or deadline) is spent."""
        if self.fatal is not None:
            self.fail(position, self.fatal)
            return
        last = self.last_error[position]
        note = self.backoff.why_stopped(self.attempts[position])
        if isinstance(last, Exception):
            error = translate(last, self.target, action=PUT_RECORDS, note=note)
            error.__cause__ = last
        else:
            code, message = last
            error = error_for_code(code, message, self.target, action=PUT_RECORDS, note=note)
        self.fail(position, error)

    def deadline_error(self) -> BackendError:
        """Why records are failed unsent once the call's deadline leaves no time for a request."""
        note = (
            f"not sent: the retry deadline ({self.backoff.policy.deadline:g} s) left no time "
            "for another request of this call"
        )
        if self.last_exception is not None:
            error = translate(self.last_exception, self.target, action=PUT_RECORDS, note=note)
            error.__cause__ = self.last_exception
            return error
        return DeliveryTimeoutError(
            f"{note} to stream {self.target.stream!r}",
            backend=self.target.backend,
            stream=self.target.stream,
        )

    def block(self, position: int) -> None:
        """Fail an ordered record whose predecessor with the same key was not delivered."""
        record = self.records[position]
        blocker = self.failed_keys[record.partition_key]
        error = DeliveryError(
            f"not sent: event {blocker.event_id!r} with the same partition key "
            f"{record.partition_key!r} was not delivered ({blocker.message}), and this event's "
            "class asks for strict ordering",
            backend=self.target.backend,
            stream=self.target.stream,
            code=blocker.code,
        )
        self.fail(position, error)

    def fail(self, position: int, error: BackendError) -> None:
        """Record a final failure; an ordered record's failure blocks its key's successors."""
        record = self.records[position]
        if position in self.ambiguous and not error.ambiguous:
            # One failure object may serve many records: mark a copy, not the shared one.
            marked = copy.copy(error)
            marked.__cause__ = error.__cause__
            marked.ambiguous = True
            error = marked
        failure = failure_from(record, error, self.attempts[position])
        self.results[position] = failure
        if record.ordered:
            self.failed_keys.setdefault(record.partition_key, failure)
