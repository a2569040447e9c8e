"""The contract between eventwire and a schema registry service, free of any vendor SDK."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from uuid import UUID

from eventwire.errors import SchemaError

GLUE_COMPATIBILITY = frozenset(
    {"NONE", "DISABLED", "BACKWARD", "BACKWARD_ALL", "FORWARD", "FORWARD_ALL", "FULL", "FULL_ALL"}
)
"""The compatibility modes the Glue Schema Registry accepts (CreateSchema's Compatibility)."""

# Glue's SchemaName: 1-255 of letters, digits, '-', '_', '$', '#', '.' (CreateSchema).
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_$#.-]")
MAX_SCHEMA_NAME = 255


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One version of a schema as the registry stores it.

    Attributes:
        version_id: the version's UUID (what framed records carry).
        schema_name: the schema it belongs to.
        definition: the schema document, as text.
        data_format: ``JSON`` for eventwire's schemas.
    """

    version_id: UUID
    schema_name: str
    definition: str
    data_format: str


@runtime_checkable
class SchemaRegistryClient(Protocol):
    """What eventwire needs from a schema registry; adapters translate their SDK's errors.

    Every failure is raised as ``SchemaRegistryError`` (with the service's code).
    """

    def register_schema(self, name: str, definition: str, *, compatibility: str) -> UUID:
        """The version id of ``definition`` under ``name``, registering it if it is new.

        A new schema is created with ``compatibility``; a new definition of an
        existing schema becomes its next version when the registry accepts it.
        """
        ...

    def get_schema_version(self, version_id: UUID) -> SchemaVersion:
        """The schema version whose id is ``version_id``."""
        ...


def schema_name_for(event_type: str) -> str:
    """The registry schema name of ``event_type`` (one schema per versioned type).

    Raises:
        SchemaError: the type is longer than a schema name may be.
    """
    name = _NAME_UNSAFE.sub("_", event_type)
    if not name or len(name) > MAX_SCHEMA_NAME:
        raise SchemaError(
            f"event type {event_type!r} cannot be a Glue schema name (1-{MAX_SCHEMA_NAME} "
            "characters); shorten the type"
        )
    return name


def glue_compatibility(mode: str) -> str:
    """``mode`` upper-cased, or ``SchemaError`` when Glue does not know it."""
    upper = str(mode).upper()
    if upper not in GLUE_COMPATIBILITY:
        raise SchemaError(
            f"compatibility {mode!r} must be one of {', '.join(sorted(GLUE_COMPATIBILITY))}"
        )
    return upper
