"""Sequence numbers: decimals made of a per-stream counter and the shard index.

A sequence number is ``SEQUENCE_BASE + counter * SHARD_SLOTS + shard_index``.
The counter grows by one for every record (and every shard opened or closed)
in the stream, so numbers are unique across the stream, strictly increasing
within a shard, and a child's numbers exceed its parents' ending numbers. The
shard index lets a number be checked against the shard it is used with.

Numbers have 56 digits and start with "49", like AWS's, until a
SequenceNumberForOrdering moves the counter past them: the counter is an
unbounded integer, so any valid value (up to 128 digits, per the botocore
model's SequenceNumber pattern) is honoured and the next number exceeds it.
"""

from __future__ import annotations

import re

from eventwire_emulator.model.errors import InvalidArgument

SEQUENCE_BASE = 49 * 10**54
"""Every number has 56 digits and starts with "49", like AWS's."""

SHARD_SLOTS = 10**7
"""Room for this many shards per stream in the low digits."""

_PATTERN = re.compile(r"0|[1-9]\d{0,128}")


def format_sequence_number(counter: int, shard_index: int) -> str:
    """Return the decimal string for a record's counter in a shard."""
    return str(SEQUENCE_BASE + counter * SHARD_SLOTS + shard_index)


def check_format(value: str, name: str) -> int:
    """Return the integer value of a sequence-number-shaped string.

    Raises:
        InvalidArgument: the value is not a decimal of at most 129 digits.
    """
    if not isinstance(value, str) or not _PATTERN.fullmatch(value):
        raise InvalidArgument(
            f"Invalid {name}. {name} must be a decimal sequence number. "
            f"Specified value was {value!r}."
        )
    return int(value)


def parse_sequence_number(value: str, name: str = "StartingSequenceNumber") -> tuple[int, int]:
    """Return (counter, shard index) of a number this model issued.

    Raises:
        InvalidArgument: the value is malformed or not a number this model issues.
    """
    number = check_format(value, name) - SEQUENCE_BASE
    if number < 0:
        raise InvalidArgument(
            f"Invalid {name}. {value} is not a sequence number of this stream "
            f"(they have at least 56 digits and start with 49)."
        )
    return divmod(number, SHARD_SLOTS)


def counter_floor(value: str) -> int:
    """Return the largest counter whose numbers do not exceed `value` (for ordering).

    Any valid value is accepted: the counter is unbounded, so the record put
    next (counter + 1) gets a number above `value` however large it is.

    Raises:
        InvalidArgument: the value is malformed.
    """
    number = check_format(value, "SequenceNumberForOrdering") - SEQUENCE_BASE
    if number < 0:
        return -1
    return number // SHARD_SLOTS
