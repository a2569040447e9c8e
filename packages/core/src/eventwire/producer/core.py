"""What the threaded and the asyncio producer share: preparing events, sending, settling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventwire import calls
from eventwire.calls import Call
from eventwire.errors import BackendError, DeliveryError, EventwireError, RecordTooLargeError
from eventwire.events import Event
from eventwire.producer.alerts import Alerts
from eventwire.producer.clock import MonotonicClock
from eventwire.producer.engine import Engine
from eventwire.producer.items import Batch, Pending
from eventwire.producer.metrics import Metrics
from eventwire.producer.settings import ProducerSettings
from eventwire.publisher import Publisher
from eventwire.records import PublishFailure, PublishReceipt, PublishResult, Record

REFRESH = "refresh"
"""The job of reading the shard map (see ``ProducerCore.next_job``)."""

Job = Batch | str | float | None
"""A request to send, ``REFRESH``, seconds to wait, or None: wait for news."""

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pluggy

    from eventwire.async_backend import AsyncBackend
    from eventwire.backend import Backend
    from eventwire.producer.clock import Clock
    from eventwire.producer.items import Resolved
    from eventwire.records import ShardInfo


class ProducerCore:
    """A publisher (for backend choice), an event preparer and the engine; not thread-safe.

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
        # The producer paces and retries; the backend must not retry behind its back.
        self.sender = self.backend.single_attempt()
        self.hooks = self.publisher.plugin_manager.hook
        self.settings = settings or ProducerSettings()
        self.clock = clock or MonotonicClock()
        self.max_record_size = self.publisher.settings.max_record_size
        self.preparer = self.publisher.preparer
        self.metrics = Metrics(self.hooks, self.backend.stream)
        self.engine = Engine(self.settings, self.backend.stream, self.max_record_size, self.metrics)
        self.alerts = Alerts(self.backend.stream)

    # -- outside the lock -------------------------------------------------------------

    def prepare(self, event: object) -> tuple[Record, Event | None] | PublishFailure:
        """Run the publish hooks and encode ``event``; a failure if that went wrong."""
        preparer = self.preparer
        active = preparer.active()
        try:
            prepared, record = preparer.prepare(event, active)
        except EventwireError as exc:
            return preparer.failed(event if isinstance(event, Event) else None, exc)
        # The event is kept only for the per-event hooks that will want it.
        return record, prepared if active.after_publish or active.publish_failed else None

    def check_record(self, record: Record) -> PublishFailure | None:
        """A failure if a ready-made record is over the maximum record size."""
        if record.size > self.max_record_size:
            error = RecordTooLargeError(
                record.event_type or "record", record.size, self.max_record_size
            )
            return self.preparer.failed(None, error, record)
        return None

    def send(self, batch: Batch) -> list[PublishResult] | EventwireError:
        """Send one request; its per-record results, or the error that failed it whole."""
        call = self._begin(batch)
        try:
            results: list[PublishResult] | Exception = self.sender.publish_many(batch.records)
        except Exception as exc:
            results = exc
        return self._end(batch, call, results)

    async def send_async(
        self, batch: Batch, sender: AsyncBackend
    ) -> list[PublishResult] | EventwireError:
        """``send`` through ``sender``, the sender's async twin, on the event loop."""
        call = self._begin(batch)
        try:
            results: list[PublishResult] | Exception = await sender.publish_many(batch.records)
        except Exception as exc:
            results = exc
        return self._end(batch, call, results)

    def _begin(self, batch: Batch) -> Call | None:
        self.metrics.batch(batch)
        if not calls.observed(self.hooks):
            return None
        now = self.clock.now()
        shards = {name for name in batch.shards if name is not None}
        call = Call(
            "put_records",
            self.backend.stream,
            self.backend.name,
            batch.records,
            [len(group) for group in batch.groups],
            [sum(item.size for item in group) for group in batch.groups],
            [now - item.published_at for group in batch.groups for item in group],
            [item.attempts for group in batch.groups for item in group],
            shard_id=shards.pop() if len(shards) == 1 else None,
            producer=True,
        )
        return calls.start(self.hooks, call)

    def _end(
        self, batch: Batch, call: Call | None, results: list[PublishResult] | Exception
    ) -> list[PublishResult] | EventwireError:
        outcome = self._outcome(batch, results)
        if call is not None:
            if isinstance(outcome, EventwireError):
                calls.finish(self.hooks, call, error=outcome)
            else:
                calls.finish(self.hooks, call, outcome)
        return outcome

    def _outcome(
        self, batch: Batch, results: list[PublishResult] | Exception
    ) -> list[PublishResult] | EventwireError:
        if isinstance(results, EventwireError):
            return results
        if isinstance(results, Exception):
            return DeliveryError(
                f"backend {self.backend.name!r} raised {results!r}; this is a bug in the backend",
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
            return self.sender.shards()
        except BackendError as exc:
            return exc

    async def read_shards_async(
        self, sender: AsyncBackend
    ) -> list[ShardInfo] | BackendError | None:
        """``read_shards`` through the sender's async twin."""
        try:
            return await sender.shards()
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

    def next_job(self, force: bool) -> tuple[Job, Resolved]:
        """The sender's next step, for both drivers: records whose TTL ran out, or a job.

        ``force`` sends without waiting for lingers (flush, close).
        """
        engine = self.engine
        now = self.clock.now()
        expired = engine.expire(now)
        if expired:
            return None, expired
        if engine.start_refresh(now):
            return REFRESH, []
        return engine.take(now, force), []

    def apply_shards(self, shards: list[ShardInfo] | BackendError | None, now: float) -> None:
        """Adopt the shard map just read; a failed read is reported and retried with backoff."""
        engine = self.engine
        if not isinstance(shards, BackendError):
            engine.apply_shards(shards, now)
            return
        retry_in = engine.refresh_failed(now)
        failures = engine.stats.shard_map_failures
        self.alerts.shard_map_failed(shards, failures, retry_in, now)
        hook = self.hooks.eventwire_producer_shard_map_failed
        if hook.get_hookimpls():
            hook(stream=self.backend.stream, error=shards, failures=failures, retry_in=retry_in)

    def settle(
        self, batch: Batch, outcome: list[PublishResult] | EventwireError, now: float
    ) -> Resolved:
        """Settle a request's outcome in the engine and count what was resolved."""
        if isinstance(outcome, EventwireError):
            self.alerts.failed("the endpoint", batch.user_records, outcome, now)
            resolved = self.engine.fail_request(batch, outcome, now)
        else:
            self._warn_failed(batch, outcome, now)
            resolved = self.engine.complete(batch, outcome, now)
        stats = self.engine.stats
        for item, result in resolved:
            if isinstance(result, PublishReceipt):
                stats.sent_records += 1
                stats.sent_bytes += item.size
            else:
                stats.failed_records += 1
        return resolved

    def _warn_failed(self, batch: Batch, results: list[PublishResult], now: float) -> None:
        failed: dict[str, tuple[int, EventwireError]] = {}
        for group, shard, result in zip(batch.groups, batch.shards, results, strict=True):
            if isinstance(result, PublishFailure):
                where = shard if shard is not None and shard.startswith("shardId-") else None
                where = where or getattr(result.error, "shard_id", None) or "the stream"
                count, _ = failed.get(where, (0, result.error))
                failed[where] = (count + len(group), result.error)
        for where, (count, error) in failed.items():
            self.alerts.failed(where, count, error, now)

    def settle_abandoned(self, resolved: Resolved, why: str) -> list[PublishFailure]:
        """Count records abandoned when stopping as failed, warn of them, and list the failures."""
        self.engine.stats.failed_records += len(resolved)
        failures = [failure for _, failure in resolved if isinstance(failure, PublishFailure)]
        self.alerts.undelivered(failures, why)
        return failures

    def pending(self, record: Record, future: Any, event: Event | None, size: int) -> Pending:
        """A buffer entry for ``record`` (of ``size`` bytes) published now."""
        return Pending(record, future, self.clock.now(), event, size)
