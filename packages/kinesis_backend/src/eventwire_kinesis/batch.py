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
from collections.abc import Callable, Sequence
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
from eventwire.backends import Record, failure_from, local_problem, split_requests
from eventwire_kinesis.errors import (
    BOTO_ERRORS,
    RETRYABLE_CODES,
    Target,
    error_for_code,
    is_retryable,
    translate,
)

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

    from eventwire_kinesis.ordering import SequenceChain
    from eventwire_kinesis.retry import Backoff

PUT_RECORDS = "kinesis:PutRecords"

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
        client: KinesisClient,
        stream_params: dict[str, Any],
        target: Target,
        backoff: Backoff,
        chain: SequenceChain,
        send_one: Callable[[Record, int], PublishResult],
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
        self.fatal: BackendError | None = None

    def run(self) -> list[PublishResult]:
        """Send until every record is delivered or failed; results in input order."""
        pending: list[int] = []
        for position, record in enumerate(self.records):
            problem = local_problem(record)
            if problem is None:
                pending.append(position)
            else:
                error = InvalidRecordError(
                    f"record of event {record.event_id!r} cannot be sent: {problem}",
                    backend=self.target.backend,
                    stream=self.target.stream,
                )
                self.fail(position, error)
        while pending:
            send, held = self.admit(pending)
            retry: list[int] = []
            for chunk in split_requests(self.records, send):
                retry.extend(self.send(chunk))
            pending = self.next_round(retry, held)
        return [result for result in self.results if result is not None]

    def admit(self, pending: list[int]) -> tuple[list[int], list[int]]:
        """Split ``pending`` into what this round sends and what waits (ordered successors)."""
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

    def send(self, chunk: list[int]) -> list[int]:
        """Send one PutRecords request; return the positions to retry."""
        if self.fatal is not None:
            for position in chunk:
                self.fail(position, self.fatal)
            return []
        if self.requests and not self.backoff.can_send():
            # Earlier requests of this call used up its deadline: fail the rest unsent.
            error = self.deadline_error()
            for position in chunk:
                self.fail(position, error)
            return []
        self.requests += 1
        records = self.records
        attempts = self.attempts
        for position in chunk:
            attempts[position] += 1
        try:
            response = self.client.put_records(
                Records=[entry(records[position]) for position in chunk], **self.stream_params
            )
        except BOTO_ERRORS as exc:
            return self.request_failed(chunk, exc)
        retry: list[int] = []
        backend, stream = self.target.backend, self.target.stream
        ambiguous = self.ambiguous
        for position, result in zip(chunk, response["Records"], strict=True):
            code = result.get("ErrorCode")
            record = records[position]
            if code is None:
                sequence_number = result["SequenceNumber"]
                self.results[position] = PublishReceipt(
                    record.event_id,
                    backend,
                    stream,
                    result["ShardId"],
                    sequence_number,
                    attempts[position],
                    position in ambiguous,
                )
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
            for position in chunk:
                self.isolate(position)
            return []
        for position in chunk:
            self.fail(position, error)
        return []

    def isolate(self, position: int) -> None:
        """Send one record of a rejected request on its own with PutRecord."""
        record = self.records[position]
        if record.ordered and record.partition_key in self.failed_keys:
            self.block(position)
            return
        result = self.send_one(record, self.attempts[position])
        self.results[position] = result
        if isinstance(result, PublishFailure) and record.ordered:
            self.failed_keys.setdefault(record.partition_key, result)

    def next_round(self, retry: list[int], held: list[int]) -> list[int]:
        """Decide what the next round sends: retries still in budget plus held records."""
        keep: list[int] = []
        for position in retry:
            if self.fatal is not None or not self.backoff.can_retry(self.attempts[position]):
                self.give_up(position)
            else:
                keep.append(position)
        if keep and not self.backoff.wait():
            for position in keep:
                self.give_up(position)
            keep = []
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
