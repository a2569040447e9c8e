"""AWS error names: the one table from model errors to Kinesis error codes and statuses.

Wire-level exceptions (raised while parsing, never escaping ``Wire.handle``)::

    WireError                      code, status, message
    ├── SerializationError         SerializationException: bad JSON, wrong JSON types
    ├── ValidationError            ValidationException: service-model constraints
    ├── UnknownOperationError      UnknownOperationException: unknown X-Amz-Target
    ├── UnsupportedOperationError  ValidationException: a modeled operation not emulated
    └── InvalidArgumentError       InvalidArgumentException: inconsistent arguments

Model exceptions (``eventwire_emulator.model.errors.ModelError``) are translated by
``aws_error``, which other adapters (the in-process eventwire backend) use too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from eventwire_emulator.model.access import AccessDenied
from eventwire_emulator.model.errors import (
    InjectedFault,
    InvalidArgument,
    IteratorExpired,
    LimitExceeded,
    ModelError,
    NextTokenExpired,
    ResourceInUse,
    ResourceNotFound,
    StreamNotFound,
    ThroughputExceeded,
    UnsupportedInStreamMode,
)

#: Model error class -> (AWS error code, HTTP status). Looked up along the exception's
#: MRO, so a subclass maps like its nearest listed base; ModelError itself is the
#: fallback for a model error nobody mapped, which is our bug, hence a 500.
ERROR_TABLE: dict[type[ModelError], tuple[str, int]] = {
    AccessDenied: ("AccessDeniedException", 400),
    StreamNotFound: ("ResourceNotFoundException", 400),
    ResourceNotFound: ("ResourceNotFoundException", 400),
    ResourceInUse: ("ResourceInUseException", 400),
    # AWS answers resharding an ON_DEMAND stream with ValidationException, not the
    # InvalidArgumentException of its base class.
    UnsupportedInStreamMode: ("ValidationException", 400),
    InvalidArgument: ("InvalidArgumentException", 400),
    LimitExceeded: ("LimitExceededException", 400),
    ThroughputExceeded: ("ProvisionedThroughputExceededException", 400),
    IteratorExpired: ("ExpiredIteratorException", 400),
    NextTokenExpired: ("ExpiredNextTokenException", 400),
    ModelError: ("InternalFailure", 500),
}

#: HTTP status AWS uses for an error code a test injects; any code not listed is a 400,
#: as every modeled Kinesis client error is.
STATUS_BY_CODE: dict[str, int] = {
    "InternalFailure": 500,
    "InternalFailureException": 500,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
    "InvalidClientTokenId": 403,
    "OptInRequired": 403,
    "MissingAuthenticationToken": 403,
    "IncompleteSignature": 400,
    "AccessDeniedException": 400,
    "ThrottlingException": 400,
    "KMSAccessDeniedException": 400,
    "KMSDisabledException": 400,
    "KMSInvalidStateException": 400,
    "KMSNotFoundException": 400,
    "KMSOptInRequired": 400,
    "KMSThrottlingException": 400,
}


@dataclass(frozen=True, slots=True)
class AwsError:
    """An AWS error as the Kinesis JSON protocol reports it."""

    code: str
    status: int
    message: str

    def body(self) -> bytes:
        """Return the JSON error document: ``{"__type": code, "message": message}``."""
        document = {"__type": self.code, "message": self.message}
        return json.dumps(document, separators=(",", ":")).encode()


def status_for_code(code: str) -> int:
    """Return the HTTP status AWS sends with an error code."""
    return STATUS_BY_CODE.get(code, 400)


def aws_error(exc: ModelError) -> AwsError:
    """Name a model error the way AWS would: code, HTTP status and message."""
    if isinstance(exc, InjectedFault):
        return AwsError(exc.code, status_for_code(exc.code), exc.message)
    for cls in type(exc).__mro__:
        entry = ERROR_TABLE.get(cls)
        if entry is not None:
            code, status = entry
            return AwsError(code, status, exc.message)
    raise TypeError(f"not a model error: {exc!r}")  # pragma: no cover - ModelError is listed


class WireError(Exception):
    """A request the wire layer rejects before it reaches the model."""

    code = "InternalFailure"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_aws(self) -> AwsError:
        """Return the AWS error this exception is reported as."""
        return AwsError(self.code, self.status, self.message)


class SerializationError(WireError):
    """The body is not JSON, or a member has the wrong JSON type."""

    code = "SerializationException"


class UnknownOperationError(WireError):
    """The X-Amz-Target header is missing or names no Kinesis operation."""

    code = "UnknownOperationException"


class UnsupportedOperationError(WireError):
    """A modeled operation the emulator cannot mean anything by (see ``operations.UNSUPPORTED``)."""

    code = "ValidationException"


class InvalidArgumentError(WireError):
    """Arguments are individually valid but inconsistent, e.g. no stream named."""

    code = "InvalidArgumentException"


class ValidationError(WireError):
    """One or more service-model constraints failed; the message lists them all."""

    code = "ValidationException"

    def __init__(self, violations: list[str]) -> None:
        count = len(violations)
        plural = "" if count == 1 else "s"
        super().__init__(f"{count} validation error{plural} detected: " + "; ".join(violations))
        self.violations = violations
