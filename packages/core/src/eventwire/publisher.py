"""``Publisher``: validates, enriches and encodes typed events, then hands records to a backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from eventwire import calls
from eventwire.backend import Backend
from eventwire.calls import Call
from eventwire.errors import (
    BackendError,
    ConfigurationError,
    PublisherClosedError,
)
from eventwire.events import Event
from eventwire.limits import split_requests
from eventwire.plugins import available_backends, get_plugin_manager, make_backend
from eventwire.plugins import make_plugin_manager as _make_plugin_manager
from eventwire.preparation import EventPreparer
from eventwire.records import PublishReceipt, PublishResult, Record
from eventwire.settings import BACKEND_ENV, PublisherSettings

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from types import TracebackType

    import pluggy


class Publisher:
    """Publishes typed events to a stream through a backend; thread-safe if the backend is.

    The backend is, in order of precedence: a ``Backend`` instance passed in;
    the backend named by ``backend=`` or ``EVENTWIRE_BACKEND``, built by the
    plugin that provides it with ``stream`` and ``backend_options``.

    Args:
        backend: a backend instance, or the name of an installed backend.
        stream: the stream to write to (default: ``EVENTWIRE_STREAM``); passed to
            named backends, ignored when a backend instance is given.
        source: the CloudEvents ``source`` stamped on events that have none
            (default: ``EVENTWIRE_SOURCE``, else ``"eventwire"``).
        max_record_size: bytes of data plus partition key allowed per record
            (default: ``EVENTWIRE_MAX_RECORD_SIZE``, else 1 MiB; at most 10 MiB).
        plugins: plugins for this publisher only (it then gets its own plugin manager).
        plugin_manager: the plugin manager to use (default: the process-wide one).
        **backend_options: passed to the plugin that builds a named backend.

    Raises:
        ConfigurationError: no backend is configured, or a setting is invalid.
        UnknownBackendError: no installed plugin provides the named backend.
    """

    def __init__(
        self,
        backend: Backend | str | None = None,
        *,
        stream: str | None = None,
        source: str | None = None,
        max_record_size: int | None = None,
        plugins: Iterable[object] = (),
        plugin_manager: pluggy.PluginManager | None = None,
        **backend_options: Any,
    ) -> None:
        plugins = tuple(plugins)
        if plugin_manager is None:
            plugin_manager = _make_plugin_manager(plugins) if plugins else get_plugin_manager()
        else:
            for plugin in plugins:
                plugin_manager.register(plugin)
        self._pm = plugin_manager
        self._hooks = plugin_manager.hook
        given = backend if isinstance(backend, Backend) else None
        name = backend if isinstance(backend, str) else None
        if backend is not None and given is None and name is None:
            raise ConfigurationError(
                f"backend must be a Backend instance or a backend name, not {backend!r}"
            )
        self.settings = PublisherSettings.resolve(
            backend=name, stream=stream, source=source, max_record_size=max_record_size
        )
        if given is not None:
            if backend_options:
                raise ConfigurationError(
                    f"backend options {sorted(backend_options)} only apply to a backend chosen "
                    "by name; configure the backend instance you passed instead"
                )
            self.backend: Backend = given
        elif self.settings.backend is not None:
            options = {"stream": self.settings.stream, **backend_options}
            self.backend = make_backend(self.settings.backend, options, self._pm)
        else:
            raise ConfigurationError(
                f"no backend configured: pass backend=... or set {BACKEND_ENV} "
                f"(installed backends: {', '.join(available_backends(self._pm))})"
            )
        self._preparer = EventPreparer(
            self._pm, self.settings, self.backend.name, self.backend.stream
        )
        self._closed = False

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The plugin manager whose hooks this publisher calls."""
        return self._pm

    @property
    def preparer(self) -> EventPreparer:
        """How this publisher turns events into records (hooks, source, limits)."""
        return self._preparer

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` stamped on events that have none."""
        return self.settings.source

    def publish(self, event: Event) -> PublishReceipt:
        """Publish one event and return its receipt.

        Raises:
            InvalidEventError: the event or its keys break a limit (nothing was sent).
            PublishRejectedError: a plugin rejected the event.
            BackendError: the backend could not deliver it.
            PublisherClosedError: the publisher is closed.
        """
        self._check_open()
        if not calls.observed(self._hooks):
            return self._publish(event, None)
        with calls.observing(self._hooks, self._call("publish")) as call:
            receipt = self._publish(event, call)
            call.results = (receipt,)
        return receipt

    def _call(self, operation: calls.Operation, records: list[Record] | None = None) -> Call:
        return Call.of(operation, self.backend.stream, self.backend.name, records)

    def _publish(self, event: Event, call: Call | None) -> PublishReceipt:
        preparer = self._preparer
        event, record = preparer.prepare_one(event)
        if call is not None:
            call.records, call.user_records, call.user_bytes = (record,), (1,), (record.size,)
        try:
            receipt = self.backend.publish(record)
        except BackendError as exc:
            preparer.failed(event, exc, record, 1)
            raise
        preparer.delivered(event, receipt)
        return receipt

    def publish_many(self, events: Iterable[Event]) -> list[PublishResult]:
        """Publish events in a batch; one receipt or failure per event, in input order.

        Nothing is dropped silently: an event that is invalid, rejected by a plugin
        or not delivered by the backend comes back as a ``PublishFailure``. The
        records go to the backend in PutRecords-sized requests when call hooks
        are implemented (one call each), else all at once for the backend to split.

        Raises:
            PublisherClosedError: the publisher is closed.
        """
        self._check_open()
        hooks = self._hooks
        if not calls.observed(hooks):
            return self._publish_many(events, observed=False)
        with calls.observing(hooks, self._call("publish_many")) as call:
            call.results = self._publish_many(events, observed=True)
        return list(call.results)

    def _publish_many(self, events: Iterable[Event], *, observed: bool) -> list[PublishResult]:
        batch = self._preparer.prepare_batch(events)
        records = batch.records
        delivered: list[PublishResult] = []
        backend = self.backend
        if not observed:
            # The backend splits into requests itself; only call hooks need them here.
            delivered = checked_results(backend.name, records, backend.publish_many(records))
            return self._preparer.settle_batch(batch, delivered)
        for request in split_requests(records):
            chunk = [records[i] for i in request]
            with calls.observing(self._hooks, self._call("put_records", chunk)) as call:
                call.results = checked_results(backend.name, chunk, backend.publish_many(chunk))
            delivered += call.results
        return self._preparer.settle_batch(batch, delivered)

    def _check_open(self) -> None:
        if self._closed:
            raise PublisherClosedError("this Publisher is closed; create a new one")

    def close(self) -> None:
        """Close the backend; further publishing raises ``PublisherClosedError``. Idempotent."""
        if not self._closed:
            self._closed = True
            self.backend.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Publisher backend={self.backend.name!r} stream={self.backend.stream!r} {state}>"


def checked_results(
    backend: str, records: Sequence[Record], delivered: list[PublishResult]
) -> list[PublishResult]:
    """``delivered``, after checking the backend gave one result per record.

    Raises:
        BackendError: it did not (a bug in the backend).
    """
    if len(delivered) != len(records):
        raise BackendError(
            f"backend {backend!r} returned {len(delivered)} results for "
            f"{len(records)} records; this is a bug in the backend",
            backend=backend,
        )
    return delivered
