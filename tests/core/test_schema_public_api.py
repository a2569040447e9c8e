from __future__ import annotations

import eventwire.schema


class TestSchemaSurface:
    """eventwire.schema's public names change only on purpose."""

    def test_all(self) -> None:
        """The pinned list; every name exists."""
        expected = [
            "BreakingChange", "CheckResult", "CompatibilityMode", "GlueSchemaDecoder",
            "GlueSchemaSerializer", "SchemaRegistryClient", "SchemaVersion", "asyncapi_document",
            "breaking_changes", "check", "event_schema", "export", "frame", "is_framed",
            "load_snapshot", "main", "registry_schemas", "schema_changes", "schema_definition",
            "schema_name_for", "streams_for", "unframe",
        ]  # fmt: skip
        assert expected == eventwire.schema.__all__
        assert all(hasattr(eventwire.schema, name) for name in expected)
