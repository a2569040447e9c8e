"""PRODUCER spans per publish, publish_many and PutRecords request, with W3C context injection.

Attributes follow the OpenTelemetry messaging semantic conventions (system,
destination, operation, message id, batch size, partition id for the shard,
``error.type`` for the AWS error code); the sequence number has no convention
and goes under ``aws.kinesis.sequence_number``. A producer's PutRecords span
links to the spans whose context its events carry.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from eventwire.aggregation import deaggregate
from eventwire.records import PublishReceipt
from eventwire.tracing import document_trace_context

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventwire.calls import Call
    from eventwire.records import Record

SYSTEM = "aws_kinesis"
"""``messaging.system``: the conventions list no Kinesis value, so the AWS naming pattern."""

MAX_LINKS = 128
"""Links a producer's PutRecords span carries at most (the SDK's default span limit)."""

_KEY = "eventwire.otel.span"
_propagator = TraceContextTextMapPropagator()
# The trace context to write into events published within the current call, computed once
# per publish or publish_many call rather than once per event.
_carrier: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "eventwire_otel_carrier", default=None
)


class Spans:
    """Opens and closes the spans of calls; thread-safe (state lives on the call)."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def started(self, call: Call) -> None:
        """Open the call's span as a child of the current one and make it current."""
        operation = "PutRecords" if call.operation == "put_records" else call.operation
        attributes: dict[str, str | int] = {
            "messaging.system": SYSTEM,
            "messaging.operation.type": "send",
            "messaging.operation.name": operation,
            "messaging.destination.name": call.stream,
        }
        if call.operation == "put_records":
            attributes["messaging.batch.message_count"] = len(call.records)
        if call.shard_id is not None:
            attributes["messaging.destination.partition.id"] = call.shard_id
        # A producer sends on its own thread or task, under none of the spans that published
        # the events: its request links to them, as the messaging conventions ask of batches.
        links = event_links(call.records) if call.producer else None
        span = self._tracer.start_span(
            f"{operation} {call.stream}", kind=SpanKind.PRODUCER, attributes=attributes,
            links=links,
        )  # fmt: skip
        context = trace.set_span_in_context(span)
        token = otel_context.attach(context)
        carrier_token = None
        if call.operation != "put_records":
            carrier: dict[str, str] = {}
            _propagator.inject(carrier, context)
            carrier_token = _carrier.set(carrier)
        call.state[_KEY] = (span, token, carrier_token)

    def finished(self, call: Call) -> None:
        """Describe the outcome on the call's span, end it and restore the previous context."""
        opened = call.state.pop(_KEY, None)
        if opened is None:
            return
        span, token, carrier_token = opened
        try:
            _describe(span, call)
        finally:
            span.end()
            if carrier_token is not None:
                _carrier.reset(carrier_token)
            otel_context.detach(token)

    def carrier(self) -> dict[str, str] | None:
        """The current trace context as extension attributes (``traceparent``, ``tracestate``).

        Within a publish call, its span's context (computed once per call); elsewhere
        (a producer's ``publish``), the caller's current span's; None without one.
        """
        carrier = _carrier.get()
        if carrier is None:
            carrier = {}
            _propagator.inject(carrier)
        return carrier or None


def event_links(records: Sequence[Record]) -> list[trace.Link]:
    """One link per distinct span context the records' events carry (KPL aggregates opened).

    At most ``MAX_LINKS``: the SDK keeps no more than its span limit anyway (128 by default).
    """
    links: list[trace.Link] = []
    seen: set[tuple[int, int]] = set()
    for record in records:
        for user in deaggregate(record.data):
            found = document_trace_context(user.data)
            if found is None or (found.trace_id, found.span_id) in seen:
                continue
            seen.add((found.trace_id, found.span_id))
            state = TraceState.from_header([found.tracestate]) if found.tracestate else None
            context = SpanContext(
                found.trace_id, found.span_id, is_remote=True,
                trace_flags=TraceFlags(TraceFlags.SAMPLED if found.sampled else TraceFlags.DEFAULT),
                trace_state=state,
            )  # fmt: skip
            links.append(trace.Link(context))
            if len(links) == MAX_LINKS:
                return links
    return links


def _describe(span: trace.Span, call: Call) -> None:
    results = call.results or ()
    if call.operation != "put_records":
        span.set_attribute("messaging.batch.message_count", len(results))
    if len(call.records) == 1 and call.records[0].event_id:
        span.set_attribute("messaging.message.id", call.records[0].event_id)
    if len(results) == 1:
        only = results[0]
        if isinstance(only, PublishReceipt):
            span.set_attribute("messaging.destination.partition.id", only.shard_id)
            span.set_attribute("aws.kinesis.sequence_number", only.sequence_number)
    failures = [result for result in results if not isinstance(result, PublishReceipt)]
    error = call.error
    if error is not None:
        code = getattr(error, "code", None) or type(error).__name__
        span.set_attribute("error.type", code)
        span.set_status(Status(StatusCode.ERROR, str(error)))
    elif failures:
        first = failures[0]
        span.set_attribute("error.type", first.code or type(first.error).__name__)
        span.set_attribute("aws.kinesis.failed_record_count", len(failures))
        span.set_status(Status(StatusCode.ERROR, f"{len(failures)} of {len(results)} failed"))
