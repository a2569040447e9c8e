"""What the threaded and the asyncio producer share: preparing events, sending, settling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventwire.errors import BackendError, DeliveryError, EventwireError, RecordTooLargeError
from eventwire.events import Event
from eventwire.producer.clock import MonotonicClock
from eventwire.producer.engine import Batch, Engine, Pending
from eventwire.producer.metrics import Metrics
from eventwire.producer.settings import ProducerSettings
from eventwire.publisher import Publisher
from eventwire.records import PublishFailure, PublishReceipt, PublishResult, Record

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pluggy

    from eventwire.backend import Backend
    from eventwire.producer.clock import Clock
    from eventwire.producer.engine import Resolved
    from eventwire.records import ShardInfo


class ProducerCore:
    """A publisher (for backend choice, hooks and encoding) plus the engine; not thread-safe.

    The producers call ``prepare``, ``send`` and ``read_shards`` without their
    lock (they do I/O or run plugins) and everything else with it.
    """

    def __init__(
        self,
        backend: Backend | str | None,
        *,
        stream: str | None,
        source: str | None,
        max_record_size: int | None,
        plugins: Iterable[object],
        plugin_manager: pluggy.PluginManager | None,
        settings: ProducerSettings | None,
        clock: Clock | None,
        backend_options: dict[str, Any],
    ) -> None:
        self.publisher = Publisher(
            backend,
            stream=stream,
            source=source,
            max_record_size=max_record_size,
            plugins=plugins,
            plugin_manager=plugin_manager,
            **backend_options,
        )
        self.backend = self.publisher.backend
        self.hooks = self.publisher.plugin_manager.hook
        self.settings = settings or ProducerSettings()
        self.clock = clock or MonotonicClock()
        self.max_record_size = self.publisher.settings.max_record_size
        self.metrics = Metrics(self.hooks, self.backend.stream)
        self.engine = Engine(self.settings, self.backend.stream, self.max_record_size, self.metrics)

    # -- outside the lock -------------------------------------------------------------

    def prepare(self, event: object) -> tuple[Record, Event | None] | PublishFailure:
        """Run the publish hooks and encode ``event``; a failure if that went wrong."""
        publisher = self.publisher
        try:
            # The Publisher's own preparation, so both apply the same hooks and limits.
            prepared, record = publisher._prepare(event, publisher._active_hooks())
        except EventwireError as exc:
            return self.failed_early(event if isinstance(event, Event) else None, exc)
        return record, prepared if self._keeps_events() else None

    def check_record(self, record: Record) -> PublishFailure | None:
        """A failure if a ready-made record is over the maximum record size."""
        if record.size > self.max_record_size:
            error = RecordTooLargeError(
                record.event_type or "record", record.size, self.max_record_size
            )
            return self.failed_early(None, error, record)
        return None

    def failed_early(
        self, event: Event | None, error: EventwireError, record: Record | None = None
    ) -> PublishFailure:
        """A failure for something that never reached the buffer, reported to the hooks."""
        event_id = event.id if event is not None else (record.event_id if record else "")
        failure = PublishFailure(event_id, error, 0, record)
        hook = self.hooks.eventwire_publish_failed
        if hook.get_hookimpls():
            hook(event=event, failure=failure)
        return failure

    def _keeps_events(self) -> bool:
        return bool(
            self.hooks.eventwire_after_publish.get_hookimpls()
            or self.hooks.eventwire_publish_failed.get_hookimpls()
        )

    def send(self, batch: Batch) -> list[PublishResult] | EventwireError:
        """Send one request; its per-record results, or the error that failed it whole."""
        self.metrics.batch(batch)
        try:
            results = self.backend.publish_many(batch.records)
        except EventwireError as exc:
            return exc
        except Exception as exc:
            return DeliveryError(
                f"backend {self.backend.name!r} raised {exc!r}; this is a bug in the backend",
                backend=self.backend.name,
                stream=self.backend.stream,
            )
        if len(results) != len(batch.records):
            return DeliveryError(
                f"backend {self.backend.name!r} returned {len(results)} results for "
                f"{len(batch.records)} records; this is a bug in the backend",
                backend=self.backend.name,
                stream=self.backend.stream,
            )
        return results

    def read_shards(self) -> list[ShardInfo] | BackendError | None:
        """The backend's open shards, None if it has none, or the error reading them."""
        try:
            return self.backend.shards()
        except BackendError as exc:
            return exc

    def announce(self, resolved: Resolved, now: float) -> None:
        """Report settled records to the metrics and per-event hooks."""
        if not resolved:
            return
        self.metrics.settled(resolved, now)
        after = self.hooks.eventwire_after_publish
        failed = self.hooks.eventwire_publish_failed
        observe_after, observe_failed = bool(after.get_hookimpls()), bool(failed.get_hookimpls())
        if not (observe_after or observe_failed):
            return
        for item, result in resolved:
            if isinstance(result, PublishReceipt):
                if observe_after and item.event is not None:
                    after(event=item.event, receipt=result)
            elif observe_failed:
                failed(event=item.event, failure=result)

    # -- under the lock ---------------------------------------------------------------

    def apply_shards(self, shards: list[ShardInfo] | BackendError | None, now: float) -> None:
        """Adopt the shard map just read (a failed read keeps the old map)."""
        if isinstance(shards, BackendError):
            self.engine.refresh_wanted = False
            return
        self.engine.apply_shards(shards, now)

    def settle(
        self, batch: Batch, outcome: list[PublishResult] | EventwireError, now: float
    ) -> Resolved:
        """Settle a request's outcome in the engine and count what was resolved."""
        if isinstance(outcome, EventwireError):
            resolved = self.engine.fail_request(batch, outcome, now)
        else:
            resolved = self.engine.complete(batch, outcome, now)
        stats = self.engine.stats
        for item, result in resolved:
            if isinstance(result, PublishReceipt):
                stats.sent_records += 1
                stats.sent_bytes += item.size
            else:
                stats.failed_records += 1
        return resolved

    def settle_abandoned(self, resolved: Resolved) -> None:
        """Count records abandoned at close as failed."""
        self.engine.stats.failed_records += len(resolved)

    def pending(self, record: Record, future: Any, event: Event | None) -> Pending:
        """A buffer entry for ``record`` published now."""
        return Pending(record, future, self.clock.now(), event)
