"""The OpenTelemetry plugin: PRODUCER spans, trace context in events, extraction for consumers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import eventwire.otel
import eventwire.tracing
from eventwire import InvalidEventError, Producer, ProducerSettings, Publisher, ThrottledError
from eventwire.backends import encode, make_plugin_manager
from eventwire.otel import OtelPlugin
from eventwire.testing import RecordingBackend
from eventwire.tracing import document_trace_context, extract, link, trace_context
from tests.core.sample_events import PersonCreated


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


@pytest.fixture
def backend() -> RecordingBackend:
    return RecordingBackend("people")


@pytest.fixture
def publisher(provider: TracerProvider, backend: RecordingBackend) -> Iterator[Publisher]:
    plugin = OtelPlugin(tracer_provider=provider, metrics=False)
    manager = make_plugin_manager([plugin], load_entry_points=False)
    with Publisher(backend, source="test", plugin_manager=manager) as publisher:
        yield publisher


def _named(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


class TestPublishSpans:
    """One PRODUCER span per publish and per PutRecords request, nested under the caller."""

    def test_publish_span_nests_under_the_callers_span(
        self, publisher: Publisher, provider: TracerProvider, exporter: InMemorySpanExporter
    ) -> None:
        """Publish opens a PRODUCER span under the current span, with messaging attributes."""
        tracer = provider.get_tracer("test")
        with tracer.start_as_current_span("handle request") as parent:
            receipt = publisher.publish(PersonCreated(person_id=1, name="a"))
        (span,) = _named(exporter.get_finished_spans(), "publish people")
        assert SpanKind.PRODUCER == span.kind
        assert span.parent is not None
        assert parent.get_span_context().span_id == span.parent.span_id
        assert {
            "messaging.system": "aws_kinesis",
            "messaging.operation.type": "send",
            "messaging.operation.name": "publish",
            "messaging.destination.name": "people",
            "messaging.message.id": receipt.event_id,
            "messaging.batch.message_count": 1,
            "messaging.destination.partition.id": receipt.shard_id,
            "aws.kinesis.sequence_number": receipt.sequence_number,
        } == dict(span.attributes or {})

    def test_event_carries_the_publish_span_context(
        self, publisher: Publisher, backend: RecordingBackend, exporter: InMemorySpanExporter
    ) -> None:
        """The record's traceparent names the publish span (CloudEvents Distributed Tracing)."""
        publisher.publish(PersonCreated(person_id=1, name="a"))
        (span,) = exporter.get_finished_spans()
        (event,) = backend.events()
        found = trace_context(event)
        assert found is not None
        assert (span.context.trace_id, span.context.span_id) == (found.trace_id, found.span_id)
        linked = link(event)
        assert linked is not None
        assert span.context.span_id == linked.context.span_id

    def test_publish_many_spans_per_request(
        self, publisher: Publisher, backend: RecordingBackend, exporter: InMemorySpanExporter
    ) -> None:
        """publish_many has a span, with one PutRecords child per request of at most 500."""
        events = [PersonCreated(person_id=n, name="x") for n in range(501)]
        results = publisher.publish_many(events)
        assert all(result.ok for result in results)
        spans = exporter.get_finished_spans()
        (batch,) = _named(spans, "publish_many people")
        requests = _named(spans, "PutRecords people")
        assert [500, 1] == [(s.attributes or {})["messaging.batch.message_count"] for s in requests]
        assert all(s.parent and s.parent.span_id == batch.context.span_id for s in requests)
        assert 501 == (batch.attributes or {})["messaging.batch.message_count"]
        contexts = {trace_context(event) for event in backend.events()}
        assert {batch.context.span_id} == {c.span_id for c in contexts if c is not None}

    def test_failure_carries_the_aws_error_code(
        self, publisher: Publisher, backend: RecordingBackend, exporter: InMemorySpanExporter
    ) -> None:
        """A failed publish ends its span with error status and error.type = the AWS code."""
        code = "ProvisionedThroughputExceededException"
        backend.fail_next(ThrottledError("slow down", code=code))
        with pytest.raises(ThrottledError):
            publisher.publish(PersonCreated(person_id=1, name="a"))
        (span,) = exporter.get_finished_spans()
        assert StatusCode.ERROR == span.status.status_code
        assert code == (span.attributes or {})["error.type"]

    def test_partial_failure_in_a_request(
        self, publisher: Publisher, backend: RecordingBackend, exporter: InMemorySpanExporter
    ) -> None:
        """A request with failed records names the first code and how many failed."""
        backend.fail_next(ThrottledError("slow down", code="ThrottlingException"), count=2)
        publisher.publish_many([PersonCreated(person_id=n, name="x") for n in range(3)])
        (request,) = _named(exporter.get_finished_spans(), "PutRecords people")
        attributes = request.attributes or {}
        assert ("ThrottlingException", 2) == (
            attributes["error.type"], attributes["aws.kinesis.failed_record_count"]
        )  # fmt: skip

    def test_rejected_event_still_ends_the_span(
        self, publisher: Publisher, exporter: InMemorySpanExporter
    ) -> None:
        """An event that never leaves the process ends its span with the error."""
        with pytest.raises(InvalidEventError):
            publisher.publish("not an event")  # type: ignore[arg-type]
        (span,) = exporter.get_finished_spans()
        assert "InvalidEventError" == (span.attributes or {})["error.type"]

    def test_an_existing_traceparent_is_kept(
        self, publisher: Publisher, backend: RecordingBackend
    ) -> None:
        """An event that already carries a trace context keeps it."""
        given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        publisher.publish(PersonCreated(person_id=1, name="a").with_extensions(traceparent=given))
        (event,) = backend.events()
        assert given == event.extensions["traceparent"]


