"""``AsyncOutboxRelay``: the outbox relay for asyncio engines and the ``AsyncProducer``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from eventwire.outbox.claims import RelayStats, count_resent, record_of, relay_parts, sort_out
from eventwire.outbox.relay import (
    DEFAULT_BATCH,
    DEFAULT_BUCKETS_PER_CLAIM,
    DEFAULT_POLL,
    STOP_POLL,
    relay_error,
)
from eventwire.outbox.single import sqlite_relay_lock

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from eventwire.outbox.writer import Outbox
    from eventwire.producer import AsyncProducer
    from eventwire.records import PublishResult


class AsyncOutboxRelay:
    """``OutboxRelay`` on an ``AsyncEngine`` and an ``AsyncProducer``: same claims, same counts.

    One task calls ``run``/``run_once``; ``stop`` may be called from any task
    of the same loop.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        producer: AsyncProducer,
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
        self._stopping = False

    def close(self) -> None:
        """Release the SQLite relay lock, if held (idempotent); the relay is done."""
        if self._lock is not None:
            self._lock.release()

    async def __aenter__(self) -> AsyncOutboxRelay:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def stats(self) -> RelayStats:
        """A snapshot of the relay's counters."""
        return self._stats.copy()

    async def run_once(self) -> int:
        """Claim, publish and delete one batch; the rows delivered (0 when none were ready).

        Raises:
            OutboxError: the database failed (the cause says why).
        """
        claims = self._claims
        try:
            async with self._engine.connect() as claim, claim.begin():
                buckets = list((await claim.execute(claims.claim())).scalars())
                if not buckets:
                    return 0
                rows = (await claim.execute(claims.fetch(buckets))).all()
                if not rows:
                    return 0
                ids = [row.id for row in rows]
                # Committed before publishing, as in OutboxRelay.run_once.
                async with self._engine.begin() as marking:
                    await marking.execute(claims.mark(ids))
                count_resent(self._stats, self.outbox.table, [row.attempts for row in rows])
                futures = [await self._producer.publish_record(record_of(row)) for row in rows]
                results = await self._results(futures)
                outcome = sort_out(ids, results, stopping=self._stopping)
                if outcome.delivered:
                    await claim.execute(claims.delete(outcome.delivered))
                if outcome.dead:
                    await claim.execute(claims.dead(), outcome.dead)
        except SQLAlchemyError as exc:
            raise relay_error(self.outbox, exc) from exc
        self._stats.batches += 1
        self._stats.delivered += len(outcome.delivered)
        self._stats.dead += len(outcome.dead)
        return len(outcome.delivered)

    async def _results(
        self, futures: list[asyncio.Future[PublishResult]]
    ) -> list[PublishResult | None]:
        """The batch's results; None for records still unsettled when ``stop`` was asked."""
        waiting = set(futures)
        while waiting:
            _, waiting = await asyncio.wait(waiting, timeout=STOP_POLL)
            if waiting and self._stopping:
                break
        return [future.result() if future.done() else None for future in futures]

    async def run(self) -> None:
        """Relay until ``stop`` is called."""
        while not self._stopping:
            if await self.run_once() == 0:
                await asyncio.sleep(self._poll)

    async def drain(self) -> int:
        """Relay until no ready row is left; the rows delivered."""
        total = 0
        while sent := await self.run_once():
            total += sent
        return total

    def stop(self) -> None:
        """Ask ``run`` to return after the batch in hand."""
        self._stopping = True

    def __repr__(self) -> str:
        return f"<AsyncOutboxRelay table={self.outbox.table!r} stats={self._stats}>"
