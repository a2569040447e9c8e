"""Structured-mode CloudEvents 1.0 JSON: events to bytes and bytes back to attributes."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from eventwire.encodable import find_problem, unencodable
from eventwire.errors import (
    EventValidationError,
    InvalidEventError,
    MalformedRecordError,
    preview,
)
from eventwire.plans import plan_for

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eventwire.events import Event
    from eventwire.plans import EncodingPlan

SPECVERSION = "1.0"
_REQUIRED = ("id", "source", "type", "specversion")
_OPTIONAL = ("time", "subject", "datacontenttype")
_CONTEXT_ATTRIBUTES = frozenset({*_REQUIRED, *_OPTIONAL, "data", "dataschema", "data_base64"})
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENVELOPE = {"id", "source", "time", "subject", "datacontenttype"}
_PAYLOAD_EXCLUDE = {*_ENVELOPE, "extensions"}


def encode(
    event: Event, *, source: str | None = None, extensions: Mapping[str, object] | None = None
) -> bytes:
    """Serialize ``event`` as one structured-mode CloudEvents JSON document (UTF-8).

    Args:
        event: the event.
        source: the ``source`` to write when the event has none (a Publisher passes its own).
        extensions: extension attributes to write besides the event's own (which win);
            names and values must already be valid (``EventPreparer`` checks a hook's).

    Raises:
        InvalidEventError: neither the event nor the caller gives a ``source``.
    """
    event_class = type(event)
    return encode_planned(
        event, event_class.__eventwire_plan__ or plan_for(event_class), source, extensions
    )


def encode_planned(
    event: Event,
    plan: EncodingPlan,
    source: str | None,
    extensions: Mapping[str, object] | None,
) -> bytes:
    """``encode`` with the event class's plan already in hand (``record_for`` has it)."""
    document = plan.document
    if document is not None and (source or event.source is not None):
        fields = event.__dict__
        if (
            fields["source"] is None
            and fields["subject"] is None
            and not (extensions or fields["extensions"])
        ):
            # The usual event, its members in one dict display (cheaper than item by item).
            members = {
                "specversion": SPECVERSION, "type": plan.event_type, "id": fields["id"],
                "time": fields["time"], "datacontenttype": fields["datacontenttype"],
                "source": source, "data": fields,
            }  # fmt: skip
        else:
            members = _members(fields, plan.event_type, source, extensions)
        try:
            data = document.to_json(members)
        except ValueError:
            pass  # the general path below names what could not be encoded
        else:
            if plan.floats:
                check_finite(event, data)
            return data
    return _encode_in_parts(event, source, extensions)


def _members(
    fields: dict[str, Any],
    event_type: str,
    source: str | None,
    extensions: Mapping[str, object] | None,
) -> dict[str, Any]:
    """The document's members in order, from the event's ``__dict__``, for ``document``."""
    own_source = fields["source"]
    members: dict[str, Any] = {"specversion": SPECVERSION, "type": event_type}
    members["id"] = fields["id"]
    if own_source is not None:
        members["source"] = own_source
    members["time"] = fields["time"]
    if fields["subject"] is not None:
        members["subject"] = fields["subject"]
    members["datacontenttype"] = fields["datacontenttype"]
    if own_source is None:
        members["source"] = source
    if extensions:
        members.update(extensions)
    if fields["extensions"]:
        members.update(fields["extensions"])
    members["data"] = fields
    return members


def _encode_in_parts(
    event: Event, source: str | None, extensions: Mapping[str, object] | None
) -> bytes:
    """``encode`` for any event class: envelope and payload serialized apart, then joined."""
    event_class = type(event)
    serializer = event.__pydantic_serializer__
    try:
        # exclude_none drops an unset subject and source.
        envelope = serializer.to_json(event, include=_ENVELOPE, exclude_none=True)
        payload = serializer.to_json(event, exclude=_PAYLOAD_EXCLUDE)
        own = event.extensions
        merged = ({**extensions, **own} if own else extensions) if extensions else own
        extensions_json = _dumps(merged).encode()[1:-1] if merged else b""
    except ValueError as exc:  # pydantic's serialization errors and UnicodeEncodeError
        raise unencodable(event, exc) from exc
    if event_class.__eventwire_floats__:
        check_finite(event, payload)
    parts = [event_class.__eventwire_head__, envelope[1:-1]]
    if event.source is None:
        if not source:
            raise InvalidEventError(
                f"event {event_class.type!r} (id {event.id!r}) has no source; publish it "
                "through a Publisher (which stamps its configured source) or set source=...",
                event_type=event_class.type,
            )
        try:
            parts.append(_source_part(source))
        except UnicodeEncodeError as exc:
            raise InvalidEventError(
                f"source {preview(source)} holds a lone surrogate, which UTF-8 cannot encode",
                event_type=event_class.type,
            ) from exc
    if extensions_json:
        parts.append(b"," + extensions_json)
    parts += b',"data":', payload, b"}"
    return b"".join(parts)


def check_finite(event: Event, data: bytes) -> None:
    """Raise ``InvalidEventError`` if ``event`` holds NaN or infinity, which JSON lacks.

    Only for classes that can write a float (``may_write_non_finite``); ``data``
    is the event's encoded document or payload.
    """
    # Events write them as tokens: two byte scans find them (a match inside a string
    # costs one field walk that finds nothing); nested models of other kinds write null.
    suspect = type(event).__eventwire_walk__ or b"NaN" in data or b"Infinity" in data
    if suspect and find_problem(event) is not None:
        raise unencodable(event)


@functools.lru_cache(maxsize=64)
def _source_part(source: str) -> bytes:
    # A publisher stamps one source on every event: encode it once, not once per event.
    return b',"source":' + _dumps(source).encode()


def document_head(event_type: str) -> bytes:
    """The constant start of every document of ``event_type``."""
    return b'{"specversion":"1.0","type":' + _dumps(event_type).encode() + b","


@dataclass(frozen=True, slots=True)
class StructuredEvent:
    """A parsed CloudEvents document before it is bound to an event class."""

    event_type: str
    attributes: dict[str, Any]
    extensions: dict[str, Any]
    data: dict[str, Any]

    def to_event(self, event_class: type[Event]) -> Event:
        """Validate the document into an instance of ``event_class``."""
        fields = {**self.data, **self.attributes, "extensions": self.extensions}
        try:
            return event_class.model_validate(fields)
        except ValidationError as exc:
            problems = [
                (".".join(str(p) for p in err["loc"]) or "<root>", err["msg"])
                for err in exc.errors()
            ]
            raise EventValidationError(
                self.event_type, event_class.version, event_class.__qualname__, problems
            ) from None


def parse_structured(data: bytes | str) -> StructuredEvent:
    """Parse structured-mode CloudEvents JSON, checking the attributes CloudEvents requires.

    Raises:
        MalformedRecordError: not JSON, not an object, or missing/invalid attributes.
    """
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        preview = bytes(data[:60]) if isinstance(data, bytes) else data[:60].encode()
        raise MalformedRecordError(
            f"record is not CloudEvents JSON ({exc}); first bytes: {preview!r}"
        ) from None
    if not isinstance(document, dict):
        raise MalformedRecordError(
            f"record is JSON but not a CloudEvents object (got {type(document).__name__})"
        )
    missing = [name for name in _REQUIRED if name not in document]
    if missing:
        raise MalformedRecordError(f"record lacks required CloudEvents attribute(s) {missing}")
    for name in _REQUIRED:
        if not isinstance(document[name], str) or not document[name]:
            raise MalformedRecordError(
                f"CloudEvents attribute {name!r} must be a non-empty string, got {document[name]!r}"
            )
    if document["specversion"] != SPECVERSION:
        raise MalformedRecordError(
            f"unsupported CloudEvents specversion {document['specversion']!r} (expected '1.0')"
        )
    if "data_base64" in document:
        raise MalformedRecordError("record carries data_base64; eventwire events carry JSON data")
    payload = document.get("data", {})
    if not isinstance(payload, dict):
        raise MalformedRecordError(
            f"record data must be a JSON object of event fields, got {type(payload).__name__}"
        )
    attributes = {"id": document["id"], "source": document["source"]}
    for name in _OPTIONAL:
        if name in document:
            attributes[name] = document[name]
    extensions = {k: v for k, v in document.items() if k not in _CONTEXT_ATTRIBUTES}
    return StructuredEvent(document["type"], attributes, extensions, payload)
