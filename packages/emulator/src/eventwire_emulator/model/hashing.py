"""128-bit hash keys: partition-key hashing, inclusive hash ranges, uniform splits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from hashlib import md5

from eventwire_emulator.model.errors import InvalidArgument

MAX_HASH_KEY = (1 << 128) - 1
"""The largest hash key, 2^128 - 1."""

_HASH_KEY_PATTERN = re.compile(r"0|[1-9]\d{0,38}")


def hash_partition_key(partition_key: str) -> int:
    """Return int(md5(UTF-8 key)) read as a big-endian 128-bit integer, as Kinesis does."""
    return hash_key_bytes(partition_key.encode())


def hash_key_bytes(key_bytes: bytes) -> int:
    """Return the hash key of a partition key already encoded as UTF-8."""
    return int.from_bytes(md5(key_bytes, usedforsecurity=False).digest(), "big")


def parse_hash_key(value: str | int, *, name: str = "ExplicitHashKey") -> int:
    """Parse a decimal hash key and check it lies in [0, 2^128 - 1].

    Raises:
        InvalidArgument: the value is not a decimal integer or is out of range.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        key = value
    elif isinstance(value, str) and _HASH_KEY_PATTERN.fullmatch(value):
        key = int(value)
    else:
        raise InvalidArgument(
            f"Invalid {name}. {name} must be a decimal integer in the range: [0, 2^128-1]. "
            f"Specified value was {value!r}."
        )
    if not 0 <= key <= MAX_HASH_KEY:
        raise InvalidArgument(
            f"Invalid {name}. {name} must be in the range: [0, 2^128-1]. "
            f"Specified value was {value}."
        )
    return key


@dataclass(frozen=True, slots=True)
class HashRange:
    """A contiguous range of hash keys, inclusive at both ends."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end <= MAX_HASH_KEY:
            raise ValueError(
                f"invalid hash range [{self.start}, {self.end}]: need 0 <= start <= end <= 2^128-1"
            )

    def contains(self, key: int) -> bool:
        """Return whether `key` lies in the range, both ends included."""
        return self.start <= key <= self.end

    def adjacent_to(self, other: HashRange) -> bool:
        """Return whether the two ranges touch with no gap and no overlap."""
        return self.end + 1 == other.start or other.end + 1 == self.start

    def split(self, new_start: int) -> tuple[HashRange, HashRange]:
        """Split into [start, new_start - 1] and [new_start, end].

        Raises:
            ValueError: `new_start` is not in (start, end].
        """
        if not self.start < new_start <= self.end:
            raise ValueError(f"{new_start} is not in ({self.start}, {self.end}]")
        return HashRange(self.start, new_start - 1), HashRange(new_start, self.end)

    def merge(self, other: HashRange) -> HashRange:
        """Return the union of two adjacent ranges.

        Raises:
            ValueError: the ranges are not adjacent.
        """
        if not self.adjacent_to(other):
            raise ValueError(f"{self} and {other} are not adjacent")
        return HashRange(min(self.start, other.start), max(self.end, other.end))

    @staticmethod
    def uniform(count: int) -> list[HashRange]:
        """Split the whole key space into `count` ranges.

        The rule: range i starts at floor(i * 2^128 / count) and ends one before the
        next range's start; the last ends at 2^128 - 1. Sizes differ by at most one.
        """
        if count < 1:
            raise ValueError(f"need at least one range, got {count}")
        space = MAX_HASH_KEY + 1
        starts = [i * space // count for i in range(count)] + [space]
        return [HashRange(starts[i], starts[i + 1] - 1) for i in range(count)]
