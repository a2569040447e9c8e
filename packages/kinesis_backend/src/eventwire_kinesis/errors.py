"""The one boundary where botocore errors and AWS error codes become eventwire errors.

::

    AWS error code / botocore exception       eventwire error
    ResourceNotFoundException                 StreamNotFoundError (names stream and region)
    AccessDeniedException                     PermissionDeniedError(action="kinesis:PutRecords")
    KMSAccessDeniedException                  PermissionDeniedError(action="kms:GenerateDataKey")
    UnrecognizedClientException, ... (creds)  PermissionDeniedError
    NoCredentialsError                        PermissionDeniedError
    ValidationException, InvalidArgumentException,
    ParamValidationError                      InvalidRecordError
    ProvisionedThroughputExceededException,
    KMSThrottlingException, ThrottlingException,
    LimitExceededException                    ThrottledError (once retries ran out)
    EndpointConnectionError, ConnectTimeoutError,
    ReadTimeoutError, ConnectionClosedError   BackendConnectionError (retried; ``ambiguous``
                                              once a request may have reached the service)
    anything else (InternalFailure, KMS...)   DeliveryError

Every function here returns the eventwire error; callers ``raise ... from`` the
botocore exception, so no botocore type crosses the public API. What an AWS
error code becomes is eventwire's own table (``eventwire.error_for_aws_code``),
shared with the emulator backend so both backends fail alike.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from eventwire import (
    BackendConnectionError,
    BackendError,
    DeliveryError,
    InvalidRecordError,
    PermissionDeniedError,
)
from eventwire.backends import RETRYABLE_AWS_CODES, error_for_aws_code

BACKEND = "kinesis"

BOTO_ERRORS = (ClientError, BotoCoreError)
"""What boto3 calls raise; the backend catches these and nothing broader."""

RETRYABLE_CODES = RETRYABLE_AWS_CODES
"""Codes worth another attempt: throttling and transient service failures."""


class Target:
    """Where a call went, for messages: backend name, stream and region."""

    __slots__ = ("backend", "region", "stream")

    def __init__(self, stream: str, region: str, backend: str = BACKEND) -> None:
        self.stream = stream
        self.region = region
        self.backend = backend


def is_retryable(error: BackendError) -> bool:
    """Whether another attempt may succeed: throttling, a transient failure, the network.

    Clients eventwire builds make one attempt per call, so connection failures
    and time-outs are retried here, by the one retry layer.
    """
    return error.code in RETRYABLE_CODES or isinstance(error, BackendConnectionError)


def error_for_code(
    code: str,
    message: str,
    target: Target,
    *,
    action: str,
    note: str = "",
    ambiguous: bool = False,
) -> BackendError:
    """The eventwire error for an AWS error ``code`` reported by ``action`` (kinesis:PutRecords).

    Used both for whole-call errors and for the per-entry failures PutRecords reports;
    ``note`` (such as how many attempts were made) is added to the message.
    """
    return error_for_aws_code(
        code,
        message,
        backend=target.backend,
        stream=target.stream,
        action=action,
        region=target.region,
        note=note,
        ambiguous=ambiguous,
    )


def translate(exc: Exception, target: Target, *, action: str, note: str = "") -> BackendError:
    """The eventwire error for an exception a boto3 call raised; re-raise it ``from exc``.

    Anything that is not a botocore error is a bug in this backend or in botocore
    and is reported as a ``DeliveryError`` that keeps the original as its cause.
    """
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        # A 5xx leaves it open whether the service applied the request before failing.
        return error_for_code(
            code, message, target, action=action, note=note, ambiguous=status >= 500
        )
    where = f"stream {target.stream!r} in region {target.region}"
    context: dict[str, Any] = {"backend": target.backend, "stream": target.stream}
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        # Before a connection exists nothing was sent; after, the answer may be what was lost.
        unsent = isinstance(exc, EndpointConnectionError | ConnectTimeoutError)
        suffix = f"; {note}" if note else ""
        return BackendConnectionError(
            f"could not reach Kinesis for {where}: {exc}; check the network, the endpoint "
            f"URL and the connect/read timeouts{suffix}",
            ambiguous=not unsent,
            **context,
        )
    if isinstance(exc, NoCredentialsError):
        return PermissionDeniedError(
            f"no AWS credentials were found for {action} on {where}; set AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an IAM role is available",
            action=action,
            **context,
        )
    if isinstance(exc, ParamValidationError):
        return InvalidRecordError(f"{where}: botocore rejected the request: {exc}", **context)
    kind = "botocore" if isinstance(exc, BotoCoreError) else "unexpected"
    return DeliveryError(f"{action} on {where} failed ({kind} error): {exc!r}", **context)