class TestTraceContext:
    """eventwire.tracing reads W3C trace context from a decoded event."""

    def test_malformed_traceparent_is_none(self) -> None:
        """Malformed or all-zero values count as no context, as W3C asks receivers."""
        for value in ("garbage", "00-" + "0" * 32 + "-b7ad6b7169203331-01",
                      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"):  # fmt: skip
            event = PersonCreated(person_id=1, name="a").with_extensions(traceparent=value)
            assert trace_context(event) is None
            assert link(event) is None

    def test_extract_gives_a_remote_parent(self) -> None:
        """Extract returns a context whose span is the remote producer span, tracestate kept."""
        from opentelemetry import trace

        event = PersonCreated(person_id=1, name="a").with_extensions(
            traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            tracestate="vendor=x",
        )
        context = trace.get_current_span(extract(event)).get_span_context()
        assert (0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, True) == (
            context.trace_id, context.span_id, context.is_remote
        )  # fmt: skip
        assert "vendor=x" == context.trace_state.to_header()

    def test_public_names(self) -> None:
        """eventwire.otel and eventwire.tracing pin their public names."""
        assert [
            "KPL_METRICS",
            "SYSTEM",
            "OtelPlugin",
            "kpl_views",
            "plugin",
        ] == eventwire.otel.__all__
        assert ["TRACEPARENT", "TRACESTATE", "TraceContext", "document_trace_context",
                "extract", "link", "trace_context"] == eventwire.tracing.__all__  # fmt: skip


class TestEventExtensionsHook:
    """eventwire_event_extensions adds attributes to every event of a call, checked once."""

    def test_bad_names_are_refused(self, backend: RecordingBackend) -> None:
        """A plugin giving an invalid extension name fails the call (a configuration error)."""
        from eventwire import ConfigurationError, hookimpl

        class Bad:
            @hookimpl
            def eventwire_event_extensions(self, stream: str) -> dict[str, str]:
                return {"Trace-Parent": "x"}

        manager = make_plugin_manager([Bad()], load_entry_points=False)
        with Publisher(backend, source="test", plugin_manager=manager) as publisher:
            with pytest.raises(ConfigurationError, match="Trace-Parent"):
                publisher.publish(PersonCreated(person_id=1, name="a"))
            with pytest.raises(ConfigurationError, match="Trace-Parent"):
                publisher.publish_many([PersonCreated(person_id=2, name="b")])
        assert [] == backend.records


class TestProducerRequestLinks:
    """A producer's PutRecords span links to the spans that published the events it carries."""

    @pytest.mark.parametrize("aggregate", [False, True])
    def test_links_to_each_publishing_span(
        self, provider: TracerProvider, exporter: InMemorySpanExporter, aggregate: bool
    ) -> None:
        plugin = OtelPlugin(tracer_provider=provider, metrics=False)
        producer = Producer(
            RecordingBackend("people"), source="test",
            plugin_manager=make_plugin_manager([plugin], load_entry_points=False),
            background=False, settings=ProducerSettings(aggregate=aggregate),
        )  # fmt: skip
        tracer = provider.get_tracer("test")
        contexts = []
        for name in ("first", "second"):
            with tracer.start_as_current_span(name) as span:
                contexts.append(span.get_span_context())
                for n in range(3):
                    producer.publish(PersonCreated(person_id=n, name=name))
        assert producer.flush()
        producer.close()
        requests = _named(exporter.get_finished_spans(), "PutRecords people")
        links = [link for request in requests for link in request.links]
        linked = {(link.context.trace_id, link.context.span_id) for link in links}
        assert {(c.trace_id, c.span_id) for c in contexts} == linked
        assert all(link.context.is_remote for link in links)
        for request in requests:  # one link per publishing span, however many events it sent
            assert len(request.links) == len({link.context.span_id for link in request.links})

    def test_publisher_requests_carry_no_links(
        self, publisher: Publisher, exporter: InMemorySpanExporter
    ) -> None:
        """A publisher's request is the child of its publish_many span, which its events carry."""
        publisher.publish_many([PersonCreated(person_id=1, name="a")])
        (request,) = _named(exporter.get_finished_spans(), "PutRecords people")
        assert () == tuple(request.links)


class TestDocumentTraceContext:
    """The trace context is read from a record's bytes, before its data only."""

    def test_reads_traceparent_and_tracestate(self) -> None:
        parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        event = PersonCreated(
            person_id=1, name="\u00e9", subject="\u00fc",
            extensions={"traceparent": parent, "tracestate": 'k=v"\\x'},
        )  # fmt: skip
        found = document_trace_context(encode(event, source="s"))
        assert found is not None
        assert (parent, 'k=v"\\x', True) == (found.traceparent, found.tracestate, found.sampled)

    def test_a_payload_field_is_not_a_context(self) -> None:
        parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        event = PersonCreated(person_id=1, name=f'"traceparent":"{parent}"')
        assert document_trace_context(encode(event, source="s")) is None

    @pytest.mark.parametrize("data", [b"", b"not json", b'{"traceparent":"00-1-2-01"}'])
    def test_other_bytes_give_none(self, data: bytes) -> None:
        assert document_trace_context(data) is None
