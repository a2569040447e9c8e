"""``OutboxRelay``: publishes committed outbox rows through a ``Producer``, then deletes them."""

from __future__ import annotations

import threading
from concurrent.futures import wait
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from eventwire.outbox.claims import (
    Claims,
    RelayStats,
    count_resent,
    record_of,
    relay_parts,
    sort_out,
)
from eventwire.outbox.single import sqlite_relay_lock
from eventwire.outbox.writer import database_error

if TYPE_CHECKING:
    from concurrent.futures import Future

    from sqlalchemy import Engine

    from eventwire.errors import OutboxError
    from eventwire.outbox.writer import Outbox
    from eventwire.producer import Producer
    from eventwire.records import PublishResult

DEFAULT_BATCH = 500
DEFAULT_BUCKETS_PER_CLAIM = 8
DEFAULT_POLL = 0.2
STOP_POLL = 0.5
"""Seconds between looks at the stop flag while a batch is being delivered."""


class OutboxRelay:
    """Moves committed outbox rows to the stream: claim, publish, delete; safe to run several.

    Each claim locks up to ``buckets_per_claim`` buckets (``FOR UPDATE SKIP
    LOCKED`` on PostgreSQL), reads their oldest ``batch_size`` rows in insertion
    order, commits one more ``attempts`` on them, publishes them through
    ``producer`` (which keeps per-key order) and deletes the delivered ones in
    the claiming transaction. A relay killed after publishing and before that
    commit leaves the rows in place: they are sent again and counted in
    ``stats.redelivered``. SQLite takes no row locks: a relay on a SQLite file
    holds a lock beside it until ``close``, and a second one gets an
    ``OutboxError``.
    Not thread-safe: one thread calls ``run``/``run_once``; ``stop`` from anywhere.

    Raises:
        OutboxError: another relay relays this table of the same SQLite file.

    Args:
        engine: the database holding the outbox tables.
        producer: publishes the rows; the caller owns (and closes) it.
        outbox: names the tables (default: ``Outbox()``'s).
        batch_size: rows published per claim.
        buckets_per_claim: buckets one claim locks (of 64).
        poll_interval: seconds ``run`` waits when there is nothing to send.
    """

    def __init__(
        self,
        engine: Engine,
        producer: Producer,
        *,
        outbox: Outbox | None = None,
        batch_size: int = DEFAULT_BATCH,
        buckets_per_claim: int = DEFAULT_BUCKETS_PER_CLAIM,
        poll_interval: float = DEFAULT_POLL,
    ) -> None:
        self.outbox, self._claims = relay_parts(
            outbox, batch_size, buckets_per_claim, poll_interval
        )
        self._lock = sqlite_relay_lock(engine.url, self.outbox.table)
        self._engine = engine
        self._producer = producer
        self._poll = poll_interval
        self._stats = RelayStats()
        self._stop = threading.Event()

    def close(self) -> None:
        """Release the SQLite relay lock, if held (idempotent); the relay is done."""
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> OutboxRelay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def stats(self) -> RelayStats:
        """A snapshot of the relay's counters."""
        return self._stats.copy()

    def run_once(self) -> int:
        """Claim, publish and delete one batch; the rows delivered (0 when none were ready).

        Raises:
            OutboxError: the database failed (the cause says why).
        """
        claims = self._claims
        try:
            with self._engine.connect() as claim, claim.begin():
                buckets = list(claim.execute(claims.claim()).scalars())
                if not buckets:
                    return 0
                rows = claim.execute(claims.fetch(buckets)).all()
                if not rows:
                    return 0
                ids = [row.id for row in rows]
                # On its own connection, committed at once: a relay that dies from here
                # on leaves attempts > 0 behind, so the next claim can count the resend.
                with self._engine.begin() as marking:
                    marking.execute(claims.mark(ids))
                count_resent(self._stats, self.outbox.table, [row.attempts for row in rows])
                futures = [self._producer.publish_record(record_of(row)) for row in rows]
                results = self._results(futures)
                outcome = sort_out(ids, results, stopping=self._stop.is_set())
                if outcome.delivered:
                    claim.execute(claims.delete(outcome.delivered))
                if outcome.dead:
                    claim.execute(claims.dead(), outcome.dead)
        except SQLAlchemyError as exc:
            raise relay_error(self.outbox, exc) from exc
        self._stats.batches += 1
        self._stats.delivered += len(outcome.delivered)
        self._stats.dead += len(outcome.dead)
        return len(outcome.delivered)

    def _results(self, futures: list[Future[PublishResult]]) -> list[PublishResult | None]:
        """The batch's results; None for records still unsettled when ``stop`` was asked."""
        waiting = set(futures)
        while waiting:
            waiting = wait(waiting, timeout=STOP_POLL).not_done
            # A stream that refuses everything must not keep a stopping relay forever:
            # what is unsettled stays in the outbox and is sent (and counted) again.
            if waiting and self._stop.is_set():
                break
        return [future.result() if future.done() else None for future in futures]

    def run(self) -> None:
        """Relay until ``stop`` is called (a database error ends the loop by raising)."""
        while not self._stop.is_set():
            if self.run_once() == 0:
                self._stop.wait(self._poll)

    def drain(self) -> int:
        """Relay until no ready row is left; the rows delivered."""
        total = 0
        while sent := self.run_once():
            total += sent
        return total

    def stop(self) -> None:
        """Ask ``run`` to return after the batch in hand (thread-safe)."""
        self._stop.set()

    def __repr__(self) -> str:
        return f"<OutboxRelay table={self.outbox.table!r} stats={self._stats}>"


def relay_error(outbox: Outbox, exc: SQLAlchemyError) -> OutboxError:
    """The ``OutboxError`` for a database failure while relaying."""
    return database_error(f"outbox relay on table {outbox.table!r} failed", outbox.table, exc)


def revive_dead(engine: Engine, outbox: Outbox) -> int:
    """Turn every dead letter of ``outbox`` back into a live row; how many were revived.

    Raises:
        OutboxError: the database failed.
    """
    try:
        with engine.begin() as connection:
            return connection.execute(Claims(outbox.tables, 1, 1).revive()).rowcount
    except SQLAlchemyError as exc:
        raise relay_error(outbox, exc) from exc
