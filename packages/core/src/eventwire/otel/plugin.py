"""``OtelPlugin``: the eventwire hooks that feed OpenTelemetry traces and KPL metrics."""

from __future__ import annotations

from importlib.metadata import version
from typing import TYPE_CHECKING

from opentelemetry import metrics, trace

from eventwire.hookspecs import hookimpl
from eventwire.otel.metrics import SCOPE, KplMetrics
from eventwire.otel.spans import Spans

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from eventwire.calls import Call


class OtelPlugin:
    """Traces publishing (PRODUCER spans, W3C context in each event) and records KPL metrics.

    Register it on a publisher or producer (``plugins=[OtelPlugin()]``), with
    ``eventwire.register_plugin``, or through an ``eventwire`` entry point naming
    ``eventwire.otel:plugin``. Without providers it uses the global ones,
    looked up when first needed, so the SDK may be configured after import.

    Args:
        tracer_provider: where spans go (default: the global tracer provider).
        meter_provider: where metrics go (default: the global meter provider).
        traces: record spans and inject trace context into events.
        metrics: record the KPL producer metrics.
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        *,
        traces: bool = True,
        metrics: bool = True,
    ) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._traces = traces
        self._metrics = metrics
        self._spans: Spans | None = None
        self._kpl: KplMetrics | None = None

    @property
    def spans(self) -> Spans | None:
        """The span recorder, built on first use; None when traces are off."""
        if self._traces and self._spans is None:
            self._spans = Spans(
                trace.get_tracer(SCOPE, version("eventwire-core"), self._tracer_provider)
            )
        return self._spans

    @property
    def kpl(self) -> KplMetrics | None:
        """The KPL instruments, built on first use; None when metrics are off."""
        if self._metrics and self._kpl is None:
            provider = self._meter_provider or metrics.get_meter_provider()
            self._kpl = KplMetrics(provider.get_meter(SCOPE, version("eventwire-core")))
        return self._kpl

    @hookimpl
    def eventwire_call_started(self, call: Call) -> None:
        """Open the call's PRODUCER span."""
        spans = self.spans
        if spans is not None:
            spans.started(call)

    @hookimpl
    def eventwire_call_finished(self, call: Call) -> None:
        """Close the call's span; a producer's request feeds the KPL metrics."""
        spans = self.spans
        if spans is not None:
            spans.finished(call)
        kpl = self.kpl
        if kpl is not None and call.producer and call.operation == "put_records":
            kpl.request(call)

    @hookimpl
    def eventwire_event_extensions(self, stream: str) -> Mapping[str, str] | None:
        """The current trace context, for every event of the call (Distributed Tracing)."""
        spans = self.spans
        return spans.carrier() if spans is not None else None

    @hookimpl
    def eventwire_producer_queued(self, stream: str, records: int, nbytes: int) -> None:
        """Count user records a producer accepted."""
        kpl = self.kpl
        if kpl is not None:
            kpl.queued(stream, records)

    @hookimpl
    def eventwire_producer_sent(
        self, stream: str, records: int, nbytes: int, latencies: Sequence[float]
    ) -> None:
        """Count user records a producer delivered out of its pending ones."""
        kpl = self.kpl
        if kpl is not None:
            kpl.settled(stream, records, None, failed=False)

    @hookimpl
    def eventwire_producer_failed(
        self, stream: str, records: int, nbytes: int, code: str | None, retries: Sequence[int]
    ) -> None:
        """Count user records a producer gave up on, expired ones apart, and their retries."""
        kpl = self.kpl
        if kpl is not None:
            kpl.settled(stream, records, code, failed=True)
            kpl.gave_up(stream, retries)
