"""OpenTelemetry end to end: trace context through the emulator, KPL metrics against stats."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from eventwire import (
    Event,
    EventRegistry,
    Producer,
    ProducerSettings,
    Publisher,
    PublishFailure,
    PublishReceipt,
)
from eventwire.backends import make_plugin_manager
from eventwire.consume import from_lambda_event
from eventwire.otel import KPL_METRICS, OtelPlugin, kpl_views
from eventwire.tracing import link
from eventwire_emulator import EmulatorBackend, Kinesis, ManualClock, lambda_events, read_events

registry = EventRegistry()
STREAM = "orders"


class Paid(Event, event_type="com.example.paid", partition_key="order", registry=registry):
    order: str


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[reader], views=kpl_views())
    yield provider
    provider.shutdown()


def _kinesis() -> Kinesis:
    kinesis = Kinesis(clock=ManualClock())
    kinesis.create_stream(STREAM, 2)
    return kinesis


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    found: dict[str, list[Any]] = {}
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def _total(points: dict[str, list[Any]], name: str, **attributes: str) -> float:
    """Sum of a counter's values (or a histogram's sums) over points matching ``attributes``."""
    total = 0.0
    for point in points.get(name, []):
        if all(point.attributes.get(k) == v for k, v in attributes.items()):
            total += point.value if hasattr(point, "value") else point.sum
    return total


def _count(points: dict[str, list[Any]], name: str) -> int:
    return sum(point.count for point in points.get(name, []))


def _expiring_producer(kinesis: Kinesis, meter_provider: MeterProvider) -> Producer:
    """A producer with KPL metrics on, driven by hand, whose records live 5 s."""
    plugin = OtelPlugin(meter_provider=meter_provider, traces=False)
    return Producer(
        EmulatorBackend(kinesis, stream=STREAM), source="shop",
        plugin_manager=make_plugin_manager([plugin], load_entry_points=False),
        clock=kinesis.clock, background=False, settings=ProducerSettings(record_ttl=5.0),
    )  # fmt: skip


class TestTraceContextThroughTheStream:
    """The producer's span context travels inside the record and back out."""

    def test_publish_emulator_read_decode_link(
        self, tracer_provider: TracerProvider, exporter: InMemorySpanExporter
    ) -> None:
        """Read back and decoded, each event links to the span that published it."""
        kinesis = _kinesis()
        plugin = OtelPlugin(tracer_provider=tracer_provider, metrics=False)
        manager = make_plugin_manager([plugin], load_entry_points=False)
        tracer = tracer_provider.get_tracer("test")
        backend = EmulatorBackend(kinesis, stream=STREAM)
        publisher = Publisher(backend, source="shop", plugin_manager=manager)
        with publisher, tracer.start_as_current_span("checkout"):
            publisher.publish(Paid(order="o1"))
            publisher.publish_many([Paid(order="o2"), Paid(order="o3")])
        published = {
            span.name: span.context.span_id
            for span in exporter.get_finished_spans()
            if span.kind == SpanKind.PRODUCER and not span.name.startswith("PutRecords")
        }
        events = {event.order: event for event in read_events(kinesis, STREAM, registry)}  # type: ignore[attr-defined]
        links = {order: link(event) for order, event in events.items()}
        assert {"o1": published[f"publish {STREAM}"],
                "o2": published[f"publish_many {STREAM}"],
                "o3": published[f"publish_many {STREAM}"]} == {
            order: found.context.span_id for order, found in links.items() if found is not None
        }  # fmt: skip
        # A Lambda consumer of the same records links its span to the producer's.
        (document, *_) = lambda_events(kinesis, STREAM, batch_size=10)
        for consumed in from_lambda_event(document, registry).events:
            found = link(consumed.event)
            assert found is not None
            assert found.context.span_id == links[consumed.event.order].context.span_id  # type: ignore[attr-defined, union-attr]


