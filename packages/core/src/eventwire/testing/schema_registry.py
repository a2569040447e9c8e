"""``InMemorySchemaRegistry``: a schema registry in a dict, for tests of schema-registry code."""

from __future__ import annotations

import threading
import uuid
from uuid import UUID

from eventwire.errors import SchemaRegistryError
from eventwire.schema.registry_client import SchemaVersion, glue_compatibility


class InMemorySchemaRegistry:
    """Stores schema versions in memory and counts requests; thread-safe.

    It checks no compatibility: use moto's Glue Schema Registry, or AWS, to
    test a registry's own behaviour.

    Attributes:
        register_calls: how many times ``register_schema`` ran.
        fetch_calls: how many times ``get_schema_version`` ran.
        compatibility: each schema's compatibility mode, by name.
    """

    def __init__(self) -> None:
        self._versions: dict[UUID, SchemaVersion] = {}
        self._by_definition: dict[tuple[str, str], UUID] = {}
        self.compatibility: dict[str, str] = {}
        self.register_calls = 0
        self.fetch_calls = 0
        self._lock = threading.Lock()

    def register_schema(self, name: str, definition: str, *, compatibility: str) -> UUID:
        """The version id of ``definition`` under ``name``, added if new."""
        with self._lock:
            self.register_calls += 1
            self.compatibility.setdefault(name, glue_compatibility(compatibility))
            key = (name, definition)
            if key not in self._by_definition:
                version_id = uuid.uuid4()
                self._by_definition[key] = version_id
                self._versions[version_id] = SchemaVersion(version_id, name, definition, "JSON")
            return self._by_definition[key]

    def get_schema_version(self, version_id: UUID) -> SchemaVersion:
        """The stored version, or ``SchemaRegistryError`` (code ``EntityNotFoundException``)."""
        with self._lock:
            self.fetch_calls += 1
            try:
                return self._versions[version_id]
            except KeyError:
                raise SchemaRegistryError(
                    f"schema version {version_id} does not exist",
                    code="EntityNotFoundException",
                ) from None
