"""``eventwire publish`` input: JSON lines that become events or ready-made records."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventwire import (
    Event,
    EventRegistry,
    EventwireError,
    InvalidEventError,
    MalformedRecordError,
    default_registry,
)
from eventwire.backends import Record, check_partition_key

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

PARTITION_KEY_ATTRIBUTE = "partitionkey"
"""The CloudEvents partitioning extension's attribute; its value routes a ready-made record."""


@dataclass(frozen=True)
class LineReader:
    """Turns one input line into a typed event (registered types) or a record (others).

    Args:
        event_type: with it, each line is the ``data`` of an event of this type;
            without, each line is a whole CloudEvents document.
        source: the CloudEvents ``source`` of events built from data objects.
        registry: where event classes are looked up.
    """

    event_type: str | None = None
    source: str = "eventwire-cli"
    registry: EventRegistry = default_registry

    def read(self, line: str) -> Event | Record:
        """The event or record ``line`` stands for.

        Raises:
            EventwireError: the line is not JSON, not an object, or not a valid event.
        """
        try:
            parsed = json.loads(line)
        except ValueError as exc:
            raise MalformedRecordError(f"not JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise MalformedRecordError(f"expected a JSON object, got {type(parsed).__name__}")
        if self.event_type is not None:
            return self._from_data(parsed)
        return self._from_document(parsed, line)

    def _from_data(self, data: dict[str, Any]) -> Event | Record:
        event_type = self.event_type
        assert event_type is not None
        if event_type in self.registry:
            return self._validate(self.registry.get(event_type), data)
        document = {
            "specversion": "1.0",
            "type": event_type,
            "source": self.source,
            "id": str(uuid.uuid4()),
            "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "data": data,
        }
        return self._record(document, _dumps(document).encode())

    def _validate(self, event_class: type[Event], data: dict[str, Any]) -> Event:
        from pydantic import ValidationError

        try:
            return event_class.model_validate({"source": self.source, **data})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidEventError(
                f"data does not match {event_class.__qualname__}: {problems}",
                event_type=event_class.type,
            ) from None

    def _from_document(self, document: dict[str, Any], line: str) -> Event | Record:
        for name in ("specversion", "type", "source", "id"):
            if not isinstance(document.get(name), str) or not document[name]:
                raise MalformedRecordError(
                    f"not a CloudEvents document: {name!r} must be a non-empty string "
                    "(use --type TYPE to publish data objects)"
                )
        if document["type"] in self.registry:
            return self.registry.decode(line)
        return self._record(document, line.strip().encode())

    def _record(self, document: dict[str, Any], data: bytes) -> Record:
        key = check_partition_key(
            document["type"], document.get(PARTITION_KEY_ATTRIBUTE) or document["id"]
        )
        return Record(data, key, event_id=document["id"], event_type=document["type"])


def describe(error: BaseException) -> str:
    """One line for the failures file."""
    return str(error) if isinstance(error, EventwireError) else f"{type(error).__name__}: {error}"
