"""Every eventwire hook; plugins implement them with ``@eventwire.hookimpl``.

Hooks are called with keyword arguments only. A plugin is any object or
module with ``eventwire_*`` functions marked ``@hookimpl``; it is found through
the ``eventwire`` entry-point group or registered in code.
"""

# Hook specifications have no bodies by design; pluggy only reads their signatures.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from eventwire.backend import Backend
    from eventwire.calls import Call
    from eventwire.context import PublishContext
    from eventwire.errors import BackendError
    from eventwire.events import Event
    from eventwire.records import PublishFailure, PublishReceipt, Record

PROJECT = "eventwire"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- backends -----------------------------------------------------------------


@hookspec(firstresult=True)
def eventwire_make_backend(name: str, options: Mapping[str, object]) -> Backend | None:
    """Build the backend called ``name``, or return None if this plugin does not provide it.

    Stops at first non-None result.

    Args:
        name: the backend name asked for (argument or ``EVENTWIRE_BACKEND``).
        options: settings for the backend: ``stream`` (argument or ``EVENTWIRE_STREAM``,
            may be None) plus any keyword arguments the caller gave the Publisher.
            A backend rejects options it does not understand with ``ConfigurationError``.

    Returns:
        A ready backend, or None.
    """


@hookspec
def eventwire_list_backends() -> Sequence[str]:
    """Name the backends this plugin can make.

    Returns:
        The backend names, used to list what is installed in error messages.
    """


# -- publishing -----------------------------------------------------------------


@hookspec
def eventwire_before_publish(context: PublishContext) -> None:
    """Inspect, enrich or reject an event before it is encoded.

    Assign a new event to ``context.event`` to enrich it (events are frozen;
    use ``event.with_extensions(...)`` or ``model_copy``), or call
    ``context.reject(reason)`` to stop it. Hooks run in registration order,
    most recently registered first, each seeing the previous hook's event.

    Args:
        context: the event on its way out, with the backend and stream names.
    """


@hookspec(firstresult=True)
def eventwire_make_serializer() -> Callable[[Record], Record] | None:
    """Give the function that turns each encoded record into its wire form, or None.

    A serializer (the Glue Schema Registry framing, for one) changes the bytes
    of every record: it runs on each record right after encoding, before the
    ``eventwire_before_send`` hooks, and the record size limit is checked on
    its result. Asked once per batch, not per event, so a serializer costs one
    plain call per record; it must be thread-safe. Stops at first non-None result.

    Returns:
        A function from a record to the record to send (same keys), or None.
    """


@hookspec
def eventwire_event_extensions(stream: str) -> Mapping[str, str] | None:
    """Give extension attributes to write into every event of the current publish call.

    Asked once per ``publish``, ``publish_many`` or producer ``publish``, not once
    per event, so a plugin adds attributes (say, the W3C ``traceparent``) at the
    cost of encoding them; the events themselves are not copied, and an
    attribute an event already carries wins. Several plugins' answers merge.

    Args:
        stream: the stream the events go to.

    Returns:
        Attribute names (1-20 lowercase ASCII letters or digits) and string values, or None.
    """


@hookspec
def eventwire_before_send(context: PublishContext) -> None:
    """Inspect, replace or reject the encoded record just before the backend gets it.

    ``context.record`` is set; assign a replacement record to change it, or
    call ``context.reject(reason)``. The record size limit was checked before
    this hook; a hook that grows the record is responsible for the limit.

    Args:
        context: the event and its record.
    """


@hookspec
def eventwire_after_publish(event: Event, receipt: PublishReceipt) -> None:
    """Observe a delivered event.

    Args:
        event: the event as it was published (after enrichment).
        receipt: where it landed: stream, shard id, sequence number, attempts.
    """


@hookspec
def eventwire_publish_failed(event: Event | None, failure: PublishFailure) -> None:
    """Observe an event that was not delivered (rejected, invalid or failed in the backend).

    Args:
        event: the event, or None when the item given to ``publish_many`` was not an event.
        failure: the error, the attempts made and the record if one was built.
    """


# -- producer metrics -------------------------------------------------------------
#
# Called by ``Producer`` and ``AsyncProducer`` on their sender, never once per record on
# the publishing path except ``eventwire_producer_queued``; counts are user records
# (what callers published), bytes are data plus partition key.


