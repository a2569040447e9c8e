"""``Publisher``: validates, enriches and encodes typed events, then hands records to a backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Self

from eventwire.backend import Backend
from eventwire.context import PublishContext
from eventwire.errors import (
    BackendError,
    ConfigurationError,
    EventwireError,
    InvalidEventError,
    PublisherClosedError,
)
from eventwire.events import Event
from eventwire.plugins import available_backends, get_plugin_manager, make_backend
from eventwire.plugins import make_plugin_manager as _make_plugin_manager
from eventwire.records import PublishFailure, PublishReceipt, PublishResult, Record, record_for
from eventwire.settings import BACKEND_ENV, PublisherSettings

if TYPE_CHECKING:
    from collections.abc import Iterable
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
        self._closed = False

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The plugin manager whose hooks this publisher calls."""
        return self._pm

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
        try:
            event, record = self._prepare(event, self._active_hooks())
        except EventwireError as exc:
            self._report_failure(event if isinstance(event, Event) else None, exc, None, 0)
            raise
        try:
            receipt = self.backend.publish(record)
        except BackendError as exc:
            self._report_failure(event, exc, record, 1)
            raise
        if self._hooks.eventwire_after_publish.get_hookimpls():
            self._hooks.eventwire_after_publish(event=event, receipt=receipt)
        return receipt

    def publish_many(self, events: Iterable[Event]) -> list[PublishResult]:
        """Publish events in a batch; one receipt or failure per event, in input order.

        Nothing is dropped silently: an event that is invalid, rejected by a plugin
        or not delivered by the backend comes back as a ``PublishFailure``.

        Raises:
            PublisherClosedError: the publisher is closed.
        """
        self._check_open()
        events = list(events)
        results: list[PublishResult | None] = [None] * len(events)
        ready: list[Event] = []
        records: list[Record] = []
        positions: list[int] = []
        # Which hooks have implementations is read once per batch, not once per event.
        active = self._active_hooks()
        for position, event in enumerate(events):
            try:
                prepared, record = self._prepare(event, active)
            except EventwireError as exc:
                failure = self._report_failure(
                    event if isinstance(event, Event) else None, exc, None, 0
                )
                results[position] = failure
            else:
                ready.append(prepared)
                records.append(record)
                positions.append(position)
        if records:
            delivered = self.backend.publish_many(records)
            if len(delivered) != len(records):
                raise BackendError(
                    f"backend {self.backend.name!r} returned {len(delivered)} results for "
                    f"{len(records)} records; this is a bug in the backend",
                    backend=self.backend.name,
                )
            observe = active.after_publish
            for position, event, result in zip(positions, ready, delivered, strict=True):
                results[position] = result
                if isinstance(result, PublishFailure):
                    self._call_failed(event, result)
                elif observe:
                    self._hooks.eventwire_after_publish(event=event, receipt=result)
        return [result for result in results if result is not None]

    def _active_hooks(self) -> _ActiveHooks:
        hooks = self._hooks
        return _ActiveHooks(
            before_publish=bool(hooks.eventwire_before_publish.get_hookimpls()),
            before_send=bool(hooks.eventwire_before_send.get_hookimpls()),
            after_publish=bool(hooks.eventwire_after_publish.get_hookimpls()),
            publish_failed=bool(hooks.eventwire_publish_failed.get_hookimpls()),
        )

    def _prepare(self, event: object, active: _ActiveHooks) -> tuple[Event, Record]:
        if not isinstance(event, Event):
            raise InvalidEventError(
                f"only eventwire.Event instances can be published, not {type(event).__name__}"
            )
        hooks = self._hooks
        context: PublishContext | None = None
        if event.source is None and active.any:
            # Hooks must see the event as it is published; without hooks the encoder
            # writes the source itself, sparing a model copy on the hot path.
            event = event.model_copy(update={"source": self.settings.source})
        if active.before_publish:
            context = PublishContext(event, self.backend.name, self.backend.stream)
            hooks.eventwire_before_publish(context=context)
            event = _checked_event(context.event)
        record = record_for(
            event, max_record_size=self.settings.max_record_size, source=self.settings.source
        )
        if active.before_send:
            context = context or PublishContext(event, self.backend.name, self.backend.stream)
            context.event, context.record = event, record
            hooks.eventwire_before_send(context=context)
            if not isinstance(context.record, Record):
                raise InvalidEventError(
                    f"an eventwire_before_send hook set context.record to {context.record!r}"
                )
            record = context.record
        return event, record

    def _report_failure(
        self, event: Event | None, error: EventwireError, record: Record | None, attempts: int
    ) -> PublishFailure:
        event_id = event.id if event is not None else ""
        failure = PublishFailure(event_id=event_id, error=error, attempts=attempts, record=record)
        self._call_failed(event, failure)
        return failure

    def _call_failed(self, event: Event | None, failure: PublishFailure) -> None:
        if self._hooks.eventwire_publish_failed.get_hookimpls():
            self._hooks.eventwire_publish_failed(event=event, failure=failure)

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


class _ActiveHooks(NamedTuple):
    """Which publishing hooks have implementations right now."""

    before_publish: bool
    before_send: bool
    after_publish: bool
    publish_failed: bool

    @property
    def any(self) -> bool:
        return self.before_publish or self.before_send or self.after_publish or self.publish_failed


def _checked_event(event: object) -> Event:
    if not isinstance(event, Event):
        raise InvalidEventError(
            f"an eventwire_before_publish hook set context.event to {event!r}, not an Event"
        )
    return event
