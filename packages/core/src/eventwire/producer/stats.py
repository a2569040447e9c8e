"""``ProducerStats``: what a producer has done so far, as plain counters."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ProducerStats:
    """Counters of user records and requests since the producer started.

    ``Producer.stats`` hands out a copy, so a snapshot never changes under you.

    Attributes:
        queued_records: user records accepted into the buffer.
        queued_bytes: their bytes (data plus partition key).
        sent_records: user records delivered (a receipt resolved their future).
        sent_bytes: their bytes.
        retried_records: user records sent again after a retryable failure.
        throttled_records: user records the service throttled (each throttling counts).
        failed_records: user records that resolved to a failure.
        ambiguous_records: user records that met a failure that may have delivered
            them all the same (a lost connection, a request unanswered at ``close``):
            the only source of duplicates. Each record counts once.
        requests: PutRecords requests made.
        kinesis_records: Kinesis records sent (aggregated records count once).
        shard_map_refreshes: times the shard map was read.
        shard_map_failures: times reading the shard map failed (it is retried with backoff).
        errors_by_code: failed delivery attempts of user records by error code (the
            AWS code, or the error's class when it has none), as KPL's ``ErrorsByCode``.
    """

    queued_records: int = 0
    queued_bytes: int = 0
    sent_records: int = 0
    sent_bytes: int = 0
    retried_records: int = 0
    throttled_records: int = 0
    failed_records: int = 0
    ambiguous_records: int = 0
    requests: int = 0
    kinesis_records: int = 0
    shard_map_refreshes: int = 0
    shard_map_failures: int = 0
    errors_by_code: dict[str, int] = field(default_factory=dict)

    def copy(self) -> ProducerStats:
        """A snapshot of these counters."""
        return ProducerStats(
            self.queued_records,
            self.queued_bytes,
            self.sent_records,
            self.sent_bytes,
            self.retried_records,
            self.throttled_records,
            self.failed_records,
            self.ambiguous_records,
            self.requests,
            self.kinesis_records,
            self.shard_map_refreshes,
            self.shard_map_failures,
            dict(self.errors_by_code),
        )
