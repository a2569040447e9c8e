"""``--from``: where ``eventwire tail`` starts reading each shard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from eventwire import ConfigurationError

Kind = Literal[
    "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"
]

# The Kinesis API reference, SequenceNumber: "^0|([1-9]\d{0,128})$".
_MAX_SEQUENCE_DIGITS = 129


@dataclass(frozen=True, slots=True)
class Position:
    """A starting point: a ShardIteratorType and its timestamp or sequence number."""

    kind: Kind
    timestamp: datetime | None = None
    sequence_number: str | None = None

    @classmethod
    def parse(cls, text: str) -> Position:
        """Parse ``trim-horizon``, ``latest``, an ISO 8601 time or a sequence number.

        A time without a zone is UTC.

        Raises:
            ConfigurationError: none of these.
        """
        value = text.strip()
        lowered = value.lower().replace("_", "-")
        if lowered == "trim-horizon":
            return cls("TRIM_HORIZON")
        if lowered == "latest":
            return cls("LATEST")
        if value.isdigit() and len(value) <= _MAX_SEQUENCE_DIGITS and len(value) > 4:
            return cls("AT_SEQUENCE_NUMBER", sequence_number=value)
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(
                f"--from {text!r}: expected trim-horizon, latest, an ISO 8601 time "
                "(2026-12-01T09:30:00Z) or a sequence number"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return cls("AT_TIMESTAMP", timestamp=moment)
