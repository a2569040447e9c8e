"""``EventPreparer``: turns events into records with the publish hooks, for every publisher."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from eventwire.context import PublishContext
from eventwire.errors import InvalidEventError, RecordTooLargeError
from eventwire.events import Event
from eventwire.records import PublishFailure, Record, record_for

if TYPE_CHECKING:
    from collections.abc import Callable

    import pluggy

    from eventwire.errors import EventwireError
    from eventwire.settings import PublisherSettings


class ActiveHooks(NamedTuple):
    """Which publishing hooks have implementations right now, and the record serializer."""

    before_publish: bool
    before_send: bool
    after_publish: bool
    publish_failed: bool
    serializer: Callable[[Record], Record] | None = None

    @property
    def any(self) -> bool:
        """Whether any publishing hook is implemented."""
        return self.before_publish or self.before_send or self.after_publish or self.publish_failed


class EventPreparer:
    """Type-checks, stamps, runs the before-publish/before-send hooks and encodes events.

    ``Publisher`` and the producers share it, so both apply the same hooks and
    limits. Reading which hooks are implemented costs a few pluggy calls, so
    callers read ``active()`` once per batch and pass it to ``prepare``.
    Thread-safe as long as the hooks are.

    Args:
        plugin_manager: whose hooks run.
        settings: the publisher settings (source, maximum record size).
        backend: the backend's name, for the hooks' context.
        stream: the stream, for the hooks' context.
    """

    __slots__ = ("_backend", "_hooks", "_stream", "settings")

    def __init__(
        self, plugin_manager: pluggy.PluginManager, settings: PublisherSettings, backend: str,
        stream: str,
    ) -> None:  # fmt: skip
        self._hooks = plugin_manager.hook
        self.settings = settings
        self._backend = backend
        self._stream = stream

    def active(self) -> ActiveHooks:
        """Which publishing hooks are implemented now (read once per batch)."""
        hooks = self._hooks
        make_serializer = hooks.eventwire_make_serializer
        return ActiveHooks(
            before_publish=bool(hooks.eventwire_before_publish.get_hookimpls()),
            before_send=bool(hooks.eventwire_before_send.get_hookimpls()),
            after_publish=bool(hooks.eventwire_after_publish.get_hookimpls()),
            publish_failed=bool(hooks.eventwire_publish_failed.get_hookimpls()),
            # Calling a hook nobody implements costs ten times asking whether anyone does.
            serializer=make_serializer() if make_serializer.get_hookimpls() else None,
        )

    def prepare(self, event: object, active: ActiveHooks) -> tuple[Event, Record]:
        """The event as hooks left it, and its record.

        Raises:
            InvalidEventError: not an ``Event``, a hook set a wrong type, or a limit is broken.
            PublishRejectedError: a plugin rejected the event.
        """
        if not isinstance(event, Event):
            raise InvalidEventError(
                f"only eventwire.Event instances can be published, not {type(event).__name__}"
            )
        settings = self.settings
        context: PublishContext | None = None
        if event.source is None and active.any:
            # Hooks must see the event as it is published; without hooks the encoder
            # writes the source itself, sparing a model copy on the hot path.
            event = event.model_copy(update={"source": settings.source})
        if active.before_publish:
            context = PublishContext(event, self._backend, self._stream)
            self._hooks.eventwire_before_publish(context=context)
            event = _checked_event(context.event)
        record = record_for(event, max_record_size=settings.max_record_size, source=settings.source)
        if active.serializer is not None:
            record = _serialized(active.serializer, record, settings.max_record_size)
        if active.before_send:
            context = context or PublishContext(event, self._backend, self._stream)
            context.event, context.record = event, record
            self._hooks.eventwire_before_send(context=context)
            if not isinstance(context.record, Record):
                raise InvalidEventError(
                    f"an eventwire_before_send hook set context.record to {context.record!r}"
                )
            record = context.record
        return event, record

    def failed(
        self,
        event: Event | None,
        error: EventwireError,
        record: Record | None = None,
        attempts: int = 0,
    ) -> PublishFailure:
        """A failure for ``event`` (or ``record``), reported to the failure hooks."""
        event_id = ""
        if event is not None:
            event_id = event.id
        elif record is not None:
            event_id = record.event_id
        failure = PublishFailure(event_id=event_id, error=error, attempts=attempts, record=record)
        self.report(event, failure)
        return failure

    def report(self, event: Event | None, failure: PublishFailure) -> None:
        """Hand ``failure`` to the ``eventwire_publish_failed`` hooks, if any."""
        hook = self._hooks.eventwire_publish_failed
        if hook.get_hookimpls():
            hook(event=event, failure=failure)


def _serialized(serializer: Callable[[Record], Record], record: Record, limit: int) -> Record:
    serialized = serializer(record)
    if not isinstance(serialized, Record):
        raise InvalidEventError(f"the record serializer returned {serialized!r}, not a Record")
    # As in record_for: a character is at most 4 UTF-8 bytes, so the key is encoded
    # only when that bound is over the limit.
    if len(serialized.data) + 4 * len(serialized.partition_key) > limit and serialized.size > limit:
        raise RecordTooLargeError(record.event_type, serialized.size, limit)
    return serialized


def _checked_event(event: object) -> Event:
    if not isinstance(event, Event):
        raise InvalidEventError(
            f"an eventwire_before_publish hook set context.event to {event!r}, not an Event"
        )
    return event
