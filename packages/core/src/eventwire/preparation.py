"""``EventPreparer``: turns events into records with the publish hooks, for every publisher."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, cast

from eventwire.context import PublishContext
from eventwire.errors import (
    ConfigurationError,
    EventwireError,
    InvalidEventError,
    RecordTooLargeError,
)
from eventwire.events import Event, extension_name_problem, not_an_event
from eventwire.records import PublishFailure, Record, record_for, records_for

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    import pluggy

    from eventwire.records import PublishReceipt, PublishResult
    from eventwire.settings import PublisherSettings


class ActiveHooks(NamedTuple):
    """Which publishing hooks have implementations right now, and the record serializer.

    ``any`` says whether any of the four publishing hooks is implemented; it is
    a field, not a property, as ``prepare`` asks it once per event.
    """

    before_publish: bool
    before_send: bool
    after_publish: bool
    publish_failed: bool
    any: bool
    extensions: Mapping[str, str] | None = None
    serializer: Callable[[Record], Record] | None = None


class PreparedBatch(NamedTuple):
    """A ``publish_many`` batch after preparation: records to send, failures already known."""

    results: list[PublishResult | None]
    events: list[Event]
    records: Sequence[Record]
    positions: list[int]
    active: ActiveHooks


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
        extensions = None
        if hooks.eventwire_event_extensions.get_hookimpls():
            extensions = self._extensions()
        make_serializer = hooks.eventwire_make_serializer
        before_publish = bool(hooks.eventwire_before_publish.get_hookimpls())
        before_send = bool(hooks.eventwire_before_send.get_hookimpls())
        after_publish = bool(hooks.eventwire_after_publish.get_hookimpls())
        publish_failed = bool(hooks.eventwire_publish_failed.get_hookimpls())
        return ActiveHooks(
            before_publish=before_publish,
            before_send=before_send,
            after_publish=after_publish,
            publish_failed=publish_failed,
            extensions=extensions,
            # Calling a hook nobody implements costs ten times asking whether anyone does.
            serializer=make_serializer() if make_serializer.get_hookimpls() else None,
            any=before_publish or before_send or after_publish or publish_failed,
        )

    def _extensions(self) -> dict[str, str] | None:
        merged: dict[str, str] = {}
        for answer in reversed(self._hooks.eventwire_event_extensions(stream=self._stream)):
            if answer:
                merged.update(answer)
        for name, value in merged.items():
            problem = extension_name_problem(name)
            if problem is None and not isinstance(value, str):
                problem = f"extension attribute {name!r} must be a string, got {value!r}"
            if problem is not None:
                raise ConfigurationError(f"an eventwire_event_extensions hook: {problem}")
        return merged or None

    def prepare(self, event: object, active: ActiveHooks) -> tuple[Event, Record]:
        """The event as hooks left it, and its record.

        Raises:
            InvalidEventError: not an ``Event``, a hook set a wrong type, or a limit is broken.
            PublishRejectedError: a plugin rejected the event.
        """
        if not isinstance(event, Event):
            raise not_an_event(event)
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
        record = record_for(
            event,
            max_record_size=settings.max_record_size,
            source=settings.source,
            extensions=active.extensions,
        )
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

    def prepare_one(self, event: object) -> tuple[Event, Record]:
        """``prepare`` for ``publish``: a failure is reported to the hooks, then raised."""
        try:
            return self.prepare(event, self.active())
        except EventwireError as exc:
            self.failed(event if isinstance(event, Event) else None, exc)
            raise

    def delivered(self, event: Event, receipt: PublishReceipt) -> None:
        """Hand a delivered event to the ``eventwire_after_publish`` hooks, if any."""
        hook = self._hooks.eventwire_after_publish
        if hook.get_hookimpls():
            hook(event=event, receipt=receipt)

    def prepare_batch(self, events: Iterable[object]) -> PreparedBatch:
        """Prepare every event of a batch; those that fail get their failure at once.

        Which hooks are implemented is read once per batch, not once per event.
        """
        items = list(events)
        results: list[PublishResult | None] = [None] * len(items)
        active = self.active()
        if not active.any and active.serializer is None:
            # No hook sees the events, so preparing one is record_for alone, which has no
            # side effects: encode the whole batch in one records_for call (this runs once
            # per event of every batch), and prepare event by event only if one fails.
            try:
                checked = records_for(
                    items,
                    max_record_size=self.settings.max_record_size,
                    source=self.settings.source,
                    extensions=active.extensions,
                )
            except EventwireError:
                pass
            else:
                # records_for refuses anything that is not an Event, so every item is one.
                events = cast("list[Event]", items)
                return PreparedBatch(results, events, checked, list(range(len(items))), active)
        ready: list[Event] = []
        records: list[Record] = []
        positions: list[int] = []
        for position, event in enumerate(items):
            try:
                prepared, record = self.prepare(event, active)
            except EventwireError as exc:
                results[position] = self.failed(event if isinstance(event, Event) else None, exc)
            else:
                ready.append(prepared)
                records.append(record)
                positions.append(position)
        return PreparedBatch(results, ready, records, positions, active)

    def settle_batch(
        self, batch: PreparedBatch, delivered: list[PublishResult]
    ) -> list[PublishResult]:
        """Merge the backend's results into the batch's and run the per-event hooks."""
        results = batch.results
        observe = batch.active.after_publish
        if (
            not observe
            and len(delivered) == len(results)
            and PublishFailure not in set(map(type, delivered))
        ):
            # Every event was prepared and delivered, and no hook asks to hear of it: the
            # backend's answer is the batch's (a scan in C, not a loop over the results).
            return delivered
        after = self._hooks.eventwire_after_publish
        for position, event, result in zip(batch.positions, batch.events, delivered, strict=True):
            results[position] = result
            if isinstance(result, PublishFailure):
                self.report(event, result)
            elif observe:
                after(event=event, receipt=result)
        return [result for result in results if result is not None]

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
