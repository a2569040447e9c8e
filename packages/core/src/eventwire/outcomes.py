"""Which delivery failures are final: shared by the spool and the outbox relay."""

from __future__ import annotations

from eventwire.errors import (
    DeliveryTimeoutError,
    EventwireError,
    InvalidEventError,
    InvalidRecordError,
    PermissionDeniedError,
    StreamNotFoundError,
)

_FOR_GOOD = (
    InvalidEventError,
    InvalidRecordError,
    PermissionDeniedError,
    StreamNotFoundError,
    DeliveryTimeoutError,
)


def fails_for_good(error: EventwireError) -> bool:
    """Whether sending the record again cannot help: it belongs with the dead letters.

    The record itself, the permissions, a missing stream and a ``record_ttl``
    expiry are final; the caller must still tell a producer that abandoned
    records because it was closing (also a ``DeliveryTimeoutError``) apart.
    """
    return isinstance(error, _FOR_GOOD)


def describe(error: EventwireError) -> str:
    """A dead letter's reason: the error's class and message."""
    return f"{type(error).__name__}: {error}"
