"""eventwire: publish typed events to AWS Kinesis Data Streams through pluggable backends.

This namespace holds what service developers use: events, publishers,
producers, results, errors and plugins. Backend authors find the backend
contract, records, error mapping and the Kinesis limits in ``eventwire.backends``.
"""

from __future__ import annotations

from importlib.metadata import version as _version

from eventwire.context import PublishContext
from eventwire.errors import (
    BackendConnectionError,
    BackendError,
    ConfigurationError,
    DecodeError,
    DeliveryError,
    DeliveryTimeoutError,
    EventDefinitionError,
    EventValidationError,
    EventwireError,
    InvalidEventError,
    InvalidHashKeyError,
    InvalidPartitionKeyError,
    InvalidRecordError,
    MalformedRecordError,
    NewerEventVersionError,
    OutboxError,
    PermissionDeniedError,
    ProducerFullError,
    PublisherClosedError,
    PublishRejectedError,
    RecordTooLargeError,
    RegistryError,
    SchemaError,
    SchemaRegistryError,
    SpoolError,
    SpoolLockedError,
    StreamNotFoundError,
    ThrottledError,
    UnknownBackendError,
    UnknownEventTypeError,
    UpcastError,
)
from eventwire.events import Event
from eventwire.hookspecs import hookimpl
from eventwire.plugins import available_backends, register_plugin, unregister_plugin
from eventwire.producer import AsyncProducer, Producer, ProducerSettings, ProducerStats
from eventwire.publisher import Publisher
from eventwire.records import PublishFailure, PublishReceipt, PublishResult
from eventwire.registry import EventRegistry, default_registry
from eventwire.versions import NewerVersionPolicy, Upcaster

__version__ = _version("eventwire-core")

__all__ = [
    "AsyncProducer",
    "BackendConnectionError",
    "BackendError",
    "ConfigurationError",
    "DecodeError",
    "DeliveryError",
    "DeliveryTimeoutError",
    "Event",
    "EventDefinitionError",
    "EventRegistry",
    "EventValidationError",
    "EventwireError",
    "InvalidEventError",
    "InvalidHashKeyError",
    "InvalidPartitionKeyError",
    "InvalidRecordError",
    "MalformedRecordError",
    "NewerEventVersionError",
    "NewerVersionPolicy",
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
    "RecordTooLargeError",
    "RegistryError",
    "SchemaError",
    "SchemaRegistryError",
    "SpoolError",
    "SpoolLockedError",
    "StreamNotFoundError",
    "ThrottledError",
    "UnknownBackendError",
    "UnknownEventTypeError",
    "UpcastError",
    "Upcaster",
    "__version__",
    "available_backends",
    "default_registry",
    "hookimpl",
    "register_plugin",
    "unregister_plugin",
]
