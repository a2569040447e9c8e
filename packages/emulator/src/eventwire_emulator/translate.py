"""Model errors to eventwire errors: the in-process backend's one translation boundary."""

from __future__ import annotations

from eventwire import (
    BackendError,
    DeliveryError,
    InvalidRecordError,
    PermissionDeniedError,
    StreamNotFoundError,
    ThrottledError,
)
from eventwire_emulator.model import ModelError
from eventwire_emulator.wire import aws_error

BACKEND = "emulator"

_THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "KMSThrottlingException",
    "LimitExceededException",
}
_INVALID = {"InvalidArgumentException", "ValidationException"}


def backend_error(
    code: str, message: str, *, stream: str, action: str, region: str
) -> BackendError:
    """The eventwire error for an AWS error code reported on ``stream``."""
    context = {"backend": BACKEND, "stream": stream, "code": code}
    if code == "ResourceNotFoundException":
        return StreamNotFoundError(
            f"stream {stream!r} not found in region {region} of the emulator: {message}",
            **context,
        )
    if code == "AccessDeniedException":
        return PermissionDeniedError(
            f"access denied for {action} on stream {stream!r}: {message}",
            action=action,
            **context,
        )
    if code in _THROTTLING:
        return ThrottledError(f"throttled on stream {stream!r}: {message}", **context)
    if code in _INVALID:
        return InvalidRecordError(f"record rejected by stream {stream!r}: {message}", **context)
    return DeliveryError(f"{code} on stream {stream!r}: {message}", **context)


def translate(exc: ModelError, *, stream: str, action: str, region: str) -> BackendError:
    """The eventwire error for a model exception, named as AWS would name it."""
    aws = aws_error(exc)
    return backend_error(aws.code, aws.message, stream=stream, action=action, region=region)
