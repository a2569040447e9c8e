"""``capture_events``: collect what publishers deliver or fail, and assert on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from eventwire.events import Event
from eventwire.hookspecs import hookimpl
from eventwire.plugins import get_plugin_manager

if TYPE_CHECKING:
    import pluggy

    from eventwire.publisher import Publisher
    from eventwire.records import PublishFailure, PublishReceipt

E = TypeVar("E", bound=Event)


class CapturedEvents:
    """Events seen by the hooks while a capture was active, with assertion helpers."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.receipts: list[PublishReceipt] = []
        self.failures: list[PublishFailure] = []
        self._lock = threading.Lock()

    @hookimpl
    def eventwire_after_publish(self, event: Event, receipt: PublishReceipt) -> None:
        """Record a delivered event."""
        with self._lock:
            self.events.append(event)
            self.receipts.append(receipt)

    @hookimpl
    def eventwire_publish_failed(self, event: Event | None, failure: PublishFailure) -> None:
        """Record a failure."""
        with self._lock:
            self.failures.append(failure)

    @property
    def types(self) -> list[str]:
        """The ``type`` of each delivered event, in order."""
        return [type(event).type for event in self.events]

    def of_type(self, event_class: type[E]) -> list[E]:
        """Delivered events that are instances of ``event_class``."""
        return [event for event in self.events if isinstance(event, event_class)]

    def assert_published(self, event_class: type[E], /, **fields: Any) -> E:
        """Assert an event of ``event_class`` with these field values was delivered; return it.

        Raises:
            AssertionError: no delivered event matches; the message shows what was delivered.
        """
        candidates = self.of_type(event_class)
        for event in candidates:
            if all(getattr(event, name, _MISSING) == value for name, value in fields.items()):
                return event
        seen = "\n".join(f"  {type(e).type}: {e.payload()}" for e in self.events) or "  nothing"
        wanted = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        raise AssertionError(
            f"no {event_class.type} event with {wanted or 'any fields'} was published; "
            f"published:\n{seen}"
        )

    def assert_types(self, *event_classes: type[Event]) -> None:
        """Assert exactly these event types were delivered, in this order."""
        expected = [event_class.type for event_class in event_classes]
        if expected != self.types:
            raise AssertionError(f"expected event types {expected}, published {self.types}")

    def assert_nothing_published(self) -> None:
        """Assert no event was delivered."""
        if self.events:
            raise AssertionError(f"expected no events, published {self.types}")


_MISSING = object()


@contextmanager
def capture_events(
    target: Publisher | pluggy.PluginManager | None = None,
) -> Iterator[CapturedEvents]:
    """Capture events delivered (and failures) while the block runs.

    Args:
        target: a publisher or plugin manager to watch; by default the process-wide
            plugin manager, which every publisher without its own plugins uses.
    """
    from eventwire.publisher import Publisher

    if target is None:
        manager = get_plugin_manager()
    elif isinstance(target, Publisher):
        manager = target.plugin_manager
    else:
        manager = target
    captured = CapturedEvents()
    manager.register(captured)
    try:
        yield captured
    finally:
        manager.unregister(captured)
