from __future__ import annotations

from importlib.metadata import version

import eventwire
import eventwire.backends
import eventwire.testing


class TestPublicSurface:
    """The public names change only on purpose."""

    def test_eventwire_all(self) -> None:
        """eventwire.__all__ is pinned (ruff keeps it sorted) and every name exists."""
        expected = [
            "AsyncProducer", "AsyncPublisher", "BackendConnectionError", "BackendError",
            "ConfigurationError", "DecodeError", "DeliveryError", "DeliveryTimeoutError", "Event",
            "EventDefinitionError", "EventRegistry", "EventValidationError", "EventwireError",
            "InvalidEventError", "InvalidHashKeyError", "InvalidPartitionKeyError",
            "InvalidRecordError", "MalformedRecordError", "NewerEventVersionError",
            "NewerVersionPolicy", "OutboxError", "PermissionDeniedError", "Producer",
            "ProducerFullError", "ProducerSettings", "ProducerStats", "PublishContext",
            "PublishFailure", "PublishReceipt", "PublishRejectedError", "PublishResult",
            "Publisher", "PublisherClosedError", "RecordTooLargeError", "RegistryError",
            "SchemaError", "SchemaRegistryError", "SpoolError", "SpoolLockedError",
            "StreamNotFoundError", "ThrottledError", "UnknownBackendError",
            "UnknownEventTypeError", "UpcastError", "Upcaster", "__version__",
            "available_backends", "default_registry", "hookimpl", "register_plugin",
            "unregister_plugin",
        ]  # fmt: skip
        assert expected == eventwire.__all__
        assert all(hasattr(eventwire, name) for name in expected)

    def test_backends_all(self) -> None:
        """eventwire.backends.__all__ (what backend authors build on) is pinned."""
        expected = [
            "DEFAULT_MAX_RECORD_SIZE", "MAX_HASH_KEY", "MAX_PARTITION_KEY_LENGTH",
            "MAX_RECORDS_PER_REQUEST", "MAX_RECORD_SIZE_LIMIT", "MAX_REQUEST_BYTES",
            "RETRYABLE_AWS_CODES", "SHARD_WRITE_BYTES_PER_SECOND",
            "SHARD_WRITE_RECORDS_PER_SECOND", "AsyncBackend", "Backend", "CheckedRecords",
            "InlineAsyncBackend",
            "PublishFailure", "PublishReceipt", "PublishResult", "Record", "ShardInfo",
            "ThreadedAsyncBackend", "UserRecord", "aggregate", "async_backend_for",
            "check_hash_key", "check_partition_key", "deaggregate", "encode",
            "error_for_aws_code", "failure_from",
            "get_plugin_manager", "is_aggregated", "local_problem", "make_plugin_manager",
            "record_for", "record_weight", "records_for", "split_requests",
        ]  # fmt: skip
        assert expected == eventwire.backends.__all__
        assert all(hasattr(eventwire.backends, name) for name in expected)

    def test_service_namespace_stays_small(self) -> None:
        """Backend-author names live in eventwire.backends, not in the top-level namespace."""
        assert [] == [n for n in eventwire.backends.__all__ if n in eventwire.__all__ and not
                      n.startswith("Publish")]  # fmt: skip

    def test_testing_all(self) -> None:
        """eventwire.testing.__all__ is pinned."""
        assert [
            "CapturedEvents",
            "InMemorySchemaRegistry",
            "RecordingBackend",
            "capture_events",
        ] == eventwire.testing.__all__

    def test_outbox_all(self) -> None:
        """eventwire.outbox.__all__ is pinned."""
        import eventwire.outbox

        expected = [
            "BUCKETS", "DEFAULT_TABLE", "AsyncOutboxRelay", "Outbox", "OutboxRelay",
            "OutboxTables", "RelayStats", "bucket_for", "outbox_tables", "revive_dead",
        ]  # fmt: skip
        assert expected == eventwire.outbox.__all__

    def test_spool_all(self) -> None:
        """eventwire.spool.__all__ is pinned."""
        import eventwire.spool

        expected = ["DeadLetter", "FsyncPolicy", "Spool", "SpoolCounts", "SpoolSettings"]
        assert expected == eventwire.spool.__all__

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
        assert 31 == len(errors)
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