class TestKplMetrics:
    """Producer metrics under KPL's names agree with the producer's own stats."""

    def _produce(
        self, kinesis: Kinesis, meter_provider: MeterProvider, count: int, **settings: Any
    ) -> Producer:
        plugin = OtelPlugin(meter_provider=meter_provider, traces=False)
        producer = Producer(
            EmulatorBackend(kinesis, stream=STREAM),
            source="shop",
            plugin_manager=make_plugin_manager([plugin], load_entry_points=False),
            clock=kinesis.clock,
            background=False,
            settings=ProducerSettings(**settings),
        )
        futures = [producer.publish(Paid(order=f"o{n % 40}")) for n in range(count)]
        assert producer.flush()
        producer.close()
        assert all(isinstance(future.result(), PublishReceipt) for future in futures)
        return producer

    def test_values_equal_stats(
        self, meter_provider: MeterProvider, reader: InMemoryMetricReader
    ) -> None:
        """Counts and bytes equal producer.stats; nothing is left pending."""
        producer = self._produce(_kinesis(), meter_provider, 700)
        stats = producer.stats
        points = _points(reader)
        assert stats.queued_records == _total(points, "UserRecordsReceived")
        assert stats.sent_records == _total(points, "UserRecordsPut")
        assert stats.sent_bytes == _total(points, "UserRecordsDataPut")
        assert stats.kinesis_records == _total(points, "KinesisRecordsPut")
        assert stats.requests == _count(points, "RequestTime")
        assert stats.requests == _count(points, "KinesisRecordsPerPutRecordsRequest")
        assert stats.sent_records == _count(points, "BufferingTime")
        assert 0 == _total(points, "UserRecordsPending")
        assert stats.sent_records == _count(points, "RetriesPerRecord")
        assert {"StreamName", "ShardId"} == set(points["UserRecordsPut"][0].attributes)
        assert 2 == len({p.attributes["ShardId"] for p in points["KinesisRecordsPut"]})

    def test_aggregated_records(
        self, meter_provider: MeterProvider, reader: InMemoryMetricReader
    ) -> None:
        """With aggregation, user and Kinesis records differ, and the per-record ratio shows it."""
        producer = self._produce(_kinesis(), meter_provider, 400, aggregate=True)
        stats = producer.stats
        points = _points(reader)
        assert stats.sent_records == _total(points, "UserRecordsPut") == 400
        assert stats.kinesis_records == _total(points, "KinesisRecordsPut") < 400
        assert 400 == _total(points, "UserRecordsPerKinesisRecord")
        assert 400 == _total(points, "UserRecordsPerPutRecordsRequest")

    def test_errors_by_code_and_retries(
        self, meter_provider: MeterProvider, reader: InMemoryMetricReader
    ) -> None:
        """Throttled entries count under their code; retries per record add up to the resends."""
        kinesis = _kinesis()
        code = "ProvisionedThroughputExceededException"
        kinesis.faults.fail_entries(code, every=5, times=60)
        producer = self._produce(kinesis, meter_provider, 300)
        stats = producer.stats
        points = _points(reader)
        assert 60 == stats.throttled_records
        assert stats.throttled_records == _total(points, "ErrorsByCode", ErrorCode=code)
        assert stats.throttled_records == _total(points, "AllErrors")
        assert stats.retried_records == _total(points, "RetriesPerRecord")
        assert stats.sent_records == _total(points, "UserRecordsPut") == 300

    def test_retries_per_record_counts_records_given_up(
        self, meter_provider: MeterProvider, reader: InMemoryMetricReader
    ) -> None:
        """RetriesPerRecord also counts records that can no longer be retried.

        KPL: "Data is emitted at the moment a user record finishes (when it either
        succeeds or can no longer be retried)" (developer guide, Monitor the KPL with
        Amazon CloudWatch, List of metrics).
        """
        kinesis = _kinesis()
        kinesis.faults.fail_entries("ProvisionedThroughputExceededException", every=1, times=10_000)
        producer = _expiring_producer(kinesis, meter_provider)
        futures = [producer.publish(Paid(order=f"o{n}")) for n in range(6)]
        assert producer.flush(timeout=20.0)
        producer.close()
        failures = [future.result() for future in futures]
        assert all(isinstance(failure, PublishFailure) for failure in failures)
        assert all(failure.attempts > 1 for failure in failures)
        points = _points(reader)
        assert len(failures) == producer.stats.failed_records == _count(points, "RetriesPerRecord")
        retries = sum(failure.attempts - 1 for failure in failures)
        assert retries == _total(points, "RetriesPerRecord")

    def test_every_kpl_metric_is_recorded(
        self, meter_provider: MeterProvider, reader: InMemoryMetricReader
    ) -> None:
        """Each KPL name is an instrument with data after an expiring, throttled run."""
        kinesis = _kinesis()
        kinesis.faults.fail_entries("ProvisionedThroughputExceededException", every=3, times=30)
        producer = _expiring_producer(kinesis, meter_provider)
        futures = [producer.publish(Paid(order=f"o{n}")) for n in range(50)]
        assert producer.flush()
        futures += [producer.publish(Paid(order=f"late{n}")) for n in range(10)]
        kinesis.clock.advance(10.0)  # type: ignore[attr-defined]
        producer.flush()
        producer.close()
        assert [future.result() for future in futures]
        points = _points(reader)
        assert sorted(KPL_METRICS) == sorted(points)
        assert producer.stats.failed_records == _total(points, "UserRecordExpired") > 0
        finished = producer.stats.sent_records + producer.stats.failed_records
        assert finished == _count(points, "RetriesPerRecord")
