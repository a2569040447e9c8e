"""An AsyncAPI 3.0 document of the events a service publishes: streams, event types, keys."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eventwire.errors import SchemaError
from eventwire.schema.documents import event_schema

if TYPE_CHECKING:
    from eventwire.events import Event

ASYNCAPI_VERSION = "3.0.0"
CONTENT_TYPE = "application/cloudevents+json"
# Component keys must match ^[a-zA-Z0-9\.\-_]+$ (AsyncAPI 3.0, Components Object).
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_ORDERING = (
    "Kinesis keeps the records of one shard in order; records with the same partition key "
    "go to the same shard, so consumers see one key's events in publish order."
)


def asyncapi_document(
    streams: Mapping[str, Sequence[type[Event]]],
    *,
    title: str = "eventwire events",
    version: str = "1.0.0",
    description: str | None = None,
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of a service sending ``streams``' events.

    Args:
        streams: each Kinesis stream the service writes and the event classes it sends there.
        title: ``info.title``.
        version: ``info.version`` (the version of this API description, not of AsyncAPI).
        description: ``info.description``.

    Each stream becomes a channel, each event class a message whose payload
    is the event's JSON Schema (draft-07, the dialect AsyncAPI 3.0 embeds),
    and each channel a ``send`` operation. The partition key and ordering of
    every message are noted in its description and in ``x-eventwire``.

    Raises:
        SchemaError: a stream name is empty or a stream lists no events.
    """
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for stream, classes in sorted(streams.items()):
        if not stream or not classes:
            raise SchemaError(
                f"stream {stream!r} needs a name and at least one event class for AsyncAPI"
            )
        channel_key = _key(stream)
        channel_messages: dict[str, Any] = {}
        for event_class in sorted(set(classes), key=lambda c: c.type):
            message_key = _key(event_class.type)
            if message_key not in messages:
                if message_key in schemas:
                    raise SchemaError(
                        f"event type {event_class.type!r} and a model definition share the "
                        f"AsyncAPI component name {message_key!r}; rename the model"
                    )
                payload = _payload(event_class, message_key, schemas)
                schemas[message_key] = payload
                messages[message_key] = _message(event_class, message_key)
            channel_messages[message_key] = {"$ref": f"#/components/messages/{message_key}"}
        channels[channel_key] = {
            "address": stream,
            "title": stream,
            "description": f"The Kinesis data stream {stream!r}. {_ORDERING}",
            "messages": channel_messages,
        }
        operations[f"send.{channel_key}"] = {
            "action": "send",
            "title": f"Publish to {stream}",
            "channel": {"$ref": f"#/channels/{channel_key}"},
            "messages": [
                {"$ref": f"#/channels/{channel_key}/messages/{key}"} for key in channel_messages
            ],
        }
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": info,
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def _message(event_class: type[Event], key: str) -> dict[str, Any]:
    partition = _partition_key(event_class)
    ordered = event_class.ordered
    ordering = (
        "Published with SequenceNumberForOrdering: strictly ordered per partition key."
        if ordered
        else "Ordered per partition key within a shard (no SequenceNumberForOrdering)."
    )
    message: dict[str, Any] = {
        "name": event_class.type,
        "title": event_class.__qualname__,
        "contentType": CONTENT_TYPE,
        "description": f"Partition key: {partition}. {ordering}",
        "payload": {"$ref": f"#/components/schemas/{key}"},
        "x-eventwire": {
            "type": event_class.type,
            "baseType": event_class.base_type,
            "version": event_class.version,
            "partitionKey": partition,
            "explicitHashKey": _source_text(event_class.explicit_hash_key_source),
            "ordered": ordered,
        },
    }
    doc = (event_class.__doc__ or "").strip()
    if doc:
        message["summary"] = doc.splitlines()[0]
    return message


def _partition_key(event_class: type[Event]) -> str:
    source = event_class.partition_key_source
    if source is None:
        return "the event id (a random UUID: records spread over all shards)"
    return _source_text(source) or ""


def _source_text(source: object) -> str | None:
    if source is None:
        return None
    if isinstance(source, str):
        return f"field {source!r}"
    name = getattr(source, "__qualname__", None) or repr(source)
    return f"computed by {name}"


def _payload(event_class: type[Event], own_key: str, schemas: dict[str, Any]) -> dict[str, Any]:
    schema = event_schema(event_class, draft="draft-07")
    definitions: dict[str, Any] = schema.pop("definitions", {})
    # Inside AsyncAPI a schema's $id would rebase its $refs away from the document.
    schema.pop("$schema", None)
    schema.pop("$id", None)
    renamed: dict[str, str] = {}
    for name in definitions:
        key = candidate = _key(name)
        n = 1
        while candidate in schemas or candidate == own_key or candidate in renamed.values():
            n += 1
            candidate = f"{key}_{n}"
        renamed[name] = candidate

    def moved(document: object) -> Any:
        # Definitions move to components.schemas, where a $ref resolves from the root.
        text = json.dumps(document)
        for name, key in renamed.items():
            text = text.replace(
                json.dumps(f"#/definitions/{name}"), json.dumps(f"#/components/schemas/{key}")
            )
        return json.loads(text)

    for name, definition in definitions.items():
        schemas[renamed[name]] = moved(definition)
    result: dict[str, Any] = moved(schema)
    return result


def _key(name: str) -> str:
    return _KEY_UNSAFE.sub("_", name) or "_"
