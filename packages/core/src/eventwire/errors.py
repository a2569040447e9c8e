"""The eventwire exception tree: every error the SDK raises on purpose.

::

    EventwireError
    ├── ConfigurationError (ValueError)
    │   └── UnknownBackendError (LookupError)
    ├── EventDefinitionError (TypeError)
    ├── InvalidEventError (ValueError)
    │   ├── InvalidPartitionKeyError
    │   ├── InvalidHashKeyError
    │   └── RecordTooLargeError
    ├── DecodeError (ValueError)
    │   ├── MalformedRecordError
    │   │   └── EventValidationError
    │   ├── UnknownEventTypeError (LookupError)
    │   │   └── NewerEventVersionError
    │   └── UpcastError
    ├── RegistryError (ValueError)
    ├── SchemaError (ValueError)
    │   └── SchemaRegistryError
    ├── PublishRejectedError
    ├── PublisherClosedError (RuntimeError)
    ├── ProducerFullError
    ├── SpoolError
    │   └── SpoolLockedError
    ├── OutboxError
    └── BackendError
        ├── StreamNotFoundError (LookupError)
        ├── PermissionDeniedError (PermissionError)
        ├── InvalidRecordError (ValueError)
        ├── ThrottledError
        ├── BackendConnectionError (ConnectionError)
        └── DeliveryError
            └── DeliveryTimeoutError (TimeoutError)

Backends translate their vendor's errors into the ``BackendError`` branch at
exactly one boundary, so callers never catch a botocore type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable


PREVIEW_LENGTH = 60
"""Errors show at most about this many characters of a user's value."""


def preview(value: object, limit: int = PREVIEW_LENGTH) -> str:
    """``repr(value)``, shortened to about ``limit`` characters for an error message."""
    text = repr(value)
    if len(text) <= limit:
        return text
    length = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[: limit - 3]}...{length}"


class EventwireError(Exception):
    """Root of every error eventwire raises on purpose."""


class ConfigurationError(EventwireError, ValueError):
    """A setting (argument or environment variable) is missing or invalid."""


class UnknownBackendError(ConfigurationError, LookupError):
    """No installed plugin provides a backend of the requested name."""

    def __init__(self, name: str, installed: Iterable[str]) -> None:
        self.name = name
        self.installed = tuple(sorted(installed))
        listed = ", ".join(self.installed) or "none"
        super().__init__(
            f"no backend named {name!r} is installed (installed backends: {listed}); "
            "install the distribution that provides it or pick one of these"
        )


class EventDefinitionError(EventwireError, TypeError):
    """An ``Event`` subclass is declared wrongly (raised when the class is defined)."""


class InvalidEventError(EventwireError, ValueError):
    """An event cannot be turned into a valid Kinesis record."""

    def __init__(self, message: str, *, event_type: str | None = None) -> None:
        self.event_type = event_type
        super().__init__(message)


class InvalidPartitionKeyError(InvalidEventError):
    """A partition key is empty, too long or not a string."""

    def __init__(self, event_type: str, value: object, reason: str) -> None:
        self.value = value
        super().__init__(
            f"event {event_type!r}: invalid partition key {preview(value)}: {reason}",
            event_type=event_type,
        )


class InvalidHashKeyError(InvalidEventError):
    """An explicit hash key is not a decimal integer in [0, 2**128 - 1]."""

    def __init__(self, event_type: str, value: object) -> None:
        self.value = value
        super().__init__(
            f"event {event_type!r}: invalid explicit hash key {preview(value)}: "
            "it must be a decimal integer between 0 and 2**128 - 1 "
            "(340282366920938463463374607431768211455)",
            event_type=event_type,
        )


class RecordTooLargeError(InvalidEventError):
    """Data plus partition key exceed the configured maximum record size."""

    def __init__(self, event_type: str, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"event {event_type!r}: record is {size} bytes (data + partition key), "
            f"over the maximum record size of {limit} bytes; shrink the payload or raise "
            "max_record_size (Kinesis allows up to 10 MiB once the stream is updated)",
            event_type=event_type,
        )


class DecodeError(EventwireError, ValueError):
    """Bytes could not be decoded into a typed event."""


class MalformedRecordError(DecodeError):
    """The bytes are not a structured-mode CloudEvents JSON document eventwire can read."""


class UnknownEventTypeError(DecodeError, LookupError):
    """The record's ``type`` is not registered."""

    def __init__(self, event_type: str, known: Iterable[str]) -> None:
        self.event_type = event_type
        self.known = tuple(sorted(known))
        listed = ", ".join(preview(name) for name in self.known[:10]) or "none"
        more = f" and {len(self.known) - 10} more" if len(self.known) > 10 else ""
        super().__init__(
            f"no event class is registered for type {preview(event_type)} "
            f"(registered: {listed}{more}); register it with registry.register(EventClass)"
        )


class EventValidationError(MalformedRecordError):
    """A record of a known type carries data its class no longer accepts.

    Attributes:
        event_type: the record's ``type`` (with its ``.v<N>`` suffix).
        version: the version of the class that rejected the data.
        fields: the dotted paths of the offending fields.
    """

    def __init__(
        self, event_type: str, version: int, class_name: str, problems: Iterable[tuple[str, str]]
    ) -> None:
        self.event_type = event_type
        self.version = version
        problems = tuple(problems)
        self.fields = tuple(field for field, _ in problems)
        listed = "; ".join(f"field {field!r}: {message}" for field, message in problems)
        super().__init__(
            f"record of type {event_type!r} does not validate as {class_name} "
            f"(version {version}): {listed}"
        )


