"""``EventRegistry``: maps CloudEvents types to event classes so records decode to typed events."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeVar

from eventwire.cloudevents import parse_structured
from eventwire.errors import EventDefinitionError, RegistryError, UnknownEventTypeError

if TYPE_CHECKING:
    from eventwire.events import Event

E = TypeVar("E", bound="type[Event]")


class EventRegistry:
    """Event classes by their versioned ``type``; thread-safe.

    A class defined again under the same module and qualified name (a module
    reloaded, a class declared inside a test function) replaces its earlier
    version; a *different* class claiming a taken type is an error.
    """

    def __init__(self) -> None:
        self._classes: dict[str, type[Event]] = {}
        self._lock = threading.Lock()

    def register(self, event_class: E) -> E:
        """Add ``event_class`` (usable as a class decorator) and return it."""
        from eventwire.events import Event

        if not (isinstance(event_class, type) and issubclass(event_class, Event)):
            raise EventDefinitionError(
                f"only Event subclasses can be registered, not {event_class!r}"
            )
        if event_class.abstract:
            raise EventDefinitionError(
                f"{event_class.__qualname__} is declared abstract=True and cannot be registered"
            )
        with self._lock:
            taken = self._classes.get(event_class.type)
            if (
                taken is not None
                and taken is not event_class
                and _origin(taken) != _origin(event_class)
            ):
                raise RegistryError(
                    f"event type {event_class.type!r} is already registered by "
                    f"{_origin(taken)}; {_origin(event_class)} must declare another "
                    "event_type= or version="
                )
            self._classes[event_class.type] = event_class
        return event_class

    def unregister(self, event_class: type[Event]) -> None:
        """Remove ``event_class`` if it is registered."""
        with self._lock:
            if self._classes.get(event_class.type) is event_class:
                del self._classes[event_class.type]

    def get(self, event_type: str) -> type[Event]:
        """The class registered for ``event_type``, or ``UnknownEventTypeError``."""
        try:
            return self._classes[event_type]
        except KeyError:
            raise UnknownEventTypeError(event_type, self._classes) from None

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._classes

    def types(self) -> list[str]:
        """Every registered type, sorted."""
        return sorted(self._classes)

    def decode(self, data: bytes | str) -> Event:
        """Decode one structured-mode CloudEvents JSON record into its typed event.

        Raises:
            MalformedRecordError: the bytes are not a CloudEvents document of a valid event.
            UnknownEventTypeError: no class is registered for the record's ``type``.
        """
        document = parse_structured(data)
        event_class = self.get(document.event_type)
        return document.to_event(event_class)


def _origin(event_class: type[Event]) -> str:
    return f"{event_class.__module__}.{event_class.__qualname__}"


default_registry = EventRegistry()
"""The registry every ``Event`` subclass joins when it is defined (unless it opts out)."""
