"""Stream metadata: tags and enhanced fan-out consumers, with their AWS limits."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from eventwire_emulator.model.errors import (
    InvalidArgument,
    LimitExceeded,
    ResourceInUse,
    ResourceNotFound,
)
from eventwire_emulator.model.results import Consumer
from eventwire_emulator.model.stream import Stream

MAX_TAGS = 50
MAX_CONSUMERS = 20
# The Kinesis tag reference (Tag, Key): "Unicode letters, digits, white space, _ . / = + - % @".
TAG_KEY_SYMBOLS = "_./=+-%@"
NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.-]{1,128}")


def check_name(value: str, what: str) -> None:
    """Check a stream or consumer name against ``[a-zA-Z0-9_.-]{1,128}``.

    Raises:
        InvalidArgument: the name does not match.
    """
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise InvalidArgument(
            f"Invalid {what} {value!r}: use 1 to 128 characters from a-z, A-Z, 0-9, _ . -"
        )


def add_tags(current: dict[str, str], tags: Mapping[str, str], resource: str) -> None:
    """Add or overwrite tags, keeping at most 50.

    Raises:
        InvalidArgument: a bad key or value, or more than 50 tags would result.
    """
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise InvalidArgument(f"Invalid tag key {key!r}: must be 1 to 128 characters.")
        if not all(c.isalpha() or c.isdigit() or c.isspace() or c in TAG_KEY_SYMBOLS for c in key):
            raise InvalidArgument(
                f"Invalid tag key {key!r}: use Unicode letters, digits, white space and "
                f"{' '.join(TAG_KEY_SYMBOLS)} only."
            )
        if not isinstance(value, str) or len(value) > 256:
            raise InvalidArgument(f"Invalid tag value for key {key!r}: at most 256 characters.")
    if len(current.keys() | tags.keys()) > MAX_TAGS:
        raise InvalidArgument(
            f"Failed to add tags to {resource}: a resource cannot have more than "
            f"{MAX_TAGS} tags associated with it."
        )
    current.update(tags)


def remove_tags(current: dict[str, str], tag_keys: Sequence[str]) -> None:
    """Remove tags by key; unknown keys are ignored."""
    for key in tag_keys:
        current.pop(key, None)


def consumer_arn(stream: Stream, name: str, created_at: float) -> str:
    """Return the ARN of a consumer registered at `created_at`."""
    return f"{stream.arn}/consumer/{name}:{int(created_at)}"


def register(
    stream: Stream, name: str, now: float, tags: Mapping[str, str] | None = None
) -> Consumer:
    """Register a consumer (reported ACTIVE at once) with its tags, all or nothing.

    Raises:
        InvalidArgument: a bad name or tag, or more than 50 tags.
        ResourceInUse: the name is taken on this stream.
        LimitExceeded: the stream has 20 consumers already.
    """
    check_name(name, "ConsumerName")
    if name in stream.consumers:
        raise ResourceInUse(f"Consumer {name} already exists on stream {stream.arn}.")
    if len(stream.consumers) >= MAX_CONSUMERS:
        raise LimitExceeded(
            f"Stream {stream.arn} already has {MAX_CONSUMERS} consumers, the maximum."
        )
    arn = consumer_arn(stream, name, now)
    consumer_tags: dict[str, str] = {}
    if tags:
        # Validated before the consumer exists, so bad tags register nothing.
        add_tags(consumer_tags, tags, arn)
    stream.consumers[name] = (arn, now, consumer_tags)
    return describe(stream, name)


def describe(stream: Stream, name: str) -> Consumer:
    """Describe a consumer of the stream.

    Raises:
        ResourceNotFound: no such consumer.
    """
    entry = stream.consumers.get(name)
    if entry is None:
        raise ResourceNotFound(f"Consumer {name} under stream {stream.arn} not found.")
    arn, created_at, _ = entry
    return Consumer(name, arn, "ACTIVE", created_at, stream.arn)


def split_consumer_arn(arn: str) -> tuple[str, str]:
    """Return (stream ARN, consumer name) from a consumer ARN.

    Raises:
        InvalidArgument: the ARN is not a consumer ARN.
    """
    stream_arn, sep, rest = arn.rpartition("/consumer/")
    name, colon, stamp = rest.rpartition(":")
    if not sep or not colon or not stamp.isdigit() or not NAME_PATTERN.fullmatch(name):
        raise InvalidArgument(f"Invalid ConsumerARN {arn!r}.")
    return stream_arn, name
