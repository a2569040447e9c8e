"""Schema contracts: JSON Schema and AsyncAPI export, compatibility checks, Glue Schema Registry."""

from __future__ import annotations

from eventwire.schema.asyncapi import asyncapi_document
from eventwire.schema.cli import main
from eventwire.schema.commands import CheckResult, check, export, load_snapshot, streams_for
from eventwire.schema.compat import (
    BreakingChange,
    CompatibilityMode,
    breaking_changes,
    schema_changes,
)
from eventwire.schema.documents import event_schema, registry_schemas
from eventwire.schema.gsr import GlueSchemaDecoder, GlueSchemaSerializer, schema_definition
from eventwire.schema.gsr_wire import frame, is_framed, unframe
from eventwire.schema.registry_client import SchemaRegistryClient, SchemaVersion, schema_name_for

__all__ = [
    "BreakingChange",
    "CheckResult",
    "CompatibilityMode",
    "GlueSchemaDecoder",
    "GlueSchemaSerializer",
    "SchemaRegistryClient",
    "SchemaVersion",
    "asyncapi_document",
    "breaking_changes",
    "check",
    "event_schema",
    "export",
    "frame",
    "is_framed",
    "load_snapshot",
    "main",
    "registry_schemas",
    "schema_changes",
    "schema_definition",
    "schema_name_for",
    "streams_for",
    "unframe",
]
