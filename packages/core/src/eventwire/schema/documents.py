"""JSON Schema documents of events: the CloudEvents envelope, the pydantic payload under data."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import PydanticUserError

from eventwire.errors import SchemaError
from eventwire.events import ENVELOPE_FIELDS

if TYPE_CHECKING:
    from eventwire.events import Event
    from eventwire.registry import EventRegistry

Draft = Literal["2020-12", "draft-07"]
"""The JSON Schema dialect of a document: 2020-12 for export; draft-07 where a registry needs it."""

DIALECTS: dict[str, str] = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "draft-07": "http://json-schema.org/draft-07/schema#",
}

# CloudEvents 1.0 context attributes as eventwire writes and reads them (cloudevents.py).
_ENVELOPE_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "minLength": 1},
    "source": {"type": "string", "minLength": 1},
    "time": {"type": "string", "format": "date-time"},
    "subject": {"type": "string"},
    "datacontenttype": {"type": "string"},
}
# Extension attributes: 1-20 lowercase ASCII letters or digits, scalar values (events.py).
_EXTENSION_NAMES = {"pattern": "^[a-z0-9]{1,20}$"}
_EXTENSION_VALUES = {"type": ["string", "integer", "boolean"]}


def schema_id(event_type: str) -> str:
    """The ``$id`` of the schema of ``event_type``."""
    return f"urn:eventwire:event:{event_type}"


def event_schema(event_class: type[Event], *, draft: Draft = "2020-12") -> dict[str, Any]:
    """The JSON Schema of one record of ``event_class``: CloudEvents envelope plus ``data``.

    The payload schema comes from pydantic (validation mode: what a reader of
    this class accepts); the envelope is the structured-mode CloudEvents 1.0
    document eventwire writes. ``draft-07`` renames ``$defs`` to
    ``definitions`` for registries that speak only the older dialects.
    """
    try:
        generated = event_class.model_json_schema(mode="validation")
    except PydanticUserError as exc:
        raise SchemaError(
            f"{event_class.__qualname__} ({event_class.type!r}) has no JSON Schema: {exc}; "
            "give its fields JSON-compatible types"
        ) from None
    definitions = generated.pop("$defs", {})
    properties = {
        name: value
        for name, value in generated.get("properties", {}).items()
        if name not in ENVELOPE_FIELDS
    }
    required = [name for name in generated.get("required", []) if name not in ENVELOPE_FIELDS]
    data: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        data["required"] = required
    document: dict[str, Any] = {
        "$schema": DIALECTS[draft],
        "$id": schema_id(event_class.type),
        "title": event_class.type,
        "type": "object",
        "properties": {
            "specversion": {"const": event_class.specversion},
            "type": {"const": event_class.type},
            **_ENVELOPE_PROPERTIES,
            "data": data,
        },
        # eventwire always writes data; requiring it keeps a payload change from
        # surfacing twice (once for data, once for its field) in compatibility checks.
        "required": ["specversion", "id", "source", "type", "data"],
        "propertyNames": _EXTENSION_NAMES,
        "additionalProperties": _EXTENSION_VALUES,
    }
    if generated.get("description"):
        document["description"] = generated["description"]
    if definitions:
        document["$defs"] = definitions
    return _as_draft_07(document) if draft == "draft-07" else document


def registry_schemas(registry: EventRegistry, *, draft: Draft = "2020-12") -> dict[str, Any]:
    """Every registered event's schema, by ``type``, sorted."""
    return {name: event_schema(registry.get(name), draft=draft) for name in registry.types()}


def canonical_json(document: object) -> str:
    """Stable text of a JSON document: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _as_draft_07(document: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(document).replace('"#/$defs/', '"#/definitions/')
    converted: dict[str, Any] = json.loads(text)
    if "$defs" in converted:
        converted["definitions"] = converted.pop("$defs")
    return converted
