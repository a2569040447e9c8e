"""One record's PutRecord attempts: what a failure means and how long to wait, without I/O.

The sync and the asyncio backend both drive this, so a record is retried by
the same rules whichever sends it; only the sending and the sleeping differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventwire import InvalidRecordError, PublishFailure, PublishReceipt
from eventwire.backends import failure_from, local_problem
from eventwire_kinesis.errors import is_retryable, translate

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eventwire.backends import Record
    from eventwire_kinesis.errors import Target
    from eventwire_kinesis.retry import Backoff

PUT_RECORD = "kinesis:PutRecord"


class SingleRecord:
    """The attempts of one PutRecord call; not thread-safe (one per call)."""

    __slots__ = ("ambiguous", "attempts", "backoff", "record", "target")

    def __init__(self, record: Record, target: Target, backoff: Backoff, attempts: int) -> None:
        self.record = record
        self.target = target
        self.backoff = backoff
        self.attempts = attempts
        self.ambiguous = False

    def begin(self) -> None:
        """Count the attempt about to be made."""
        self.attempts += 1

    def failed(self, exc: Exception) -> float | PublishFailure:
        """Seconds to wait before the next attempt, or the final failure."""
        error = translate(exc, self.target, action=PUT_RECORD)
        self.ambiguous = self.ambiguous or error.ambiguous
        if is_retryable(error):
            if self.backoff.can_retry(self.attempts):
                delay = self.backoff.next_delay()
                if delay is not None:
                    return delay
            note = self.backoff.why_stopped(self.attempts)
            error = translate(exc, self.target, action=PUT_RECORD, note=note)
        error.ambiguous = self.ambiguous
        error.__cause__ = exc
        return failure_from(self.record, error, self.attempts)

    def receipt(self, response: Mapping[str, Any]) -> PublishReceipt:
        """The receipt of a PutRecord answer."""
        return PublishReceipt(
            self.record.event_id,
            self.target.backend,
            self.target.stream,
            response["ShardId"],
            response["SequenceNumber"],
            self.attempts,
            self.ambiguous,
        )


def unsendable(record: Record, target: Target) -> InvalidRecordError | None:
    """Why no Kinesis stream could take ``record`` (bad key, too big), else None."""
    problem = local_problem(record)
    if problem is None:
        return None
    return invalid_record(record, problem, target)


def invalid_record(record: Record, problem: str, target: Target) -> InvalidRecordError:
    """The error for ``record``, which no stream can take because of ``problem``."""
    return InvalidRecordError(
        f"record of event {record.event_id!r} cannot be sent: {problem}",
        backend=target.backend,
        stream=target.stream,
    )
