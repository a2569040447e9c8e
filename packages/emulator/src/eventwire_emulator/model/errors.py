"""Domain errors raised by the Kinesis model; the wire layer maps them to AWS error names.

The tree::

    ModelError
    ├── ResourceNotFound (LookupError)
    │   └── StreamNotFound
    ├── ResourceInUse
    ├── InvalidArgument (ValueError)
    │   └── UnsupportedInStreamMode
    ├── LimitExceeded
    ├── ThroughputExceeded
    ├── IteratorExpired
    ├── NextTokenExpired
    └── InjectedFault

No HTTP status codes live here: the model knows what went wrong, not how it is
sent over the wire.
"""

from __future__ import annotations


class ModelError(Exception):
    """Root of every error the Kinesis model raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ResourceNotFound(ModelError, LookupError):
    """A stream, shard or consumer does not exist."""


class StreamNotFound(ResourceNotFound):
    """The named stream does not exist in this account and region."""

    def __init__(self, stream_name: str, account_id: str) -> None:
        super().__init__(f"Stream {stream_name} under account {account_id} not found.")
        self.stream_name = stream_name


class ResourceInUse(ModelError):
    """The resource exists already or is in a state that forbids the operation."""


class InvalidArgument(ModelError, ValueError):
    """An argument is out of range, malformed, or inconsistent with the stream."""


class UnsupportedInStreamMode(InvalidArgument):
    """The operation is not supported for the stream's capacity mode (resharding ON_DEMAND)."""

    def __init__(self, operation: str, stream_name: str, stream_mode: str) -> None:
        super().__init__(
            f"{operation} is not supported for stream {stream_name} in {stream_mode} mode; "
            f"it applies to PROVISIONED streams only."
        )
        self.operation = operation
        self.stream_name = stream_name
        self.stream_mode = stream_mode


class LimitExceeded(ModelError):
    """An account or stream limit (shards, on-demand streams, consumers) would be exceeded."""


class ThroughputExceeded(ModelError):
    """A per-shard read or write quota was exceeded."""

    def __init__(self, message: str, shard_id: str) -> None:
        super().__init__(message)
        self.shard_id = shard_id


class IteratorExpired(ModelError):
    """A shard iterator is older than five minutes."""


class NextTokenExpired(ModelError):
    """A pagination token is older than its validity period."""


class InjectedFault(ModelError):
    """A failure scripted through the fault injector, carrying the chosen AWS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
