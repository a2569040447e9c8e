"""Per-class pydantic-core serializers that write a whole CloudEvents document in one call.

Encoding an event with its own model serializer takes two filtered Rust calls
(envelope, payload) and Python joins around them, most of the encoder's cost
on a small event. For a plain event class this module builds, once, a
serializer of the document itself: a typed dict of the context attributes
whose ``data`` member is the payload fields, read from the event's
``__dict__``. Field schemas (and so every type's JSON form, NaN as a token
included) are the class's own, and pydantic-core writes strings exactly as
Python's ``json`` does without ``ensure_ascii``, so the bytes are the same as
the general path's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic_core import SchemaError, SchemaSerializer, core_schema

if TYPE_CHECKING:
    from eventwire.events import Event

ENVELOPE_ATTRIBUTES = ("id", "source", "time", "subject", "datacontenttype")
"""The context attributes held as model fields, written before the extensions and data."""

_NOT_PAYLOAD = frozenset({*ENVELOPE_ATTRIBUTES, "extensions"})


def document_serializer(event_class: type[Event]) -> SchemaSerializer | None:
    """A serializer of documents for ``event_class``, or None when the class needs two passes.

    It takes a dict of the document's members in order (``specversion``,
    ``type``, the set context attributes, extensions, then ``data`` as the
    event's ``__dict__``). Classes whose serialization needs the model object
    (serializer methods, computed fields, extra fields) or renames a field
    (aliases) get None.
    """
    decorators = event_class.__pydantic_decorators__
    if decorators.model_serializers or decorators.field_serializers or decorators.computed_fields:
        return None
    schema: Any = event_class.__pydantic_core_schema__
    if schema.get("type") != "model" or schema["schema"].get("type") != "model-fields":
        return None
    fields_schema = schema["schema"]
    config: core_schema.CoreConfig = schema.get("config") or core_schema.CoreConfig()
    if fields_schema.get("computed_fields") or config.get("extra_fields_behavior") == "allow":
        return None
    fields = fields_schema["fields"]
    payload: dict[str, core_schema.TypedDictField] = {}
    for name, field in fields.items():
        if field.get("serialization_alias") not in (None, name):
            return None
        if name not in _NOT_PAYLOAD:
            payload[name] = core_schema.typed_dict_field(
                field["schema"],
                serialization_exclude=field.get("serialization_exclude"),
                serialization_exclude_if=field.get("serialization_exclude_if"),
            )

    def member(schema: core_schema.CoreSchema) -> core_schema.TypedDictField:
        return core_schema.typed_dict_field(schema, required=False)

    document = core_schema.typed_dict_schema(
        {
            "specversion": member(core_schema.str_schema()),
            "type": member(core_schema.str_schema()),
            **{name: member(fields[name]["schema"]) for name in ENVELOPE_ATTRIBUTES},
            "data": member(core_schema.typed_dict_schema(payload)),
        },
        # Extension attributes are the extra members; their names are checked elsewhere.
        extra_behavior="allow",
    )
    try:
        return SchemaSerializer(document, config)
    except SchemaError:  # a schema shape this builder does not know: use two passes
        return None
