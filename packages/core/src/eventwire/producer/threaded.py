"""``Producer``: buffered, shard-paced, batched publishing with a future per event."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Self

from eventwire.errors import ProducerFullError, PublisherClosedError
from eventwire.producer import exiting
from eventwire.producer.core import REFRESH, Job, ProducerCore
from eventwire.producer.futures import ProducerFuture, resolve_all
from eventwire.producer.items import Batch
from eventwire.records import PublishFailure, PublishResult
from eventwire.yielding import YieldingRLock, condition_on

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from types import TracebackType

    import pluggy

    from eventwire.backend import Backend
    from eventwire.events import Event
    from eventwire.producer.clock import Clock
    from eventwire.producer.items import Resolved
    from eventwire.producer.settings import ProducerSettings
    from eventwire.producer.stats import ProducerStats
    from eventwire.records import Record
    from eventwire.spool.delivery import SpooledDelivery
    from eventwire.spool.settings import SpoolSettings


def _close_reason(timeout: float) -> str:
    return f"the producer was closed ({timeout:g} s given) before it could be delivered"


_STOP = "stop"


class Producer:
    """Publishes events in the background: ``publish`` returns a future at once; thread-safe.

    Records are buffered per predicted shard, sent in PutRecords batches when a
    batch fills or the oldest record has lingered ``settings.linger`` seconds,
    paced per shard at the write quotas, retried when throttled or failed
    retryably, and kept in publish order per partition key. Every future
    resolves to a ``PublishReceipt`` or a ``PublishFailure``, never an exception.

    With ``background=False`` no thread is started: records are sent only by
    ``pump``, ``flush``, ``close`` and a ``publish`` that waits for room, all in
    the caller's thread, and time passes only through ``clock`` (its ``sleep``
    is called while pacing) -- deterministic with a manual clock. A background
    producer waits in real time, so give it a real clock.

    Args:
        backend: a backend instance or name, as for ``Publisher``.
        stream: the stream, as for ``Publisher``.
        source: the CloudEvents ``source`` for events without one.
        max_record_size: bytes of data plus partition key allowed per record.
        plugins: plugins for this producer only.
        plugin_manager: the plugin manager to use.
        settings: batching, buffering, pacing and retry settings.
        clock: where time comes from (default: ``time.monotonic``).
        background: send from a background thread (default) or only when driven.
        spool: a directory for a disk spool: ``publish`` then returns once the record
            is committed there, and records survive a crash of the process (see
            docs/durability.md). Needs ``background=True``.
        spool_settings: the spool's fsync policy and size cap.
        **backend_options: passed to the plugin that builds a named backend.

    Raises:
        SpoolLockedError: another producer uses the spool directory.
    """

    def __init__(
        self,
        backend: Backend | str | None = None,
        *,
        stream: str | None = None,
        source: str | None = None,
        max_record_size: int | None = None,
        plugins: Iterable[object] = (),
        plugin_manager: pluggy.PluginManager | None = None,
        settings: ProducerSettings | None = None,
        clock: Clock | None = None,
        background: bool = True,
        spool: str | os.PathLike[str] | None = None,
        spool_settings: SpoolSettings | None = None,
        **backend_options: Any,
    ) -> None:
        # The spool is opened first: a refused directory must not leave threads behind.
        spooled = None
        if spool is not None or spool_settings is not None:
            # Loaded only for a spool: plain producers never import sqlite3 or mmap.
            from eventwire.spool.delivery import open_spool

            spooled = open_spool(spool, spool_settings, background)
        try:
            self._core = ProducerCore(
                backend,
                stream=stream,
                source=source,
                max_record_size=max_record_size,
                plugins=plugins,
                plugin_manager=plugin_manager,
                settings=settings,
                clock=clock,
                backend_options=backend_options,
            )
        except BaseException:
            if spooled is not None:
                spooled.close()
            raise
        self._engine = self._core.engine
        self._clock = self._core.clock
        self._spooled: SpooledDelivery | None = None
        # Told of every settled request's records at once: the spool settles a
        # request's worth under one lock instead of a done-callback per future.
        self._on_resolved: Callable[[Resolved], None] | None = None
        # Publishing threads share this lock for every record (see eventwire.yielding).
        lock = YieldingRLock()
        # Publishers, flush and the leading sender wait on _cond; the other idle
        # senders on _followers, so a change wakes one sender, not all of them.
        self._cond = condition_on(lock)
        self._followers = condition_on(lock)
        # Every future of this producer waits on this one (see ProducerFuture).
        self._settled = threading.Condition()
        self._closing = False
        self._closed = False
        self._exiting = False
        self._abort = False
        self._flushing = 0
        self._resolving = 0
        self._background = background
        self._threads: list[threading.Thread] = []
        self._live = 0  # sender threads not yet ended
        self._leading = False
        self._following = 0
        if background:
            with self._cond:
                self._grow()
        exiting.track(self)
        if spooled is not None:
            from eventwire.spool.delivery import SpooledDelivery

            self._spooled = SpooledDelivery(
                spooled, self._enqueue_many, self._new_future, self._core.settings
            )
            self._on_resolved = self._spooled.resolved
            self._spooled.start()

    @property
    def core(self) -> ProducerCore:
        """The parts shared with ``AsyncProducer`` (which sends through this one when spooled)."""
        return self._core

    @property
    def backend(self) -> Backend:
        """The backend records are sent through."""
        return self._core.backend

    @property
    def settings(self) -> ProducerSettings:
        """This producer's settings."""
        return self._core.settings

    @property
    def stats(self) -> ProducerStats:
        """A snapshot of the producer's counters."""
        with self._cond:
            return self._engine.stats.copy()

    # -- publishing -------------------------------------------------------------------

    def publish(self, event: Event) -> Future[PublishResult]:
        """Queue ``event``; the future resolves to its receipt or failure.

        An event that is invalid or rejected by a plugin gets an already
        resolved future holding the failure.

        Raises:
            ProducerFullError: no room in the buffer (at once under ``when_full="raise"``,
                or after ``block_timeout`` seconds under ``"block"``).
            PublisherClosedError: the producer is closed or closing.
        """
        self._check_open()
        prepared = self._core.prepare(event)
        if isinstance(prepared, PublishFailure):
            return _resolved(prepared)
        if self._spooled is not None:
            return self._spooled.publish(*prepared)
        return self._enqueue(*prepared)

    def _publishes_at_once(self) -> bool:
        """Whether ``publish`` returns without waiting (``AsyncProducer`` then skips a thread).

        Only a spooled producer under fsync ``"batch"`` with room to spare: a
        plain one may wait for buffer room, an ``"always"`` spool for a commit.
        """
        spooled = self._spooled
        return spooled is not None and spooled.returns_at_once(self._core.max_record_size)

    def publish_record(self, record: Record) -> Future[PublishResult]:
        """Queue a ready-made record (no event hooks run); otherwise like ``publish``."""
        self._check_open()
        failure = self._core.check_record(record)
        if failure is not None:
            return _resolved(failure)
        if self._spooled is not None:
            return self._spooled.publish(record)
        return self._enqueue(record, None)

    def _enqueue(self, record: Record, event: Event | None) -> Future[PublishResult]:
        future: Future[PublishResult] = ProducerFuture(self._settled)
        engine = self._engine
        size = record.size
        with self._cond:
            self._check_open()
            if not engine.has_room(size):
                self._wait_for_room(size)
            settings = self.settings
            records, nbytes = engine.queued_records, engine.queued_bytes
            opened = engine.add(self._core.pending(record, future, event, size))
            # Wake the sender only when this record changes what it would do: the
            # first record starts a linger, a full batch ends one, a record for an
            # idle shard while others are busy may go at once. Waking it for every
            # record of a backlog makes it fight this thread for the GIL.
            if (
                opened
                or records == 0
                or records < settings.batch_records <= engine.queued_records
                or nbytes < settings.batch_bytes <= engine.queued_bytes
            ):
                self._cond.notify_all()
        self._core.metrics.queued(1, size)
        return future

    def _new_future(self) -> Future[PublishResult]:
        """A future the senders can resolve (for records queued by ``_enqueue_many``)."""
        return ProducerFuture(self._settled)

    def _enqueue_many(
        self, items: Sequence[tuple[int, Record, Event | None, Future[PublishResult]]]
    ) -> None:
        """Queue spooled records (the feeder stays within the buffer) under one lock.

        Each item is the record's spool number (its ``tag``), the record, its
        event and a future from ``_new_future``; their outcomes reach
        ``on_resolved``.
        """
        engine, core = self._engine, self._core
        nbytes = 0
        with self._cond:
            self._check_open()
            for tag, record, event, future in items:
                size = record.size
                item = core.pending(record, future, event, size)
                item.tag = tag
                engine.add(item)
                nbytes += size
            self._cond.notify_all()
        core.metrics.queued(len(items), nbytes)

    def _wait_for_room(self, size: int) -> None:
        """Wait (lock held) until ``size`` bytes fit, per the full policy."""
        engine, settings = self._engine, self.settings
        if settings.when_full == "block":
            if self._background:
                deadline = time.monotonic() + settings.block_timeout
                while not engine.has_room(size) and not self._closing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
            else:
                deadline = self._clock.now() + settings.block_timeout
                while not engine.has_room(size) and self._clock.now() < deadline:
                    self._cond.release()
                    try:
                        self._drive_once(force=True)
                    finally:
                        self._cond.acquire()
        self._check_open()
        if not engine.has_room(size):
            raise ProducerFullError(
                engine.held_records, engine.held_bytes, settings.buffer_records,
                settings.buffer_bytes,
            )  # fmt: skip

    # -- sending --------------------------------------------------------------------------

    def _grow(self) -> None:
        """Start another sender thread (lock held)."""
        self._live += 1
        thread = threading.Thread(
            target=self._run,
            name=f"eventwire-producer-{self.backend.stream}-{len(self._threads)}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    def _run(self) -> None:
        try:
            self._send_until_closed()
        finally:
            with self._cond:
                self._live -= 1
                last = self._abort and self._live == 0
            if last:
                # close() gave up waiting for the senders (a request was stuck) and
                # left the backend open for it; the last one is over, so close it now.
                self._core.publisher.close()

    def _send_until_closed(self) -> None:
        while True:
            with self._cond:
                job, expired = self._lead()
                if expired:
                    self._resolving += 1
            if expired:
                self._hand_out(expired)
            elif job == _STOP:
                return
            elif job is not None:
                self._work(job)

    def _lead(self) -> tuple[Batch | str | None, Resolved]:
        """Wait (lock held) to lead, then for a job: a request, a shard-map read, or the end.

        One sender leads: it waits for work while the others wait to lead. Taking
        a request hands the lead on, to an idle sender or to a new one (up to
        ``max_in_flight``), so the next request can go while this one is out.
        """
        while self._leading and not self._abort:
            self._following += 1
            try:
                self._followers.wait()
            finally:
                self._following -= 1
        engine = self._engine
        self._leading = True
        try:
            while not self._abort:
                got, expired = self._core.next_job(self._closing or self._flushing > 0)
                if expired:
                    return None, expired
                if got == REFRESH:
                    return REFRESH, []
                if isinstance(got, Batch):
                    if self._following == 0 and self._live < self.settings.max_in_flight:
                        self._grow()
                    return got, []
                if self._closing and engine.idle:
                    break
                self._cond.wait(got if isinstance(got, float) else None)
            self._followers.notify_all()
            return _STOP, []
        finally:
            self._leading = False
            self._followers.notify()

    def _work(self, job: Batch | str) -> None:
        """Refresh the shard map (``REFRESH``) or send one request and settle it."""
        core = self._core
        if not isinstance(job, Batch):
            shards = core.read_shards()
            with self._cond:
                core.apply_shards(shards, self._clock.now())
                self._cond.notify_all()
            return
        outcome = core.send(job)
        with self._cond:
            if self._abort:
                return  # close() already handed these records back as ambiguous
            now = self._clock.now()
            resolved = core.settle(job, outcome, now)
            self._resolving += 1
            self._cond.notify_all()
        self._hand_out(resolved, now)

    def _hand_out(self, resolved: Resolved, now: float | None = None) -> None:
        """Resolve settled futures and report them (lock not held; ``_resolving`` counted)."""
        try:
            self._resolve(resolved)
            self._core.announce(resolved, self._clock.now() if now is None else now)
        finally:
            with self._cond:
                self._resolving -= 1
                self._cond.notify_all()

    def _resolve(self, resolved: Resolved) -> None:
        """Hand settled records their results, a request's worth at once (lock not held).

        A future the caller cancelled takes no result; the outcome is still counted.
        """
        resolve_all(self._settled, [(item.future, result) for item, result in resolved])
        if self._on_resolved is not None:
            self._on_resolved(resolved)

    def _step(self, force: bool) -> tuple[Job, Resolved]:
        """Without a background thread: the next thing to do (lock held)."""
        job, expired = self._core.next_job(force)
        if expired:
            self._resolving += 1
        return job, expired

    def _drive_once(self, force: bool) -> bool:
        """Without a background thread: do one step of work, sleeping on the clock if paced.

        Returns whether anything remains to do.
        """
        with self._cond:
            job, expired = self._step(force)
            if job is None and not expired:
                return not self._engine.idle
        if expired:
            self._hand_out(expired)
        elif isinstance(job, float):
            self._clock.sleep(job)
        elif job is not None:
            self._work(job)
        return True

    def pump(self) -> None:
        """Without a background thread: send whatever is due now (lingered or full batches)."""
        while True:
            with self._cond:
                job, expired = self._step(force=False)
            if expired:
                self._hand_out(expired)
            elif isinstance(job, Batch | str):
                self._work(job)
            else:
                return

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything buffered now, without waiting for lingers; wait until it settles.

        Returns:
            True if the buffer emptied (every future so far resolved) within ``timeout``.
            With a spool: True once the spool is empty.
        """
        if self._spooled is not None:
            return self._spooled.flush(timeout)
        if not self._background:
            deadline = None if timeout is None else self._clock.now() + timeout
            while deadline is None or self._clock.now() < deadline:
                if not self._drive_once(force=True):
                    return True
            return self._engine.idle
        with self._cond:
            self._flushing += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(
                    lambda: self._engine.idle and self._resolving == 0, timeout
                )
            finally:
                self._flushing -= 1

    # -- closing ------------------------------------------------------------------------

    def close(self, timeout: float = 30.0) -> list[PublishFailure]:
        """Deliver what can be delivered within ``timeout`` seconds, then stop; never hangs.

        Records still undelivered at the deadline resolve to failures with
        ``DeliveryTimeoutError`` (marked ``ambiguous`` when a request carrying them
        was unanswered); they are returned, records included, so the caller can
        keep them. Closes the backend. Idempotent: later calls return ``[]``.

        A request still unanswered at the deadline cannot be interrupted: the
        sender thread (a daemon) waits for it alone, settles nothing more (its
        records were already returned here as ambiguous), closes the backend
        and ends; ``close`` does not wait for that.

        With a spool, records undelivered at the deadline stay in the spool for
        the next producer on it.
        """
        if self._spooled is not None:
            return self._spooled.close(timeout, self._close_buffer)
        return self._close_buffer(timeout)

    def _close_buffer(self, timeout: float) -> list[PublishFailure]:
        with self._cond:
            if self._closing:
                return []
            self._closing = True
            self._cond.notify_all()
            self._followers.notify_all()
        if self._background:
            deadline = time.monotonic() + timeout
            for thread in list(self._threads):  # no thread starts once closing has ended
                thread.join(max(0.0, deadline - time.monotonic()))
        else:
            self.flush(timeout)
        with self._cond:
            now = self._clock.now()
            resolved = self._engine.abandon(_close_reason(timeout))
            failures = self._core.settle_abandoned(resolved, self._stopped_how(timeout))
            self._abort = True
            self._closed = True
            self._cond.notify_all()
            self._followers.notify_all()
            idle = self._live == 0
        self._resolve(resolved)
        self._core.announce(resolved, now)
        if idle:
            self._core.publisher.close()
        return failures

    def _stopped_how(self, timeout: float) -> str:
        if self._exiting:
            return (
                f"when the interpreter exited (the producer was never closed; {timeout:g} s given)"
            )
        return f"before close() gave up ({timeout:g} s)"

    def _close_at_exit(self) -> None:
        """Close an unclosed producer when the interpreter exits (see ``exiting``)."""
        self._exiting = True
        self.close(self.settings.exit_timeout)

    def _check_open(self) -> None:
        if self._closing:
            raise PublisherClosedError("this Producer is closed; create a new one")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closing else "open"
        backend = self.backend
        return f"<Producer backend={backend.name!r} stream={backend.stream!r} {state}>"


def _resolved(result: PublishResult) -> Future[PublishResult]:
    future: Future[PublishResult] = Future()
    future.set_result(result)
    return future
