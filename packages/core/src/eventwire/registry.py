"""``EventRegistry``: maps CloudEvents types to event classes so records decode to typed events."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from eventwire.cloudevents import StructuredEvent, parse_structured
from eventwire.errors import (
    EventDefinitionError,
    EventValidationError,
    NewerEventVersionError,
    RegistryError,
    UnknownEventTypeError,
    UpcastError,
)
from eventwire.versions import (
    NewerVersionPolicy,
    Step,
    Upcaster,
    Upcasters,
    run_chain,
    split_type,
)

if TYPE_CHECKING:
    from eventwire.events import Event

E = TypeVar("E", bound="type[Event]")
U = TypeVar("U", bound=Upcaster)


class EventRegistry:
    """Event classes by their versioned ``type``; thread-safe.

    A class defined again under the same module and qualified name (a module
    reloaded, a class declared inside a test function) replaces its earlier
    version; a *different* class claiming a taken type is an error.

    Several versions of one type coexist (``x.v1``, ``x.v2``, ...). Upcasters,
    registered per (type, from-version), move a record's data up one version
    each; decoding chains them so an old record yields the newest class the
    chain reaches. A record newer than every registered class decodes by
    ``newer_versions`` (see ``NewerVersionPolicy``; an error by default).

    Args:
        newer_versions: the policy for records newer than every known class.
    """

    def __init__(
        self, *, newer_versions: NewerVersionPolicy | str = NewerVersionPolicy.ERROR
    ) -> None:
        self._classes: dict[str, type[Event]] = {}
        self._versions: dict[str, dict[int, type[Event]]] = {}
        self._upcasters = Upcasters()
        # How each record type decodes with upcasting: (base type, upcasters, class).
        # Rebuilt lazily after any change; holds only types that decode, so it is
        # bounded by the registered classes and upcasters.
        self._plans: dict[str, _Plan] = {}
        self.newer_versions = _policy(newer_versions)
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
            versions = self._versions.setdefault(event_class.base_type, {})
            versions[event_class.version] = event_class
            self._plans = {}
        return event_class

    def unregister(self, event_class: type[Event]) -> None:
        """Remove ``event_class`` if it is registered."""
        with self._lock:
            if self._classes.get(event_class.type) is event_class:
                del self._classes[event_class.type]
                versions = self._versions[event_class.base_type]
                del versions[event_class.version]
                if not versions:
                    del self._versions[event_class.base_type]
                self._plans = {}

    def add_upcaster(
        self, event_type: str | type[Event], from_version: int, upcaster: Upcaster
    ) -> None:
        """Register ``upcaster`` to turn ``data`` of ``from_version`` into ``from_version + 1``.

        Args:
            event_type: the type without its version suffix (``Event.base_type``), or a class.
            from_version: the version whose records the upcaster reads.
            upcaster: a function from the record's ``data`` dict to the next version's.

        Raises:
            RegistryError: the step already has another upcaster, or an argument is invalid.
        """
        base_type = _base_type(event_type)
        with self._lock:
            self._upcasters.add(base_type, from_version, upcaster)
            self._plans = {}

    def upcaster(self, event_type: str | type[Event], from_version: int) -> Callable[[U], U]:
        """Decorator form of ``add_upcaster``."""

        def register(upcaster: U) -> U:
            self.add_upcaster(event_type, from_version, upcaster)
            return upcaster

        return register

    def remove_upcaster(self, event_type: str | type[Event], from_version: int) -> None:
        """Drop the upcaster from ``from_version`` of ``event_type``, if any."""
        with self._lock:
            self._upcasters.remove(_base_type(event_type), from_version)
            self._plans = {}

    def upcasters(self) -> list[tuple[str, int]]:
        """Every (base type, from-version) that has an upcaster, sorted."""
        with self._lock:
            return self._upcasters.steps()

    def versions(self, base_type: str) -> dict[int, type[Event]]:
        """The registered classes of ``base_type`` by version (a copy; empty when none)."""
        with self._lock:
            return dict(sorted(self._versions.get(base_type, {}).items()))

    def latest(self, base_type: str) -> type[Event]:
        """The newest registered class of ``base_type``, or ``UnknownEventTypeError``."""
        versions = self._versions.get(base_type)
        if not versions:
            raise UnknownEventTypeError(base_type, self._classes)
        return versions[max(versions)]

    def can_decode(self, event_type: str) -> bool:
        """Whether records of ``event_type`` decode: a class or an upcaster chain to one."""
        if event_type in self._classes:
            return True
        split = split_type(event_type)
        if split is None:
            return False
        base, version = split
        known = self._versions.get(base)
        if not known:
            return False
        steps = self._upcasters.chain(base, version, stop_at=max(known))
        return bool(steps) and version + len(steps) in known

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

    def decode(
        self,
        data: bytes | str,
        *,
        upcast: bool = True,
        newer_versions: NewerVersionPolicy | str | None = None,
    ) -> Event:
        """Decode one structured-mode CloudEvents JSON record into its typed event.

        Args:
            data: the record's bytes.
            upcast: run the upcasters from the record's version, yielding the
                newest registered class their chain reaches; false yields the
                record's own version (which must then be registered).
            newer_versions: overrides the registry's policy for this call.

        Raises:
            MalformedRecordError: the bytes are not a CloudEvents document.
            EventValidationError: the type is known but its class rejects the data
                (the message names type, version and fields).
            UnknownEventTypeError: no class (or upcaster chain) reads the record's ``type``.
            NewerEventVersionError: the record is newer than every class of its type
                and the policy refuses it.
            UpcastError: an upcaster failed.
        """
        return self.decode_document(
            parse_structured(data), upcast=upcast, newer_versions=newer_versions
        )

    def decode_document(
        self,
        document: StructuredEvent,
        *,
        upcast: bool = True,
        newer_versions: NewerVersionPolicy | str | None = None,
    ) -> Event:
        """Like ``decode``, for a document already parsed (by a schema-registry decoder)."""
        if upcast:
            plan = self._plans.get(document.event_type)
            if plan is None:
                plan = self._plan(document)
                if plan is None:
                    return self._decode_newer(document, newer_versions)
            base, steps, target = plan
            if steps:
                data = run_chain(base, steps, document.data)
                document = StructuredEvent(
                    document.event_type, document.attributes, document.extensions, data
                )
            return document.to_event(target)
        event_class = self._classes.get(document.event_type)
        if event_class is not None:
            return document.to_event(event_class)
        return self._decode_newer(document, newer_versions)

    def _plan(self, document: StructuredEvent) -> _Plan | None:
        """How records of this type upcast (cached), or None when the type is too new."""
        event_type = document.event_type
        plans = self._plans
        base, version = self._split(event_type)
        known = self._versions.get(base)
        if not known:
            raise UnknownEventTypeError(event_type, self._classes)
        newest = max(known)
        steps = self._upcasters.chain(base, version, stop_at=newest)
        reached = version + len(steps)
        target = known.get(reached)
        if target is None:
            if not steps and version > newest:
                return None
            if not steps:
                raise UnknownEventTypeError(event_type, self._classes)
            raise UpcastError(
                f"upcasters take {event_type!r} from version {version} to {reached}, but "
                f"no class of {base!r} is registered for version {reached} (registered: "
                f"{sorted(known)}); register it or an upcaster from version {reached}"
            )
        plan = (base, steps, target)
        plans[event_type] = plan
        return plan

    def _split(self, event_type: str) -> tuple[str, int]:
        event_class = self._classes.get(event_type)
        if event_class is not None:
            return event_class.base_type, event_class.version
        split = split_type(event_type)
        if split is None:
            raise UnknownEventTypeError(event_type, self._classes)
        return split

    def _decode_newer(
        self, document: StructuredEvent, newer_versions: NewerVersionPolicy | str | None
    ) -> Event:
        """A record with no class of its own: newer than every class, or simply unknown."""
        event_type = document.event_type
        base, version = self._split(event_type)
        known = self._versions.get(base)
        newest = max(known) if known else 0
        if not known or version <= newest:
            raise UnknownEventTypeError(event_type, self._classes)
        policy = self.newer_versions if newer_versions is None else _policy(newer_versions)
        if policy is NewerVersionPolicy.ERROR:
            raise NewerEventVersionError(
                event_type, version, newest, self._classes,
                "upgrade this reader, or decode with newer_versions='newest_compatible'",
            )  # fmt: skip
        try:
            return document.to_event(known[newest])
        except EventValidationError as exc:
            raise NewerEventVersionError(
                event_type, version, newest, self._classes,
                f"it is not compatible with version {newest}: {exc}",
            ) from None  # fmt: skip


_Plan = tuple[str, tuple[Step, ...], "type[Event]"]


def _base_type(event_type: str | type[Event]) -> str:
    if isinstance(event_type, str):
        if not event_type:
            raise RegistryError("an upcaster needs a non-empty event type")
        return event_type
    base = getattr(event_type, "base_type", None)
    if not isinstance(base, str):
        raise RegistryError(f"an upcaster needs an event type or Event class, not {event_type!r}")
    return base


def _policy(value: NewerVersionPolicy | str) -> NewerVersionPolicy:
    try:
        return NewerVersionPolicy(value)
    except ValueError:
        choices = ", ".join(repr(p.value) for p in NewerVersionPolicy)
        raise RegistryError(f"newer_versions={value!r} must be one of {choices}") from None


def _origin(event_class: type[Event]) -> str:
    return f"{event_class.__module__}.{event_class.__qualname__}"


default_registry = EventRegistry()
"""The registry every ``Event`` subclass joins when it is defined (unless it opts out)."""
