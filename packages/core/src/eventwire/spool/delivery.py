"""``SpooledDelivery``: feeds a producer from its spool and settles receipts back into it."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING

from eventwire.errors import (
    ConfigurationError,
    EventwireError,
    ProducerFullError,
    PublisherClosedError,
)
from eventwire.outcomes import describe
from eventwire.records import PublishFailure

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from eventwire.events import Event
    from eventwire.producer.items import Resolved
    from eventwire.producer.settings import ProducerSettings
    from eventwire.records import PublishResult, Record
    from eventwire.spool.settings import SpoolSettings
    from eventwire.spool.store import Spool


def open_spool(
    directory: str | os.PathLike[str] | None, settings: SpoolSettings | None, background: bool
) -> Spool | None:
    """The spool a producer asked for, if any.

    Raises:
        ConfigurationError: a spool without background sending, or settings without a spool.
        SpoolLockedError: another producer uses the directory.
    """
    if directory is None:
        if settings is not None:
            raise ConfigurationError("spool_settings were given without spool=<directory>")
        return None
    if not isinstance(directory, str | os.PathLike) or not str(directory):
        raise ConfigurationError(f"spool must be a directory path, not {directory!r}")
    if not background:
        raise ConfigurationError(
            "a spooled producer sends from its own threads: spool= needs background=True"
        )
    from eventwire.spool.store import Spool

    return Spool(directory, settings)


_LOGGER = logging.getLogger("eventwire.spool")
GATHER = 0.002
"""Seconds at most the feeder lets publishers' records gather once it has caught up."""

Row = tuple[int, "Record", "Event | None", "Future[PublishResult] | None"]
"""A record to feed: its number, the record, and its event and caller's future when known."""

Fed = tuple[int, "Record", "Event | None", "Future[PublishResult]"]
"""A record handed to the producer: a ``Row`` with a future for certain."""


