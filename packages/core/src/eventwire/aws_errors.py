"""Kinesis error codes: the eventwire error each one becomes, and which are worth retrying.

Every backend that talks the Kinesis API (the Kinesis backend, the emulator's
in-process backend) names its failures with these AWS codes, so one table
decides what callers catch and what producers retry.
"""

from __future__ import annotations

from typing import Any

from eventwire.errors import (
    BackendError,
    DeliveryError,
    InvalidRecordError,
    PermissionDeniedError,
    StreamNotFoundError,
    ThrottledError,
)

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "KMSThrottlingException",
        "ThrottlingException",
        "LimitExceededException",
    }
)
"""The service asked the caller to slow down."""

RETRYABLE_AWS_CODES = THROTTLING_CODES | {
    "InternalFailure",
    "InternalFailureException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
}
"""Codes worth another attempt: throttling and transient service failures."""

INVALID_CODES = frozenset({"ValidationException", "InvalidArgumentException"})
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
        "IncompleteSignature",
    }
)
_KMS_BROKEN = frozenset(
    {"KMSDisabledException", "KMSInvalidStateException", "KMSNotFoundException", "KMSOptInRequired"}
)

FATAL_CODES = (
    INVALID_CODES
    | CREDENTIAL_CODES
    | _KMS_BROKEN
    | {"AccessDeniedException", "KMSAccessDeniedException", "ResourceNotFoundException"}
)
"""Codes no retry can fix: the request, the credentials, the stream or its key is wrong."""


def error_for_aws_code(
    code: str,
    message: str,
    *,
    backend: str,
    stream: str,
    action: str,
    region: str | None = None,
    note: str = "",
    ambiguous: bool = False,
) -> BackendError:
    """The eventwire error for an AWS error ``code`` that ``action`` got on ``stream``.

    Args:
        code: the AWS error code (``ResourceNotFoundException``, ...).
        message: the service's message.
        backend: the backend's name, kept on the error.
        stream: the stream the call went to.
        action: the IAM action of the call (``kinesis:PutRecords``), named when denied.
        region: the region, named in the message when known.
        note: added to the message (how many attempts were made, say).
        ambiguous: the request may have been applied although it failed (a 5xx).
    """
    error = _error_for(code, message, backend, stream, action, region, note)
    error.ambiguous = ambiguous
    return error


def _error_for(
    code: str,
    message: str,
    backend: str,
    stream: str,
    action: str,
    region: str | None,
    note: str,
) -> BackendError:
    if note:
        message = f"{message}; {note}"
    context: dict[str, Any] = {"backend": backend, "stream": stream, "code": code}
    where = f"stream {stream!r}" if region is None else f"stream {stream!r} in region {region}"
    if code == "ResourceNotFoundException":
        return StreamNotFoundError(
            f"{where} was not found ({code}: {message}); create it, or check the stream "
            "name (EVENTWIRE_STREAM) and the region (AWS_REGION / AWS_DEFAULT_REGION)",
            **context,
        )
    if code == "AccessDeniedException":
        return PermissionDeniedError(
            f"the credentials may not call {action} on {where} ({code}: {message}); "
            f"grant {action} on the stream's ARN (see the least-privilege policy in the docs)",
            action=action,
            **context,
        )
    if code == "KMSAccessDeniedException":
        return PermissionDeniedError(
            f"the credentials may not use the KMS key that encrypts {where} ({code}: "
            f"{message}); grant kms:GenerateDataKey on that key",
            action="kms:GenerateDataKey",
            **context,
        )
    if code in CREDENTIAL_CODES:
        return PermissionDeniedError(
            f"AWS rejected the credentials used for {where} ({code}: {message}); check "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or AWS_PROFILE",
            **context,
        )
    if code in INVALID_CODES:
        return InvalidRecordError(f"{where} rejected the record ({code}: {message})", **context)
    if code in THROTTLING_CODES:
        return ThrottledError(
            f"{where} kept throttling after the retries ran out ({code}: {message}); "
            "slow down, add shards, or raise max_attempts / retry_deadline",
            **context,
        )
    return DeliveryError(f"{where} did not accept the record ({code}: {message})", **context)
