"""The relay's SQL: claim buckets, read their rows in order, mark, delete, dead-letter."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, exists, func, select, update

from eventwire.errors import ConfigurationError
from eventwire.outcomes import describe, fails_for_good
from eventwire.records import PublishFailure, Record

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Delete, Row, Select, Update

    from eventwire.outbox.schema import OutboxTables
    from eventwire.outbox.writer import Outbox
    from eventwire.records import PublishResult

_log = logging.getLogger("eventwire.outbox")


@dataclass(slots=True)
class RelayStats:
    """A relay's counters (a snapshot when read through ``OutboxRelay.stats``).

    Attributes:
        delivered: rows published and deleted.
        dead: rows that failed for good and were kept as dead letters (``error`` set).
        redelivered: rows published again because a relay died between publishing
            them and deleting them: the only way a row reaches the stream twice.
        batches: claims that found rows.
    """

    delivered: int = 0
    dead: int = 0
    redelivered: int = 0
    batches: int = 0

    def copy(self) -> RelayStats:
        """An independent snapshot."""
        return RelayStats(self.delivered, self.dead, self.redelivered, self.batches)


@dataclass(slots=True)
class Outcome:
    """What became of one claimed batch."""

    delivered: list[int] = field(default_factory=list)
    dead: list[dict[str, object]] = field(default_factory=list)
    kept: int = 0


def relay_parts(
    outbox: Outbox | None, batch_size: int, buckets_per_claim: int, poll_interval: float
) -> tuple[Outbox, Claims]:
    """The outbox (default ``Outbox()``) and statement builder of a relay, settings checked.

    Raises:
        ConfigurationError: a setting is out of range.
    """
    from eventwire.outbox.schema import BUCKETS
    from eventwire.outbox.writer import Outbox

    for name, value in (("batch_size", batch_size), ("buckets_per_claim", buckets_per_claim)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigurationError(
                f"invalid outbox relay settings: {name} must be a whole number, got {value!r}"
            )
    if not isinstance(poll_interval, int | float) or isinstance(poll_interval, bool):
        raise ConfigurationError(
            f"invalid outbox relay settings: poll_interval must be seconds, got {poll_interval!r}"
        )
    problems = []
    if not 1 <= batch_size <= 10_000:
        problems.append(f"batch_size must be 1 to 10000, got {batch_size}")
    if not 1 <= buckets_per_claim <= BUCKETS:
        problems.append(f"buckets_per_claim must be 1 to {BUCKETS}, got {buckets_per_claim}")
    if poll_interval <= 0:
        problems.append(f"poll_interval must be positive, got {poll_interval}")
    if problems:
        raise ConfigurationError("invalid outbox relay settings: " + "; ".join(problems))
    outbox = outbox or Outbox()
    return outbox, Claims(outbox.tables, batch_size, buckets_per_claim)


class Claims:
    """Builds the relay's statements for one pair of outbox tables.

    Ordering rests on the buckets: a relay holds ``FOR UPDATE SKIP LOCKED`` on
    the bucket rows it claimed until its transaction ends, so no other relay
    reads rows of those buckets, and every partition key lives in one bucket.
    SQLite ignores the row lock, which is why it supports a single relay.
    """

    def __init__(self, tables: OutboxTables, batch_size: int, buckets_per_claim: int) -> None:
        self.tables = tables
        self.batch_size = batch_size
        self.buckets_per_claim = buckets_per_claim

    def claim(self) -> Select[Any]:
        """Up to ``buckets_per_claim`` unlocked buckets that hold live rows, in random order."""
        events, buckets = self.tables.events, self.tables.buckets
        live = exists().where(events.c.bucket == buckets.c.bucket, events.c.error.is_(None))
        return (
            select(buckets.c.bucket)
            .where(live)
            # Random order spreads relays over the buckets and starves none.
            .order_by(func.random())
            .limit(self.buckets_per_claim)
            .with_for_update(skip_locked=True, of=buckets)
        )

    def fetch(self, buckets: Sequence[int]) -> Select[Any]:
        """The oldest live rows of ``buckets``, in insertion order."""
        events = self.tables.events
        return (
            select(
                events.c.id,
                events.c.partition_key,
                events.c.explicit_hash_key,
                events.c.event_id,
                events.c.event_type,
                events.c.ordered,
                events.c.data,
                events.c.attempts,
            )
            .where(events.c.bucket.in_(buckets), events.c.error.is_(None))
            .order_by(events.c.id)
            .limit(self.batch_size)
        )

    def mark(self, ids: Sequence[int]) -> Update:
        """Count one more attempt on ``ids`` (committed before they are published)."""
        events = self.tables.events
        return update(events).where(events.c.id.in_(ids)).values(attempts=events.c.attempts + 1)

    def delete(self, ids: Sequence[int]) -> Delete:
        """Remove delivered rows."""
        events = self.tables.events
        return delete(events).where(events.c.id.in_(ids))

    def dead(self) -> Update:
        """Keep a failed row as a dead letter (executemany with ``row_id`` and ``reason``)."""
        events = self.tables.events
        return (
            update(events)
            .where(events.c.id == bindparam("row_id"))
            .values(error=bindparam("reason"))
        )

    def revive(self) -> Update:
        """Clear every dead letter so relays send those rows again."""
        events = self.tables.events
        return update(events).where(events.c.error.is_not(None)).values(error=None)


def count_resent(stats: RelayStats, table: str, attempts: Sequence[int]) -> None:
    """Count (and log) rows an earlier relay marked, then died before deleting."""
    resent = sum(1 for attempt in attempts if attempt > 0)
    if resent:
        stats.redelivered += resent
        # A warning, so an operator sees that the stream may hold these twice.
        _log.warning(
            "outbox %s: sending %d row(s) again that a stopped relay may have delivered "
            "(redelivered=%d)", table, resent, stats.redelivered,
        )  # fmt: skip


def record_of(row: Row[tuple[object, ...]]) -> Record:
    """The record a fetched row holds."""
    mapping = row._mapping
    return Record(
        data=bytes(mapping["data"]),
        partition_key=mapping["partition_key"],
        explicit_hash_key=mapping["explicit_hash_key"],
        event_id=mapping["event_id"],
        event_type=mapping["event_type"],
        ordered=bool(mapping["ordered"]),
    )


def sort_out(
    ids: Sequence[int], results: Sequence[PublishResult | None], *, stopping: bool
) -> Outcome:
    """Split a batch's results into rows to delete, dead letters, and rows to keep.

    Errors that retrying cannot fix (the record, the permissions, the stream, a
    ``record_ttl`` expiry) make dead letters; anything else, and every failure
    while the relay is stopping (its producer abandons what it holds), keeps the
    row for a later claim.
    """
    outcome = Outcome()
    for row_id, result in zip(ids, results, strict=True):
        if result is None:
            outcome.kept += 1  # unsettled when the relay stopped
        elif not isinstance(result, PublishFailure):
            outcome.delivered.append(row_id)
        elif stopping or not fails_for_good(result.error):
            outcome.kept += 1
        else:
            outcome.dead.append({"row_id": row_id, "reason": describe(result.error)})
    return outcome
