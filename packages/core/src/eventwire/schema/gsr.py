"""The Glue Schema Registry serializer (a publish plugin) and decoder, on a wire-neutral client."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventwire.cloudevents import parse_structured
from eventwire.errors import DecodeError, EventwireError, SchemaError
from eventwire.hookspecs import hookimpl
from eventwire.limits import MAX_RECORD_SIZE_LIMIT
from eventwire.registry import default_registry
from eventwire.schema.cache import BoundedCache
from eventwire.schema.documents import event_schema
from eventwire.schema.gsr_wire import frame, is_framed, unframe
from eventwire.schema.registry_client import (
    SchemaRegistryClient,
    SchemaVersion,
    glue_compatibility,
    schema_name_for,
)

if TYPE_CHECKING:
    from eventwire.events import Event
    from eventwire.records import Record
    from eventwire.registry import EventRegistry

_Fetched = tuple[SchemaVersion, dict[str, Any]]

DEFAULT_CACHE_SIZE = 1024
"""Schema versions each serializer or decoder keeps (least recently used go first)."""


def schema_definition(event_class: type[Event]) -> str:
    """The text registered for ``event_class``: its draft-07 JSON Schema, compact and stable.

    Draft-07 because the Glue Schema Registry reads JSON Schema drafts 4, 6 and 7.
    """
    return json.dumps(
        event_schema(event_class, draft="draft-07"), sort_keys=True, separators=(",", ":")
    )


class GlueSchemaSerializer:
    """A publish plugin that frames every record in the Glue Schema Registry wire format.

    Register it on a ``Publisher`` or producer (``plugins=[serializer]``): it
    provides the record serializer (``eventwire_make_serializer``), which looks
    up (or registers) the schema of a record's event type once, caches the
    version id, and puts the 18-byte header before the record's JSON. The
    publisher checks the record size limit on the framed record; backends and
    aggregation see ordinary records. Thread-safe.

    Args:
        client: the schema registry (``eventwire_kinesis.GlueSchemaRegistryClient`` for AWS).
        registry: where event classes are looked up by type.
        compression: zlib-compress the JSON document (compression byte 5).
        compatibility: the Glue compatibility mode set on schemas this creates.
        cache_size: how many event types' schema versions are kept.
    """

    def __init__(
        self,
        client: SchemaRegistryClient,
        *,
        registry: EventRegistry = default_registry,
        compression: bool = False,
        compatibility: str = "BACKWARD",
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if not isinstance(client, SchemaRegistryClient):
            raise SchemaError(f"client must be a SchemaRegistryClient, not {client!r}")
        self.client = client
        self.registry = registry
        self.compression = bool(compression)
        self.compatibility = glue_compatibility(compatibility)
        self._versions: BoundedCache[str, UUID] = BoundedCache(cache_size)
        # Header prefix (version, compression, UUID) per type: one bytes join per record.
        self._headers: BoundedCache[str, bytes] = BoundedCache(cache_size)

    def schema_version_id(self, event_type: str) -> UUID:
        """The schema version id of ``event_type``, registered on first use and cached.

        Raises:
            UnknownEventTypeError: no class is registered for the type.
            SchemaRegistryError: the registry refused or failed the request.
        """
        return self._versions.get_or_make(event_type, self._register)

    def _register(self, event_type: str) -> UUID:
        event_class = self.registry.get(event_type)
        version_id = self.client.register_schema(
            schema_name_for(event_type),
            schema_definition(event_class),
            compatibility=self.compatibility,
        )
        if not isinstance(version_id, UUID):
            raise SchemaError(
                f"{type(self.client).__name__}.register_schema returned {version_id!r}, not a UUID"
            )
        return version_id

    def serialize(self, document: bytes, event_type: str) -> bytes:
        """``document`` (a record's JSON) framed with its type's schema version."""
        if self.compression:
            return frame(document, self.schema_version_id(event_type), compress=True)
        return self._header(event_type) + document

    def serialize_record(self, record: Record) -> Record:
        """``record`` with its data framed."""
        # Measured hot path: building the tuple directly is about 3x cheaper than _replace.
        return tuple.__new__(
            type(record), (self.serialize(record.data, record.event_type), *record[1:])
        )

    @hookimpl
    def eventwire_make_serializer(self) -> Callable[[Record], Record]:
        """Frame every record this publisher sends."""
        if self.compression:
            return self.serialize_record
        cached_header, header_for, new = self._headers.get, self._header, tuple.__new__

        def frame_record(record: Record) -> Record:
            # The uncompressed hot path: one dict hit and one bytes join per record.
            event_type = record[4]
            header = cached_header(event_type) or header_for(event_type)
            return new(type(record), (header + record[0], *record[1:]))

        return frame_record

    def _header(self, event_type: str) -> bytes:
        return self._headers.get_or_make(
            event_type, lambda t: frame(b"", self.schema_version_id(t))
        )


class GlueSchemaDecoder:
    """Decodes records framed by a Glue Schema Registry serializer, and plain records as before.

    A framed record's schema version is fetched once and cached; the record's
    ``type`` must be the type that schema describes, ``validator`` (when given,
    e.g. a ``jsonschema`` check) validates the document against the schema,
    and the registry then yields the typed event (upcasting included).
    Records without the header go straight to ``registry.decode``. Thread-safe.

    Args:
        client: the schema registry.
        registry: the event classes (and upcasters) to decode into.
        validator: called with (document, schema) for each framed record, raising on a
            mismatch; ``jsonschema.validate`` fits.
        max_document_size: the most bytes a compressed document may inflate to.
        cache_size: how many schema versions are kept.
    """

    def __init__(
        self,
        client: SchemaRegistryClient,
        *,
        registry: EventRegistry = default_registry,
        validator: Callable[[Any, Mapping[str, Any]], object] | None = None,
        max_document_size: int = MAX_RECORD_SIZE_LIMIT,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if not isinstance(client, SchemaRegistryClient):
            raise SchemaError(f"client must be a SchemaRegistryClient, not {client!r}")
        self.client = client
        self.registry = registry
        self.validator = validator
        self.max_document_size = max_document_size
        self._schemas: BoundedCache[UUID, tuple[SchemaVersion, dict[str, Any]]] = BoundedCache(
            cache_size
        )

    def schema(self, version_id: UUID) -> tuple[SchemaVersion, dict[str, Any]]:
        """The schema version and its parsed document, fetched once and cached.

        Raises:
            SchemaRegistryError: the registry does not know the version.
            DecodeError: the version is not a JSON schema.
        """
        return self._schemas.get_or_make(version_id, self._fetch)

    def _fetch(self, version_id: UUID) -> tuple[SchemaVersion, dict[str, Any]]:
        version = self.client.get_schema_version(version_id)
        if version.data_format != "JSON":
            raise DecodeError(
                f"schema version {version_id} ({version.schema_name}) is "
                f"{version.data_format}; eventwire records use JSON schemas"
            )
        try:
            parsed = json.loads(version.definition)
        except ValueError as exc:
            raise DecodeError(
                f"schema version {version_id} ({version.schema_name}) is not JSON: {exc}"
            ) from None
        if not isinstance(parsed, dict):
            raise DecodeError(f"schema version {version_id} is not a JSON Schema object")
        return version, parsed

    def decode(self, data: bytes, *, upcast: bool = True) -> Event:
        """The typed event a record carries, framed or plain.

        Raises:
            DecodeError: the header, the schema version or the document does not fit
                (``MalformedRecordError``, ``EventValidationError``, ... as ``registry.decode``).
            SchemaRegistryError: the schema version could not be fetched.
        """
        if not is_framed(data):
            return self.registry.decode(data, upcast=upcast)
        framed = unframe(data, max_size=self.max_document_size)
        version, schema = self.schema(framed.schema_version_id)
        document = parse_structured(framed.document)
        described = schema.get("properties", {}).get("type", {}).get("const")
        if described is not None and described != document.event_type:
            raise DecodeError(
                f"record of type {document.event_type!r} carries schema version "
                f"{version.version_id} ({version.schema_name}), which describes {described!r}"
            )
        if self.validator is not None:
            try:
                self.validator(json.loads(framed.document), schema)
            except EventwireError:
                raise
            except Exception as exc:
                raise DecodeError(
                    f"record of type {document.event_type!r} does not validate against schema "
                    f"version {version.version_id} ({version.schema_name}): {exc}"
                ) from exc
        return self.registry.decode_document(document, upcast=upcast)
