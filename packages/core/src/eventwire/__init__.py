"""eventwire: publish typed events to AWS Kinesis Data Streams through pluggable backends."""

from __future__ import annotations

from importlib.metadata import version as _version

from eventwire.aggregation import UserRecord, aggregate, deaggregate, is_aggregated
from eventwire.aws_errors import RETRYABLE_AWS_CODES, error_for_aws_code
from eventwire.backend import Backend
from eventwire.cloudevents import encode
from eventwire.context import PublishContext
from eventwire.errors import (
    BackendConnectionError,
    BackendError,
    ConfigurationError,
    DecodeError,
    DeliveryError,
    DeliveryTimeoutError,
    EventDefinitionError,
    EventwireError,
    InvalidEventError,
    InvalidHashKeyError,
    InvalidPartitionKeyError,
    InvalidRecordError,
    MalformedRecordError,
    OutboxError,
    PermissionDeniedError,
    ProducerFullError,
    PublisherClosedError,
    PublishRejectedError,
    RecordTooLargeError,
    RegistryError,
    SpoolError,
    SpoolLockedError,
    StreamNotFoundError,
    ThrottledError,
    UnknownBackendError,
    UnknownEventTypeError,
)
from eventwire.events import Event
from eventwire.hookspecs import hookimpl
from eventwire.keys import check_hash_key, check_partition_key
from eventwire.plugins import (
    available_backends,
    get_plugin_manager,
    make_plugin_manager,
    register_plugin,
    unregister_plugin,
)
from eventwire.producer import AsyncProducer, Producer, ProducerSettings, ProducerStats
from eventwire.publisher import Publisher
from eventwire.records import (
    DEFAULT_MAX_RECORD_SIZE,
    MAX_RECORD_SIZE_LIMIT,
    PublishFailure,
    PublishReceipt,
    PublishResult,
    Record,
    ShardInfo,
    failure_from,
    record_for,
)
from eventwire.registry import EventRegistry, default_registry

__version__ = _version("eventwire-core")

__all__ = [
    "DEFAULT_MAX_RECORD_SIZE",
    "MAX_RECORD_SIZE_LIMIT",
    "RETRYABLE_AWS_CODES",
    "AsyncProducer",
    "Backend",
    "BackendConnectionError",
    "BackendError",
    "ConfigurationError",
    "DecodeError",
    "DeliveryError",
    "DeliveryTimeoutError",
    "Event",
    "EventDefinitionError",
    "EventRegistry",
    "EventwireError",
    "InvalidEventError",
    "InvalidHashKeyError",
    "InvalidPartitionKeyError",
    "InvalidRecordError",
    "MalformedRecordError",
    "OutboxError",
    "PermissionDeniedError",
    "Producer",
    "ProducerFullError",
    "ProducerSettings",
    "ProducerStats",
    "PublishContext",
    "PublishFailure",
    "PublishReceipt",
    "PublishRejectedError",
    "PublishResult",
    "Publisher",
    "PublisherClosedError",
    "Record",
    "RecordTooLargeError",
    "RegistryError",
    "ShardInfo",
    "SpoolError",
    "SpoolLockedError",
    "StreamNotFoundError",
    "ThrottledError",
    "UnknownBackendError",
    "UnknownEventTypeError",
    "UserRecord",
    "__version__",
    "aggregate",
    "available_backends",
    "check_hash_key",
    "check_partition_key",
    "deaggregate",
    "default_registry",
    "encode",
    "error_for_aws_code",
    "failure_from",
    "get_plugin_manager",
    "hookimpl",
    "is_aggregated",
    "make_plugin_manager",
    "record_for",
    "register_plugin",
    "unregister_plugin",
]
