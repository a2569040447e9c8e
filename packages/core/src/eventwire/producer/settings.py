"""``ProducerSettings``: batching, buffering, pacing and retry knobs, checked once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eventwire.errors import ConfigurationError
from eventwire.limits import MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES

DEFAULT_BATCH_BYTES = 5 * 1024 * 1024
"""Bytes per request by default: half the PutRecords limit, for shorter requests."""

FullPolicy = Literal["block", "raise"]
"""What ``publish`` does when the buffer is full: wait for room (up to a timeout), or raise."""


@dataclass(frozen=True, slots=True)
class ProducerSettings:
    """How a producer batches, buffers, paces and retries (immutable).

    Attributes:
        linger: seconds a record may wait for companions before its batch is sent.
        batch_records: records per PutRecords request (1 to 500).
        batch_bytes: bytes per PutRecords request (up to 10 MiB); a record larger
            than this (within the record size) goes in a request of its own.
        buffer_records: user records held at most (queued and in flight).
        buffer_bytes: bytes of user records held at most.
        when_full: ``"block"`` waits up to ``block_timeout`` for room, ``"raise"`` fails at once;
            both raise ``ProducerFullError`` when there is no room.
        block_timeout: seconds ``publish`` waits for room under ``"block"``.
        aggregate: combine user records bound for one shard into KPL aggregated records.
        aggregation_bytes: largest aggregated record, in bytes (KPL's default is 51,200).
        utilization: fraction of each shard's write quota its pacing window admits per
            second (0 < u <= 1); the window counts a request until a second after its
            answer, so the service's one-second window never holds more.
        pace: pace shards at their write quotas (needs a backend that reports its shards).
        max_in_flight: requests in flight at once, each on shards none of the others
            is writing to; enough for one request per shard at real Kinesis latency.
        record_ttl: seconds after publishing when an undelivered record fails with
            ``DeliveryTimeoutError``; None retries until ``close``.
        retry_base: first pause, in seconds, after a retryable error (doubles while errors repeat).
        retry_cap: longest such pause; short, so a shard (or the shard map) is tried
            again soon after the service comes back.
        exit_timeout: seconds a ``Producer`` still open at interpreter exit is given to
            deliver what it holds (it is closed then; what is left is logged as lost).
    """

    linger: float = 0.05
    batch_records: int = MAX_RECORDS_PER_REQUEST
    batch_bytes: int = DEFAULT_BATCH_BYTES
    buffer_records: int = 100_000
    buffer_bytes: int = 64 * 1024 * 1024
    when_full: FullPolicy = "block"
    block_timeout: float = 30.0
    aggregate: bool = False
    aggregation_bytes: int = 51_200
    utilization: float = 1.0
    pace: bool = True
    max_in_flight: int = 8
    record_ttl: float | None = None
    retry_base: float = 0.1
    retry_cap: float = 1.0
    exit_timeout: float = 30.0

    def __post_init__(self) -> None:
        problems = []
        if self.linger < 0:
            problems.append(f"linger must not be negative, got {self.linger}")
        if not 1 <= self.batch_records <= MAX_RECORDS_PER_REQUEST:
            problems.append(
                f"batch_records must be 1 to {MAX_RECORDS_PER_REQUEST}, got {self.batch_records}"
            )
        if not 1 <= self.batch_bytes <= MAX_REQUEST_BYTES:
            problems.append(f"batch_bytes must be 1 to {MAX_REQUEST_BYTES}, got {self.batch_bytes}")
        if self.buffer_records < 1 or self.buffer_bytes < 1:
            problems.append(
                f"buffer_records and buffer_bytes must be positive, got "
                f"{self.buffer_records} and {self.buffer_bytes}"
            )
        if self.when_full not in ("block", "raise"):
            problems.append(f"when_full must be 'block' or 'raise', got {self.when_full!r}")
        if self.block_timeout < 0:
            problems.append(f"block_timeout must not be negative, got {self.block_timeout}")
        if not 0 < self.utilization <= 1:
            problems.append(f"utilization must be in (0, 1], got {self.utilization}")
        if self.max_in_flight < 1:
            problems.append(f"max_in_flight must be at least 1, got {self.max_in_flight}")
        if self.record_ttl is not None and self.record_ttl <= 0:
            problems.append(f"record_ttl must be positive or None, got {self.record_ttl}")
        if self.retry_base <= 0 or self.retry_cap < self.retry_base:
            problems.append(
                f"need 0 < retry_base <= retry_cap, got {self.retry_base} and {self.retry_cap}"
            )
        if self.exit_timeout < 0:
            problems.append(f"exit_timeout must not be negative, got {self.exit_timeout}")
        if problems:
            raise ConfigurationError("invalid producer settings: " + "; ".join(problems))
