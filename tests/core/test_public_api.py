from __future__ import annotations

from importlib.metadata import version

import eventwire
import eventwire.testing


class TestPublicSurface:
    """The public names change only on purpose."""

    def test_eventwire_all(self) -> None:
        """eventwire.__all__ is pinned (ruff keeps it sorted) and every name exists."""
        expected = [
            "DEFAULT_MAX_RECORD_SIZE", "MAX_RECORD_SIZE_LIMIT", "RETRYABLE_AWS_CODES",
            "AsyncProducer", "Backend", "BackendConnectionError", "BackendError",
            "ConfigurationError", "DecodeError", "DeliveryError", "DeliveryTimeoutError", "Event",
            "EventDefinitionError", "EventRegistry", "EventwireError", "InvalidEventError",
            "InvalidHashKeyError", "InvalidPartitionKeyError", "InvalidRecordError",
            "MalformedRecordError", "OutboxError", "PermissionDeniedError", "Producer",
            "ProducerFullError",
            "ProducerSettings", "ProducerStats", "PublishContext", "PublishFailure",
            "PublishReceipt", "PublishRejectedError", "PublishResult", "Publisher",
            "PublisherClosedError", "Record", "RecordTooLargeError", "RegistryError", "ShardInfo",
            "SpoolError", "SpoolLockedError", "StreamNotFoundError", "ThrottledError",
            "UnknownBackendError", "UnknownEventTypeError", "UserRecord", "__version__",
            "aggregate", "available_backends", "check_hash_key", "check_partition_key",
            "deaggregate", "default_registry", "encode", "error_for_aws_code", "failure_from",
            "get_plugin_manager", "hookimpl", "is_aggregated", "make_plugin_manager", "record_for",
            "register_plugin", "unregister_plugin",
        ]  # fmt: skip
        assert expected == eventwire.__all__
        assert all(hasattr(eventwire, name) for name in expected)

    def test_testing_all(self) -> None:
        """eventwire.testing.__all__ is pinned."""
        assert ["CapturedEvents", "RecordingBackend", "capture_events"] == eventwire.testing.__all__

    def test_outbox_all(self) -> None:
        """eventwire.outbox.__all__ is pinned."""
        import eventwire.outbox

        expected = [
            "BUCKETS", "DEFAULT_TABLE", "AsyncOutboxRelay", "Outbox", "OutboxRelay",
            "OutboxTables", "RelayStats", "bucket_for", "outbox_tables", "revive_dead",
        ]  # fmt: skip
        assert expected == eventwire.outbox.__all__

    def test_version_from_metadata(self) -> None:
        """__version__ comes from the installed distribution's metadata."""
        assert version("eventwire-core") == eventwire.__version__


class TestErrorTree:
    """Every error is an EventwireError, and builtin bases help callers."""

    def test_all_errors_descend_from_the_root(self) -> None:
        """Each exported error class derives from EventwireError."""
        errors = [
            getattr(eventwire, name)
            for name in eventwire.__all__
            if name.endswith("Error") and isinstance(getattr(eventwire, name), type)
        ]
        assert 26 == len(errors)
        assert all(issubclass(error, eventwire.EventwireError) for error in errors)

    def test_builtin_bases(self) -> None:
        """Callers can catch by builtin category."""
        assert issubclass(eventwire.InvalidPartitionKeyError, ValueError)
        assert issubclass(eventwire.StreamNotFoundError, LookupError)
        assert issubclass(eventwire.PermissionDeniedError, PermissionError)
        assert issubclass(eventwire.BackendConnectionError, ConnectionError)
        assert issubclass(eventwire.UnknownBackendError, eventwire.ConfigurationError)

    def test_tree_is_drawn_in_the_docstring(self) -> None:
        """The errors module docstring draws every class."""
        import eventwire.errors as errors_module

        doc = errors_module.__doc__ or ""
        names = [n for n in eventwire.__all__ if n.endswith("Error") and n != "EventwireError"]
        assert [] == [name for name in names if name not in doc]