class NewerEventVersionError(UnknownEventTypeError):
    """A record's version is newer than every registered class of its type.

    Attributes:
        version: the record's version.
        newest: the newest registered version of the type.
    """

    def __init__(
        self, event_type: str, version: int, newest: int, known: Iterable[str], reason: str
    ) -> None:
        super().__init__(event_type, known)
        self.version = version
        self.newest = newest
        self.args = (
            f"record of type {event_type!r} is version {version}, newer than the newest "
            f"registered class (version {newest}); {reason}",
        )


class UpcastError(DecodeError):
    """An upcaster failed or returned something other than a dict of event fields."""


class RegistryError(EventwireError, ValueError):
    """Two different event classes claim the same type."""


class SchemaError(EventwireError, ValueError):
    """A schema document, snapshot or compatibility setting is invalid."""


class SchemaRegistryError(SchemaError):
    """A schema registry (the AWS Glue Schema Registry) refused or failed a request.

    Attributes:
        code: the service's error code, when known.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.code = code
        super().__init__(message)


class PublishRejectedError(EventwireError):
    """A plugin refused to let an event be published."""

    def __init__(self, reason: str, *, event_id: str | None = None) -> None:
        self.reason = reason
        self.event_id = event_id
        super().__init__(f"publish rejected: {reason}")


class PublisherClosedError(EventwireError, RuntimeError):
    """The publisher (or backend) was used after ``close()``."""


class SpoolError(EventwireError):
    """A producer's disk spool could not be opened, read or written (the cause says why).

    Attributes:
        path: the spool directory.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        self.path = path
        super().__init__(message)


class SpoolLockedError(SpoolError):
    """Another process (or producer) already uses this spool directory."""


class OutboxError(EventwireError):
    """The transactional outbox's database failed, or its tables are missing (the cause says why).

    Attributes:
        table: the outbox table involved.
    """

    def __init__(self, message: str, *, table: str = "") -> None:
        self.table = table
        super().__init__(message)


class ProducerFullError(EventwireError):
    """A producer's buffer had no room for a record (at once, or within the block timeout).

    Attributes:
        records: user records the buffer (or the spool) held.
        nbytes: bytes the buffer (or the spool) held.
    """

    def __init__(
        self, records: int, nbytes: int, limit_records: int, limit_bytes: int,
        *, spool: str | None = None,
    ) -> None:  # fmt: skip
        self.records = records
        self.nbytes = nbytes
        if spool is not None:
            message = (
                f"the producer's spool at {spool!r} is full ({records} records, {nbytes} of "
                f"{limit_bytes} bytes, dead letters included); deliveries free room: check that "
                "the stream accepts records, replay or purge dead letters (python -m "
                "eventwire.spool), raise SpoolSettings.max_bytes, or use when_full='block' with "
                "a longer block_timeout"
            )
        else:
            message = (
                f"the producer's buffer is full ({records} of {limit_records} records, {nbytes} "
                f"of {limit_bytes} bytes); publish more slowly, raise buffer_records/buffer_bytes, "
                "or use when_full='block' with a longer block_timeout"
            )
        super().__init__(message)


class BackendError(EventwireError):
    """A backend could not deliver a record.

    Attributes:
        backend: name of the backend that failed.
        stream: the stream it was writing to, when known.
        code: the service's error code (for Kinesis, the AWS error code), when known.
        ambiguous: a request carrying the record may have been applied even so (its
            answer was lost: a read time-out, a connection reset, a 5xx), so the
            stream may hold the record although this error says it failed.
    """

    def __init__(
        self,
        message: str,
        *,
        backend: str | None = None,
        stream: str | None = None,
        code: str | None = None,
        ambiguous: bool = False,
    ) -> None:
        self.backend = backend
        self.stream = stream
        self.code = code
        self.ambiguous = ambiguous
        self.message = message
        super().__init__(message)


class StreamNotFoundError(BackendError, LookupError):
    """The stream does not exist (or is not visible to these credentials)."""


class PermissionDeniedError(BackendError, PermissionError):
    """The credentials lack a permission; ``action`` names the IAM action."""

    def __init__(self, message: str, *, action: str | None = None, **context: Any) -> None:
        self.action = action
        super().__init__(message, **context)


class InvalidRecordError(BackendError, ValueError):
    """The service rejected the record as invalid."""


class ThrottledError(BackendError):
    """The service kept throttling after the retries ran out."""


class BackendConnectionError(BackendError, ConnectionError):
    """The service could not be reached (network failure or timeout)."""


class DeliveryError(BackendError):
    """Any other delivery failure reported by the service."""


class DeliveryTimeoutError(DeliveryError, TimeoutError):
    """A record was not delivered before its deadline (the record TTL, or ``close``'s timeout).

    Attributes:
        ambiguous: a request carrying the record was still unanswered, so it may
            have been delivered after all.
    """

    def __init__(self, message: str, *, ambiguous: bool = False, **context: str | None) -> None:
        super().__init__(message, code="Timeout", ambiguous=ambiguous, **context)
