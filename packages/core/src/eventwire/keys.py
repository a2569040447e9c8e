"""Partition keys and explicit hash keys: resolving them from an event and checking the limits."""

from __future__ import annotations

import enum
import operator
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from eventwire.errors import InvalidHashKeyError, InvalidPartitionKeyError
from eventwire.limits import MAX_HASH_KEY, MAX_PARTITION_KEY_LENGTH, is_encodable

if TYPE_CHECKING:
    from eventwire.events import Event, KeySource


def _key_text(value: object) -> str | None:
    """Text for a key value, or None when the value has no unambiguous text form."""
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return _key_text(value.value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return None


def key_getter(source: KeySource) -> Callable[[Event], object]:
    """A function of the event that reads a key declared as a field name or a callable."""
    return operator.attrgetter(source) if isinstance(source, str) else source


def check_partition_key(event_type: str, value: object) -> str:
    """Return ``value`` as a partition key, or raise ``InvalidPartitionKeyError``."""
    # The common cases first, without the general conversions below.
    if type(value) is str and 0 < len(value) <= MAX_PARTITION_KEY_LENGTH and value.isascii():
        return value
    if type(value) is int:
        return str(value)
    text = _key_text(value)
    if text is None:
        raise InvalidPartitionKeyError(
            event_type, value, "it must be a string (or an int, UUID or enum of one)"
        )
    if not text:
        raise InvalidPartitionKeyError(event_type, value, "it must not be empty")
    if len(text) > MAX_PARTITION_KEY_LENGTH:
        raise InvalidPartitionKeyError(
            event_type,
            value,
            f"it is {len(text)} characters long, over the limit of {MAX_PARTITION_KEY_LENGTH}",
        )
    if not text.isascii() and not is_encodable(text):
        raise InvalidPartitionKeyError(
            event_type, value, "it is not valid Unicode text (it holds a lone surrogate)"
        )
    return text


def check_hash_key(event_type: str, value: object) -> str:
    """Return ``value`` as a canonical decimal hash key, or raise ``InvalidHashKeyError``."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 39:
        number = int(value)
    else:
        raise InvalidHashKeyError(event_type, value)
    if not 0 <= number <= MAX_HASH_KEY:
        raise InvalidHashKeyError(event_type, value)
    return str(number)


def explicit_hash_key_for(event: Event) -> str | None:
    """The explicit hash key the event's class declares for it, if any."""
    getter = type(event).__eventwire_hash_key__
    if getter is None:
        return None
    value = getter(event)
    if value is None:
        return None
    return check_hash_key(type(event).type, value)