class SpooledDelivery:
    """A producer's disk-backed front: ``publish`` returns once the record is durable.

    A feeder thread hands spooled records to the producer's in-memory engine
    (``enqueue``), never more than the producer's buffer holds, so that buffer
    never fills: first what an earlier run left in the spool, then this run's
    records in sequence order, from memory while at most ``buffer_records`` of
    them wait and from the spool once more do. Receipts remove records from
    the spool, final failures move them to the dead letters; failures while
    stopping (the producer abandons what it holds) leave them spooled for the
    next start. ``start`` the feeder once the producer passes outcomes to
    ``resolved``. Thread-safe.

    Publishers take one lock, the spool's: what they hand the feeder (the
    memory queue, spilled futures, counters only they write) is ordered by it,
    and the feeder takes from the queue without it. Measured, a second lock
    per publish, held by the feeder while it took a thousand rows, queued the
    publishers behind it and halved their rate.
    """

    def __init__(
        self,
        spool: Spool,
        enqueue: Callable[[Sequence[Fed]], None],
        new_future: Callable[[], Future[PublishResult]],
        settings: ProducerSettings,
    ) -> None:
        self.spool = spool
        self._enqueue = enqueue
        self._new_future = new_future
        self._settings = settings
        self._cond = threading.Condition(threading.Lock())
        # Futures of spilled records (those in memory travel with their record).
        self._futures: dict[int, Future[PublishResult]] = {}
        self._first_own = spool.next_seq
        self._last_assigned = self._first_own - 1
        # This run's records not fed yet, in sequence order; past the cap they are
        # read back from the spool from _spilled_from on. Publishers append and
        # count in (under the spool's lock), the feeder pops and counts out.
        self._memory: collections.deque[Row] = collections.deque()
        self._memory_in_bytes = self._memory_out_bytes = 0
        self._spilled_from: int | None = None
        self._backlog = True  # an earlier run's records may wait in the spool
        self._done: list[tuple[int, PublishResult]] = []
        self._outstanding = self._outstanding_bytes = 0
        self._fed_through = 0
        self._unfed = True
        self._stopping = False
        self._closing = False
        # Set by the feeder before it checks for work, so a publisher that finds it
        # clear knows the feeder will see its record without a wake-up.
        self._idle = False
        spool.on_commit = self._wake
        self._thread = threading.Thread(target=self._run, name="eventwire-spool", daemon=True)

    def start(self) -> None:
        """Start the feeder thread."""
        self._thread.start()

    # -- publishing -------------------------------------------------------------------

    def publish(self, record: Record, event: Event | None = None) -> Future[PublishResult]:
        """Make ``record`` durable in the spool; a future for its delivery.

        Raises:
            ProducerFullError: the spool is at ``max_bytes`` (at once under
                ``when_full="raise"``, after ``block_timeout`` under ``"block"``).
            SpoolError: the record could not be stored.
            PublisherClosedError: the producer is closing.
        """
        if self._closing:
            raise PublisherClosedError("this Producer is closed; create a new one")
        spool, settings, size = self.spool, self._settings, record.size
        if not spool.has_room(size) and not (
            settings.when_full == "block" and spool.wait_for_room(size, settings.block_timeout)
        ):
            counts = spool.counts()
            raise ProducerFullError(
                counts.records, counts.nbytes + counts.dead_bytes, counts.records,
                spool.settings.max_bytes,
                spool=str(spool.directory),
            )  # fmt: skip
        # The producer's own kind of future: its senders resolve it directly.
        future = self._new_future()
        spool.append_one(record, self._assigned, (event, future))
        if self._idle:
            self._wake()
        return future

    def returns_at_once(self, max_record_size: int) -> bool:
        """Whether ``publish`` of a record up to ``max_record_size`` bytes returns without waiting.

        True under fsync ``"batch"`` (a memory copy) unless the spool is too full
        for such a record while ``when_full="block"`` would wait for room.
        """
        if self.spool.settings.fsync != "batch":
            return False
        return self._settings.when_full != "block" or self.spool.has_room(max_record_size)

    def _assigned(
        self,
        seq: int,
        record: Record,
        context: tuple[Event | None, Future[PublishResult]],
    ) -> None:
        """Register a just-numbered record (under the spool's lock, in sequence order)."""
        settings, memory = self._settings, self._memory
        if self._spilled_from is None and (
            len(memory) < settings.buffer_records
            and self._memory_in_bytes - self._memory_out_bytes < settings.buffer_bytes
        ):
            memory.append((seq, record, *context))
            self._memory_in_bytes += record.size
        else:
            if self._spilled_from is None:
                self._spilled_from = seq
            self._futures[seq] = context[1]
            self._last_assigned = seq
        self._unfed = True

    def _wake(self) -> None:
        """Records may wait to be fed: wake the feeder if it sleeps (any thread, no lock held)."""
        self._unfed = True
        with self._cond:
            if self._idle:
                # Once is enough: later publishers see it clear and go on.
                self._idle = False
                self._cond.notify_all()

    def resolved(self, resolved: Resolved) -> None:
        """Take a settled request's outcomes from the producer (its sender threads)."""
        with self._cond:
            for item, result in resolved:
                self._done.append((item.tag, result))
                self._outstanding -= 1
                self._outstanding_bytes -= item.size
            if self._idle:
                self._cond.notify_all()

    # -- the feeder thread ------------------------------------------------------------

    def _room(self) -> int:
        """Records the producer's buffer can take now (lock held)."""
        settings = self._settings
        if self._outstanding_bytes >= settings.buffer_bytes:
            return 0
        return max(0, settings.buffer_records - self._outstanding)

    def _run(self) -> None:
        limit = self.spool.settings.read_batch
        # Caught up with the publishers, the feeder lets a few of their records
        # gather before the next pass: fed one at a time (as it was, measured),
        # each record cost a pass, a lock and a sender wake-up, and four
        # publishing threads lost half their rate to it. A small share of the
        # producer's own linger, so a record waits at most that much longer.
        gather = min(self._settings.linger / 4, GATHER)
        while True:
            with self._cond:
                while True:
                    self._idle = True
                    if self._stopping or self._done or (self._unfed and self._room()):
                        break
                    self._cond.wait()
                self._idle = False
                if self._stopping:
                    return
                done, self._done = self._done, []
                room, self._unfed = self._room(), False
            try:
                self._settle(done)
                fed = self._feed(min(room, limit)) if room else 0
                if 0 < fed < limit and gather:
                    time.sleep(gather)
            except Exception:
                # A bug must not stop delivery for good without a word: say so, go on.
                _LOGGER.exception("eventwire spool feeder failed; retrying in 1 s")
                time.sleep(1.0)
                self._unfed = True

    def _next_rows(self, limit: int) -> list[Row]:
        """The next records to feed, in sequence order (feeder thread).

        Records read back from the spool come without their event: the
        ``eventwire_after_publish`` hooks see only those fed from memory.
        """
        if self._backlog:
            stored = self.spool.read(self._fed_through, limit)
            earlier: list[Row] = [
                (seq, record, None, None) for seq, record in stored if seq < self._first_own
            ]
            if len(earlier) < limit:
                self._backlog = False
            if earlier:
                return earlier
        # Read before popping: records spill only once the queue is full, so if the
        # spill began before this pass, every record still queued is older than it;
        # one that began after may be younger than a record just queued, and waits
        # for the next pass (per-key order).
        spilled = self._spilled_from
        memory = self._memory
        rows: list[Row] = [memory.popleft() for _ in range(min(limit, len(memory)))]
        if rows:
            self._memory_out_bytes += sum(row[1].size for row in rows)
            return rows
        if spilled is None:
            return rows
        read = self.spool.read(max(self._fed_through, spilled - 1), limit)
        with self.spool.lock:
            last = read[-1][0] if read else self._fed_through
            if last >= self._last_assigned:
                self._spilled_from = None  # caught up: new records stay in memory again
        futures = self._futures
        return [(seq, record, None, futures.pop(seq, None)) for seq, record in read]

    def _feed(self, limit: int) -> int:
        """Hand the producer up to ``limit`` records; how many it took."""
        try:
            rows = self._next_rows(limit)
        except EventwireError:
            # The records stay in the spool: the next pass (or start) sends them.
            time.sleep(0.1)
            self._unfed = True
            return 0
        if not rows:
            return 0
        nbytes = sum(row[1].size for row in rows)
        with self._cond:
            # Counted before they go: their receipts may come back at once.
            self._outstanding += len(rows)
            self._outstanding_bytes += nbytes
        self._unfed = True
        new_future = self._new_future
        fed: list[Fed] = [(seq, rec, event, fut or new_future()) for seq, rec, event, fut in rows]
        try:
            self._enqueue(fed)
        except EventwireError:
            # Only a closing producer refuses: the records stay in the spool for the next start.
            with self._cond:
                self._outstanding -= len(rows)
                self._outstanding_bytes -= nbytes
            return 0
        self._fed_through = rows[-1][0]
        return len(rows)

    def _settle(self, done: list[tuple[int, PublishResult]]) -> None:
        """Remove delivered records, bury failed ones, commit (feeder or closing thread)."""
        if not done:
            return
        removed = []
        for seq, result in done:
            if not isinstance(result, PublishFailure):
                removed.append(seq)
            elif not self._stopping:
                # The producer only gives up on a record for good (retryable
                # errors are retried until record_ttl or close).
                self.spool.bury(seq, describe(result.error))
        self.spool.remove(removed)
        if not self.spool.commits_in_background:
            # On failure they stay queued in the spool: the next commit writes them.
            with contextlib.suppress(EventwireError):
                self.spool.sync()
        with self._cond:
            self._cond.notify_all()

    # -- flushing and closing ---------------------------------------------------------

    def flush(self, timeout: float | None) -> bool:
        """Wait until the spool is empty (everything delivered or dead); whether it emptied."""
        deadline = None if timeout is None else time.monotonic() + timeout
        # The spool is asked outside the condition: the spool calls in under its own lock.
        while self.spool.counts().records:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            with self._cond:
                self._cond.wait(0.05 if remaining is None else min(remaining, 0.05))
        return True

    def close(
        self, timeout: float, close_buffer: Callable[[float], list[PublishFailure]]
    ) -> list[PublishFailure]:
        """Deliver for up to ``timeout`` seconds, then stop; undelivered records stay spooled.

        Idempotent: later calls return ``[]``.
        """
        with self._cond:
            if self._closing:
                return []
            self._closing = True
        deadline = time.monotonic() + timeout
        self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(max(0.0, deadline - time.monotonic()))
        failures = close_buffer(max(0.0, deadline - time.monotonic()))
        with self._cond:
            done, self._done = self._done, []
        self._settle(done)
        self.spool.close()
        return failures
