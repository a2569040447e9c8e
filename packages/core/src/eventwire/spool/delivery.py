"""``SpooledDelivery``: feeds a producer from its spool and settles receipts back into it."""

from __future__ import annotations

import collections
import contextlib
import functools
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

Row = tuple[int, "Record", "Event | None", "Future[PublishResult] | None"]
"""A record to feed: its number, the record, and its event and caller's future when known."""


class SpooledDelivery:
    """A producer's disk-backed front: ``publish`` returns once the record is durable.

    A feeder thread hands spooled records to the producer's in-memory engine
    (``enqueue``), never more than the producer's buffer holds, so that buffer
    never fills: first what an earlier run left in the spool, then this run's
    records in sequence order, from memory while at most ``buffer_records`` of
    them wait and from the spool once more do. Receipts remove records from
    the spool, final failures move them to the dead letters; failures while
    stopping (the producer abandons what it holds) leave them spooled for the
    next start. Thread-safe.
    """

    def __init__(
        self,
        spool: Spool,
        enqueue: Callable[[Sequence[tuple[Record, Event | None, Future[PublishResult]]]], None],
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
        # read back from the spool from _spilled_from on.
        self._memory: collections.deque[Row] = collections.deque()
        self._memory_bytes = 0
        self._spilled_from: int | None = None
        self._backlog = True  # an earlier run's records may wait in the spool
        self._done: list[tuple[int, PublishResult]] = []
        self._outstanding = self._outstanding_bytes = 0
        self._fed_through = 0
        self._unfed = True
        self._stopping = False
        self._closing = False
        self._idle = False
        spool.on_commit = self._committed
        self._thread = threading.Thread(target=self._run, name="eventwire-spool", daemon=True)
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
        spool.append((record,), functools.partial(self._assigned, future, event))
        return future

    def _assigned(
        self, future: Future[PublishResult], event: Event | None, added: list[tuple[int, Record]]
    ) -> None:
        """Register a just-numbered record (under the spool's lock, in sequence order)."""
        with self._cond:
            for seq, record in added:
                if self._spilled_from is None and (
                    len(self._memory) < self._settings.buffer_records
                    and self._memory_bytes < self._settings.buffer_bytes
                ):
                    self._memory.append((seq, record, event, future))
                    self._memory_bytes += record.size
                    continue
                if self._spilled_from is None:
                    self._spilled_from = seq
                self._futures[seq] = future
                self._last_assigned = seq
            self._unfed = True
            if self._idle:
                self._cond.notify_all()

    def _committed(self) -> None:
        """Spooled records became readable: wake the feeder if it reads them back."""
        with self._cond:
            if self._idle and (self._spilled_from is not None or self._backlog):
                self._unfed = True
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
        while True:
            with self._cond:
                while not self._stopping and not self._done and not (
                    self._unfed and self._room()
                ):  # fmt: skip
                    self._idle = True
                    self._cond.wait()
                self._idle = False
                if self._stopping:
                    return
                done, self._done = self._done, []
                room, self._unfed = self._room(), False
            try:
                self._settle(done)
                if room:
                    self._feed(min(room, limit))
            except Exception:
                # A bug must not stop delivery for good without a word: say so, go on.
                _LOGGER.exception("eventwire spool feeder failed; retrying in 1 s")
                time.sleep(1.0)
                with self._cond:
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
        with self._cond:
            rows: list[Row] = [self._memory.popleft() for _ in range(min(limit, len(self._memory)))]
            self._memory_bytes -= sum(row[1].size for row in rows)
            spilled = self._spilled_from
        if rows or spilled is None:
            return rows
        read = self.spool.read(max(self._fed_through, spilled - 1), limit)
        with self._cond:
            last = read[-1][0] if read else self._fed_through
            if last >= self._last_assigned:
                self._spilled_from = None  # caught up: new records stay in memory again
            return [(seq, record, None, self._futures.pop(seq, None)) for seq, record in read]

    def _feed(self, limit: int) -> None:
        try:
            rows = self._next_rows(limit)
        except EventwireError:
            # The records stay in the spool: the next pass (or start) sends them.
            time.sleep(0.1)
            with self._cond:
                self._unfed = True
            return
        if not rows:
            return
        nbytes = sum(row[1].size for row in rows)
        with self._cond:
            # Counted before they go: their receipts may come back at once.
            self._outstanding += len(rows)
            self._outstanding_bytes += nbytes
            self._unfed = True
        futures = [future or self._new_future() for _, _, _, future in rows]
        try:
            self._enqueue([(row[1], row[2], f) for row, f in zip(rows, futures, strict=True)])
        except EventwireError:
            # Only a closing producer refuses: the records stay in the spool for the next start.
            with self._cond:
                self._outstanding -= len(rows)
                self._outstanding_bytes -= nbytes
            return
        self._fed_through = rows[-1][0]
        for (seq, record, _, _), future in zip(rows, futures, strict=True):
            future.add_done_callback(functools.partial(self._delivered, seq, record.size))

    def _delivered(self, seq: int, size: int, future: Future[PublishResult]) -> None:
        result = future.result()
        with self._cond:
            self._outstanding -= 1
            self._outstanding_bytes -= size
            self._done.append((seq, result))
            if self._idle:
                self._cond.notify_all()

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
