"""``AsyncPublisher``: ``Publisher`` for asyncio code, sending through a native async backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from eventwire import calls
from eventwire.async_backend import AsyncBackend, async_backend_for
from eventwire.backend import Backend
from eventwire.calls import Call
from eventwire.errors import BackendError, ConfigurationError, PublisherClosedError
from eventwire.limits import split_requests
from eventwire.plugins import get_plugin_manager
from eventwire.plugins import make_plugin_manager as _make_plugin_manager
from eventwire.preparation import EventPreparer
from eventwire.publisher import Publisher, checked_results
from eventwire.settings import PublisherSettings

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    import pluggy

    from eventwire.events import Event
    from eventwire.records import PublishReceipt, PublishResult, Record


class AsyncPublisher:
    """Publishes typed events from asyncio code, with ``Publisher``'s results, errors and hooks.

    The backend is chosen as for ``Publisher`` (an instance, a name, or
    ``EVENTWIRE_BACKEND``), or given as an ``AsyncBackend``. A backend that
    declares a native async twin (``Backend.async_backend()``: the Kinesis
    backend on aiobotocore, the emulator in-process) is used on the event loop;
    a sync-only backend runs in the loop's default executor, one thread per
    call in flight. Events go through the same hooks, limits and retry policy
    as with ``Publisher``. Use it from one event loop.

    Args:
        backend: an ``AsyncBackend`` or ``Backend`` instance, or a backend name.
        stream: the stream (for named backends).
        source: the CloudEvents ``source`` stamped on events that have none.
        max_record_size: bytes of data plus partition key allowed per record.
        plugins: plugins for this publisher only.
        plugin_manager: the plugin manager to use (default: the process-wide one).
        **backend_options: passed to the plugin that builds a named backend.

    Raises:
        ConfigurationError: no backend is configured, or a setting is invalid.
        UnknownBackendError: no installed plugin provides the named backend.
    """

    def __init__(
        self,
        backend: AsyncBackend | Backend | str | None = None,
        *,
        stream: str | None = None,
        source: str | None = None,
        max_record_size: int | None = None,
        plugins: Iterable[object] = (),
        plugin_manager: pluggy.PluginManager | None = None,
        **backend_options: Any,
    ) -> None:
        self.sync_backend: Backend | None = None
        if isinstance(backend, AsyncBackend):
            if backend_options:
                raise ConfigurationError(
                    f"backend options {sorted(backend_options)} only apply to a backend chosen "
                    "by name; configure the backend instance you passed instead"
                )
            plugins = tuple(plugins)
            if plugin_manager is None:
                plugin_manager = _make_plugin_manager(plugins) if plugins else get_plugin_manager()
            else:
                for plugin in plugins:
                    plugin_manager.register(plugin)
            self.settings = PublisherSettings.resolve(
                stream=stream, source=source, max_record_size=max_record_size
            )
            self.backend: AsyncBackend = backend
            self._preparer = EventPreparer(
                plugin_manager, self.settings, backend.name, backend.stream
            )
        else:
            inner = Publisher(
                backend,
                stream=stream,
                source=source,
                max_record_size=max_record_size,
                plugins=plugins,
                plugin_manager=plugin_manager,
                **backend_options,
            )
            plugin_manager = inner.plugin_manager
            self.settings = inner.settings
            self.sync_backend = inner.backend
            self.backend = async_backend_for(inner.backend)
            self._preparer = inner.preparer
        self._pm = plugin_manager
        self._hooks = plugin_manager.hook
        self._closed = False

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The plugin manager whose hooks this publisher calls."""
        return self._pm

    @property
    def preparer(self) -> EventPreparer:
        """How this publisher turns events into records (hooks, source, limits)."""
        return self._preparer

    async def publish(self, event: Event) -> PublishReceipt:
        """Publish one event and return its receipt.

        Raises:
            InvalidEventError: the event or its keys break a limit (nothing was sent).
            PublishRejectedError: a plugin rejected the event.
            BackendError: the backend could not deliver it.
            PublisherClosedError: the publisher is closed.
        """
        self._check_open()
        if not calls.observed(self._hooks):
            return await self._publish(event, None)
        with calls.observing(self._hooks, self._call("publish")) as call:
            receipt = await self._publish(event, call)
            call.results = (receipt,)
        return receipt

    async def _publish(self, event: Event, call: Call | None) -> PublishReceipt:
        preparer = self._preparer
        event, record = preparer.prepare_one(event)
        if call is not None:
            call.records, call.user_records, call.user_bytes = (record,), (1,), (record.size,)
        try:
            receipt = await self.backend.publish(record)
        except BackendError as exc:
            preparer.failed(event, exc, record, 1)
            raise
        preparer.delivered(event, receipt)
        return receipt

    async def publish_many(self, events: Iterable[Event]) -> list[PublishResult]:
        """Publish events in a batch; one receipt or failure per event, in input order.

        Raises:
            PublisherClosedError: the publisher is closed.
        """
        self._check_open()
        hooks = self._hooks
        if not calls.observed(hooks):
            # Here, not in a helper coroutine: every resumption of the request's awaits
            # passes through each coroutine frame between the caller and aiobotocore.
            preparer, backend = self._preparer, self.backend
            batch = preparer.prepare_batch(events)
            # The backend splits into requests itself; only call hooks need them.
            delivered = await backend.publish_many(batch.records)
            checked = checked_results(backend.name, batch.records, delivered)
            return preparer.settle_batch(batch, checked)
        with calls.observing(hooks, self._call("publish_many")) as call:
            call.results = await self._publish_many_observed(events)
        return list(call.results)

    async def _publish_many_observed(self, events: Iterable[Event]) -> list[PublishResult]:
        """``publish_many`` with call hooks: one ``put_records`` call per request."""
        batch = self._preparer.prepare_batch(events)
        records = batch.records
        delivered: list[PublishResult] = []
        backend = self.backend
        for request in split_requests(records):
            chunk = [records[i] for i in request]
            with calls.observing(self._hooks, self._call("put_records", chunk)) as call:
                call.results = checked_results(
                    backend.name, chunk, await backend.publish_many(chunk)
                )
            delivered += call.results
        return self._preparer.settle_batch(batch, delivered)

    def _call(self, operation: calls.Operation, records: list[Record] | None = None) -> Call:
        return Call.of(operation, self.backend.stream, self.backend.name, records)

    def _check_open(self) -> None:
        if self._closed:
            raise PublisherClosedError("this AsyncPublisher is closed; create a new one")

    async def aclose(self) -> None:
        """Close the async backend and its sync twin; further publishing raises. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.backend.aclose()
        finally:
            if self.sync_backend is not None and self.backend.native:
                self.sync_backend.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<AsyncPublisher backend={self.backend.name!r} stream={self.backend.stream!r} {state}>"
        )
