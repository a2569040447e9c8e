"""``AsyncProducer``: the asyncio twin of ``Producer``: a sender task, a task per request."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from typing import TYPE_CHECKING, Any, Self

from eventwire.errors import ProducerFullError, PublisherClosedError
from eventwire.producer import exiting
from eventwire.producer.alerts import LOGGER
from eventwire.producer.core import REFRESH, ProducerCore
from eventwire.producer.items import Batch
from eventwire.producer.threaded import Producer
from eventwire.records import PublishFailure, PublishResult

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable
    from types import TracebackType

    import pluggy

    from eventwire.backend import Backend
    from eventwire.events import Event
    from eventwire.producer.clock import Clock
    from eventwire.producer.items import Resolved
    from eventwire.producer.settings import ProducerSettings
    from eventwire.producer.stats import ProducerStats
    from eventwire.records import Record
    from eventwire.spool.settings import SpoolSettings


class AsyncProducer:
    """Publishes events from asyncio code: ``await publish(...)`` gives a future at once.

    Same batching, pacing, ordering and failure rules as ``Producer``. Use it
    from one event loop; it starts its sender task on first use and stops it on
    ``close`` (or leaving ``async with``). A backend with a native async twin
    (``Backend.async_backend()``: the Kinesis backend on aiobotocore, the
    emulator, the recorder) is called on the event loop, a request per task;
    a sync-only backend's blocking calls run in the loop's default executor.
    ``offload=False`` sends one request at a time, inline, for deterministic tests.

    Args:
        backend: a backend instance or name, as for ``Publisher``.
        stream: the stream, as for ``Publisher``.
        source: the CloudEvents ``source`` for events without one.
        max_record_size: bytes of data plus partition key allowed per record.
        plugins: plugins for this producer only.
        plugin_manager: the plugin manager to use.
        settings: batching, buffering, pacing and retry settings.
        clock: where time comes from (default: ``time.monotonic``).
        sleep: how the sender waits (default ``asyncio.sleep``); with a manual clock
            pass one that advances it, e.g. ``clock.advance(s)`` then ``asyncio.sleep(0)``.
        offload: send requests concurrently, each in its own task (a sync-only backend's
            calls then run in threads; a native async twin needs none); False sends one
            request at a time, inline, for deterministic tests.
        spool: a directory for a disk spool, as for ``Producer``: ``await publish``
            returns once the record is durable. The spooled records are then sent
            by a threaded ``Producer`` on that spool, with the same guarantees.
            Under fsync ``"batch"`` the record is copied into the spool's journal
            on the loop itself; an ``"always"`` commit, or a wait for room in a
            full spool, runs in the default executor.
        spool_settings: the spool's fsync policy and size cap.
        **backend_options: passed to the plugin that builds a named backend.
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
        sleep: Callable[[float], Awaitable[None]] | None = None,
        offload: bool = True,
        spool: str | os.PathLike[str] | None = None,
        spool_settings: SpoolSettings | None = None,
        **backend_options: Any,
    ) -> None:
        self._spooled: Producer | None = None
        if spool is not None or spool_settings is not None:
            self._spooled = Producer(
                backend, stream=stream, source=source, max_record_size=max_record_size,
                plugins=plugins, plugin_manager=plugin_manager, settings=settings,
                spool=spool, spool_settings=spool_settings, **backend_options,
            )  # fmt: skip
            self._core = self._spooled.core
        else:
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
        self._engine = self._core.engine
        self._clock = self._core.clock
        self._sleep = sleep or asyncio.sleep
        self._offload = offload
        # The single-attempt sender's native twin, if the backend has one: no threads then.
        # A spooled producer sends from its threaded Producer, which needs none.
        self._native = None if self._spooled is not None else self._core.sender.async_backend()
        self._wake: asyncio.Event | None = None
        self._changed: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self._crashed: BaseException | None = None
        self._closing = False
        self._aborted = False
        self._flushing = 0
        exiting.track(self)

    @property
    def backend(self) -> Backend:
        """The backend records are sent through."""
        return self._core.backend

    @property
    def stats(self) -> ProducerStats:
        """A snapshot of the producer's counters."""
        return self._engine.stats.copy()

    def _start(self) -> asyncio.Condition:
        if self._changed is None or self._wake is None:
            self._wake = asyncio.Event()
            self._changed = asyncio.Condition()
            self._task = asyncio.get_running_loop().create_task(self._run())
        return self._changed

    # -- publishing -------------------------------------------------------------------

    async def publish(self, event: Event) -> asyncio.Future[PublishResult]:
        """Queue ``event``; the future resolves to its receipt or failure.

        Raises:
            ProducerFullError: no room in the buffer, per the full policy.
            PublisherClosedError: the producer is closed or closing.
        """
        self._check_open()
        if self._spooled is not None:
            if self._spooled._publishes_at_once():
                # A copy into the spool's journal: a thread hop would cost far more.
                return asyncio.wrap_future(self._spooled.publish(event))
            return asyncio.wrap_future(await asyncio.to_thread(self._spooled.publish, event))
        prepared = self._core.prepare(event)
        if isinstance(prepared, PublishFailure):
            return _resolved(prepared)
        return await self._enqueue(*prepared)

    async def publish_record(self, record: Record) -> asyncio.Future[PublishResult]:
        """Queue a ready-made record (no event hooks run); otherwise like ``publish``."""
        self._check_open()
        if self._spooled is not None:
            spooled = self._spooled.publish_record
            if self._spooled._publishes_at_once():
                return asyncio.wrap_future(spooled(record))
            return asyncio.wrap_future(await asyncio.to_thread(spooled, record))
        failure = self._core.check_record(record)
        if failure is not None:
            return _resolved(failure)
        return await self._enqueue(record, None)

    async def _enqueue(self, record: Record, event: Event | None) -> asyncio.Future[PublishResult]:
        changed = self._start()
        engine, settings = self._engine, self._core.settings
        size = record.size
        if not engine.has_room(size) and settings.when_full == "block":
            async with changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        changed.wait_for(lambda: engine.has_room(size) or self._closing),
                        settings.block_timeout,
                    )
        self._check_open()
        if not engine.has_room(size):
            raise ProducerFullError(
                engine.held_records, engine.held_bytes, settings.buffer_records,
                settings.buffer_bytes,
            )  # fmt: skip
        future: asyncio.Future[PublishResult] = asyncio.get_running_loop().create_future()
        engine.add(self._core.pending(record, future, event, size))
        self._poke()
        self._core.metrics.queued(1, size)
        return future

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # -- sending ------------------------------------------------------------------------

    async def _run(self) -> None:
        engine, core, clock = self._engine, self._core, self._clock
        assert self._wake is not None  # set by _start before the task exists
        loop = asyncio.get_running_loop()
        while True:
            if self._crashed is not None:
                raise self._crashed
            got, expired = core.next_job(self._closing or self._flushing > 0)
            if expired:
                await self._hand_out(expired, clock.now())
                continue
            if got == REFRESH:
                if self._native is not None:
                    shards = await core.read_shards_async(self._native)
                else:
                    shards = await self._call(core.read_shards)
                core.apply_shards(shards, clock.now())
                continue
            if isinstance(got, Batch):
                if self._offload:
                    # Each request in its own task, so the next can go while it is out.
                    task = loop.create_task(self._send(got))
                    self._sends.add(task)
                    task.add_done_callback(self._sent)
                else:
                    await self._send(got)
                continue
            if self._closing and engine.idle:
                return
            self._wake.clear()
            if isinstance(got, float):
                await self._sleep_or_wake(got)
            else:
                await self._wake.wait()

    async def _send(self, batch: Batch) -> None:
        core = self._core
        if self._native is not None:
            outcome = await core.send_async(batch, self._native)
        else:
            outcome = await self._call(functools.partial(core.send, batch))
        if self._aborted:
            return  # close() already handed these records back as ambiguous
        now = self._clock.now()
        await self._hand_out(core.settle(batch, outcome, now), now)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sends.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._crashed = task.exception()  # a bug: the sender raises it
        self._poke()

    async def _hand_out(self, resolved: Resolved, now: float) -> None:
        _resolve(resolved)
        self._core.announce(resolved, now)
        await self._notify()

    async def _sleep_or_wake(self, seconds: float) -> None:
        assert self._wake is not None  # the sender runs after _start
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _call(self, function: Callable[[], Any]) -> Any:
        if self._offload:
            return await asyncio.get_running_loop().run_in_executor(None, function)
        return function()

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    async def flush(self, timeout: float | None = None) -> bool:
        """Send everything buffered now, without waiting for lingers; wait until it settles.

        Returns:
            True if the buffer emptied (every future so far resolved) within ``timeout``.
        """
        if self._spooled is not None:
            return await asyncio.to_thread(self._spooled.flush, timeout)
        if self._engine.idle:
            return True
        changed = self._start()
        self._flushing += 1
        self._poke()
        try:
            async with changed:
                await asyncio.wait_for(changed.wait_for(lambda: self._engine.idle), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._flushing -= 1

    async def close(self, timeout: float = 30.0) -> list[PublishFailure]:
        """Deliver what can be delivered within ``timeout`` seconds, then stop; never hangs.

        Like ``Producer.close``: undelivered records resolve to
        ``DeliveryTimeoutError`` failures and are returned. Idempotent.
        """
        if self._closing:
            return []
        self._closing = True
        if self._spooled is not None:
            return await asyncio.to_thread(self._spooled.close, timeout)
        self._poke()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=timeout)
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            else:
                error = self._task.exception()
                if error is not None:
                    raise error  # the sender crashed: a bug, surfaced rather than hidden
        # Requests still out at the deadline: their records are returned below as
        # ambiguous; a backend call in a thread finishes there, unheard.
        self._aborted = True
        for task in list(self._sends):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        now = self._clock.now()
        resolved = self._engine.abandon(
            f"the producer was closed ({timeout:g} s given) before it could be delivered"
        )
        failures = self._core.settle_abandoned(resolved, f"before close() gave up ({timeout:g} s)")
        _resolve(resolved)
        self._core.announce(resolved, now)
        await self._notify()
        if self._native is not None:
            await self._native.aclose()
        self._core.publisher.close()
        return failures

    def _close_at_exit(self) -> None:
        """At interpreter exit its loop is gone: report the records it still holds."""
        engine = self._engine
        if not self._closing and engine.held_records:
            LOGGER.warning(
                "stream %r: an AsyncProducer that was never closed held %d record(s) at "
                "interpreter exit; they were not delivered (await close() before exiting)",
                self.backend.stream, engine.held_records,
            )  # fmt: skip

    def _check_open(self) -> None:
        if self._closing:
            raise PublisherClosedError("this AsyncProducer is closed; create a new one")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closing else "open"
        backend = self.backend
        return f"<AsyncProducer backend={backend.name!r} stream={backend.stream!r} {state}>"


def _resolved(result: PublishResult) -> asyncio.Future[PublishResult]:
    future: asyncio.Future[PublishResult] = asyncio.get_running_loop().create_future()
    future.set_result(result)
    return future


def _resolve(resolved: Resolved) -> None:
    for item, result in resolved:
        if not item.future.done():
            item.future.set_result(result)
