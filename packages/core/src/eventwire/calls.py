"""``Call``: one publish, publish_many or PutRecords request, as the call hooks see it."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from eventwire.errors import EventwireError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import pluggy

    from eventwire.records import PublishResult, Record

Operation = Literal["publish", "publish_many", "put_records"]
"""What a call is: ``Publisher.publish`` (one event, one request), ``publish_many``
(a batch of events, one or more requests), or one PutRecords request."""


@dataclass(slots=True, eq=False)
class Call:
    """One call on its way to a stream; hooks read it, and keep their own state in ``state``.

    ``eventwire_call_started`` sees it before anything is sent, on the caller's
    thread (or task); ``eventwire_call_finished`` sees it with ``results`` or
    ``error`` set, on the same thread (or task).

    Attributes:
        operation: ``"publish"``, ``"publish_many"`` or ``"put_records"``.
        stream: the stream written to.
        backend: the backend's name.
        records: the Kinesis records of a request (set by the time it is sent; an
            aggregated record counts once).
        user_records: user records each Kinesis record carries (all 1 without aggregation).
        user_bytes: bytes (data plus partition key) of the user records each Kinesis record carries.
        buffered: seconds each user record waited in a producer's buffer before this request.
        attempts: times each user record was sent before this request (a producer's).
        shard_id: the shard a producer aimed the request at, when it knows.
        producer: whether a ``Producer`` or ``AsyncProducer`` made the call.
        started: ``time.perf_counter()`` when the call started.
        duration: seconds the call took (set when it finished).
        results: one result per Kinesis record (per event for ``publish_many``) when it finished.
        error: the error that failed the call as a whole, if one did.
        state: scratch space for hooks, keyed by a name of the hook's own.
    """

    operation: Operation
    stream: str
    backend: str
    records: Sequence[Record] = ()
    user_records: Sequence[int] = ()
    user_bytes: Sequence[int] = ()
    buffered: Sequence[float] = ()
    attempts: Sequence[int] = ()
    shard_id: str | None = None
    producer: bool = False
    started: float = field(default_factory=time.perf_counter)
    duration: float = 0.0
    results: Sequence[PublishResult] | None = None
    error: EventwireError | None = None
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls, operation: Operation, stream: str, backend: str, records: list[Record] | None = None
    ) -> Call:
        """A publisher's call: ``records``, if given, are user records sent as they are."""
        if records is None:
            return cls(operation, stream, backend)
        sizes = [record.size for record in records]
        return cls(operation, stream, backend, records, [1] * len(records), sizes)


def observed(hooks: pluggy.HookRelay) -> bool:
    """Whether any plugin implements the call hooks (read once per call on hot paths)."""
    return bool(
        hooks.eventwire_call_started.get_hookimpls()
        or hooks.eventwire_call_finished.get_hookimpls()
    )


def start(hooks: pluggy.HookRelay, call: Call) -> Call:
    """Run the ``eventwire_call_started`` hooks and return ``call``."""
    call.started = time.perf_counter()
    hooks.eventwire_call_started(call=call)
    return call


def finish(
    hooks: pluggy.HookRelay,
    call: Call,
    results: Sequence[PublishResult] | None = None,
    error: EventwireError | None = None,
) -> None:
    """Record the outcome and run the ``eventwire_call_finished`` hooks."""
    call.duration = time.perf_counter() - call.started
    call.results = results
    call.error = error
    hooks.eventwire_call_finished(call=call)


@contextmanager
def observing(hooks: pluggy.HookRelay, call: Call) -> Iterator[Call]:
    """Start ``call``, and finish it when the block ends, with ``call.results`` or the error.

    A synchronous context manager, so a coroutine can use it too: both hooks
    then run in the coroutine's task.
    """
    start(hooks, call)
    try:
        yield call
    except EventwireError as exc:
        finish(hooks, call, call.results, error=exc)
        raise
    except BaseException:
        finish(hooks, call, call.results)
        raise
    finish(hooks, call, call.results)