@hookspec
def eventwire_producer_queued(stream: str, records: int, nbytes: int) -> None:
    """Observe user records accepted into a producer's buffer.

    Args:
        stream: the stream the producer writes to.
        records: how many user records were queued.
        nbytes: their bytes.
    """


@hookspec
def eventwire_producer_batch(stream: str, records: int, user_records: int, fill: float) -> None:
    """Observe one PutRecords request about to be sent.

    Args:
        stream: the stream the producer writes to.
        records: Kinesis records in the request (an aggregated record counts once).
        user_records: user records they carry.
        fill: how full the request is, 0 to 1: the larger of records/500 and bytes/10 MiB
            (the PutRecords limits).
    """


@hookspec
def eventwire_producer_sent(
    stream: str, records: int, nbytes: int, latencies: Sequence[float]
) -> None:
    """Observe user records delivered by one request.

    Args:
        stream: the stream the producer writes to.
        records: how many user records were delivered.
        nbytes: their bytes.
        latencies: seconds from ``publish`` to delivery, one per user record.
    """


@hookspec
def eventwire_producer_retried(stream: str, records: int, nbytes: int, code: str | None) -> None:
    """Observe user records put back in the queue after a retryable failure.

    Args:
        stream: the stream the producer writes to.
        records: how many user records will be sent again.
        nbytes: their bytes.
        code: the service's error code (``ProvisionedThroughputExceededException`` when
            throttled), or None.
    """


@hookspec
def eventwire_producer_failed(
    stream: str, records: int, nbytes: int, code: str | None, retries: Sequence[int]
) -> None:
    """Observe user records that will not be delivered (their futures hold failures).

    Args:
        stream: the stream the producer writes to.
        records: how many user records failed.
        nbytes: their bytes.
        code: the error code (the service's, or ``"Timeout"`` for records past their
            deadline or cut off by ``close``), or None.
        retries: for each of those records, the sends after its first (0 when it was
            sent once or never).
    """


@hookspec
def eventwire_producer_shard_map_failed(
    stream: str, error: BackendError, failures: int, retry_in: float
) -> None:
    """Observe a failed read of the stream's shard map (``ListShards``).

    The producer keeps its old map (with none, records go out without per-shard
    pacing) and reads it again after ``retry_in`` seconds, the pause doubling
    while reads keep failing.

    Args:
        stream: the stream the producer writes to.
        error: why the read failed (a missing ``kinesis:ListShards`` permission, say).
        failures: failed reads so far.
        retry_in: seconds until the next read.
    """


# -- calls ------------------------------------------------------------------------
#
# Around each ``Publisher.publish`` and ``publish_many`` and each PutRecords request that a
# publisher or producer sends: for tracing and request metrics. Both hooks of a call run on
# the same thread or task, so a hook may set a context in ``call_started`` and reset it in
# ``call_finished``.


@hookspec
def eventwire_call_started(call: Call) -> None:
    """Observe a call about to start; keep per-call state in ``call.state``.

    For ``publish`` and ``publish_many`` this runs before the publish hooks, so a
    context a hook makes current here is current while events are enriched.

    Args:
        call: the operation, stream and backend; the records for a request.
    """


@hookspec
def eventwire_call_finished(call: Call) -> None:
    """Observe a call that ended, with ``call.results`` or ``call.error`` set.

    Runs for every started call, whatever its outcome.

    Args:
        call: the call, with its outcome and duration.
    """


# -- command line -------------------------------------------------------------------


@hookspec
def eventwire_add_commands(group: click.Group) -> None:
    """Add subcommands to the ``eventwire`` command line.

    Called once when the command line starts, before its arguments are parsed.
    Call ``group.add_command(...)`` with Click commands or groups; a name another
    plugin already added is a ``ConfigurationError``. Import what the commands
    need inside them, not in the plugin module, so that ``eventwire --help``
    stays quick. Errors a command raises that are ``EventwireError`` are shown
    as one line and end the command with the exit code ``eventwire.cli.exit_code_for``
    gives; return an int from a command to choose the exit status yourself.

    Args:
        group: the root ``eventwire`` group (needs the ``eventwire-core[cli]`` extra).
    """
