"""Read the W3C trace context an event carries (CloudEvents Distributed Tracing extension).

Producers with the ``eventwire.otel`` plugin write ``traceparent`` (and
``tracestate``) into each event's extensions; a consumer reads them back here
to link its span to the producer's. ``trace_context`` needs nothing beyond
eventwire; ``extract`` and ``link`` need the ``otel`` extra (opentelemetry-api).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, NamedTuple

from eventwire.errors import ConfigurationError

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Link
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    from eventwire.events import Event

__all__ = [
    "TRACEPARENT",
    "TRACESTATE",
    "TraceContext",
    "document_trace_context",
    "extract",
    "link",
    "trace_context",
]

TRACEPARENT = "traceparent"
"""The extension attribute holding the W3C ``traceparent`` header value."""

TRACESTATE = "tracestate"
"""The extension attribute holding the W3C ``tracestate`` header value."""

# W3C Trace Context, version 00: version-traceid-parentid-flags, lowercase hex, ids not all zero.
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_decoder = json.JSONDecoder()


class TraceContext(NamedTuple):
    """The trace context an event carries."""

    traceparent: str
    tracestate: str | None
    trace_id: int
    span_id: int
    sampled: bool


def trace_context(event: Event) -> TraceContext | None:
    """The valid W3C trace context in ``event``'s extensions, or None when it has none.

    A malformed ``traceparent`` (wrong shape, version ``ff``, all-zero ids) counts
    as none, as the W3C specification tells receivers to do.
    """
    state = event.extensions.get(TRACESTATE)
    return _parsed(event.extensions.get(TRACEPARENT), state if isinstance(state, str) else None)


def document_trace_context(data: bytes) -> TraceContext | None:
    """The valid W3C trace context in a structured CloudEvents document, read from its bytes.

    Only the attributes before ``data`` are read, without decoding the event:
    ``"traceparent":"`` cannot occur inside a JSON string (its quotes would be
    escaped), and the context attributes hold no objects, so a match is the
    top-level attribute. Anything else (not eventwire's JSON, no context) is None.
    """
    end = data.find(b',"data":')
    if end < 0:
        return None
    head = data[:end]
    start = head.find(b'"traceparent":"')
    if start < 0:
        return None
    start += len(b'"traceparent":"')
    value = head[start : head.find(b'"', start)]
    if not value.isascii():
        return None
    state = None
    at = head.find(b'"tracestate":')
    if at >= 0:
        # tracestate may hold escaped characters: let the JSON decoder read the string.
        try:
            found, _ = _decoder.raw_decode(head[at + len(b'"tracestate":') :].decode())
        except (UnicodeDecodeError, ValueError):
            found = None
        state = found if isinstance(found, str) else None
    return _parsed(value.decode(), state)


def _parsed(traceparent: object, tracestate: str | None) -> TraceContext | None:
    if not isinstance(traceparent, str):
        return None
    match = _TRACEPARENT.match(traceparent)
    if match is None:
        return None
    version, trace_hex, span_hex, flags = match.groups()
    trace_id, span_id = int(trace_hex, 16), int(span_hex, 16)
    if version == "ff" or trace_id == 0 or span_id == 0:
        return None
    return TraceContext(traceparent, tracestate, trace_id, span_id, bool(int(flags, 16) & 1))


def extract(event: Event) -> Context:
    """An OpenTelemetry context whose remote parent is the span that published ``event``.

    Without a trace context in the event, the context is empty (a new trace).

    Raises:
        ConfigurationError: opentelemetry-api is not installed (install ``eventwire-core[otel]``).
    """
    propagator = _propagator()
    carrier: dict[str, str] = {}
    found = trace_context(event)
    if found is not None:
        carrier[TRACEPARENT] = found.traceparent
        if found.tracestate is not None:
            carrier[TRACESTATE] = found.tracestate
    return propagator.extract(carrier)


def link(event: Event) -> Link | None:
    """A span link to the span that published ``event``, or None when it carries no context.

    Raises:
        ConfigurationError: opentelemetry-api is not installed (install ``eventwire-core[otel]``).
    """
    _propagator()
    from opentelemetry import trace

    span_context = trace.get_current_span(extract(event)).get_span_context()
    if not span_context.is_valid:
        return None
    return trace.Link(span_context)


def _propagator() -> TraceContextTextMapPropagator:
    try:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    except ImportError as exc:
        raise ConfigurationError(
            "eventwire.tracing.extract and link need OpenTelemetry: "
            "pip install 'eventwire-core[otel]'"
        ) from exc
    return TraceContextTextMapPropagator()
