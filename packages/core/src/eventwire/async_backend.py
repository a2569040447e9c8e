"""The asyncio backend contract, and the adapter that runs a sync-only backend in threads."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Self

from eventwire.errors import BackendError
from eventwire.records import failure_from

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    from eventwire.backend import Backend
    from eventwire.records import PublishReceipt, PublishResult, Record, ShardInfo


class AsyncBackend(ABC):
    """The asyncio twin of ``Backend``: the same records, receipts and errors, awaited.

    A backend declares native async support by returning one of these from
    ``Backend.async_backend()``; ``AsyncPublisher`` and ``AsyncProducer`` then
    send through it on the event loop instead of in threads. Use an instance
    from one event loop.

    Attributes:
        name: the backend's registered name, as its sync twin's.
        stream: the stream records are written to.
        native: whether I/O runs on the event loop (False for the thread adapter).
    """

    name: str = "backend"
    stream: str = ""
    native: bool = True

    @abstractmethod
    async def publish(self, record: Record) -> PublishReceipt:
        """Deliver one record and return its receipt.

        Raises:
            BackendError: the record was not delivered.
        """

    async def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        """Deliver ``records``; one receipt or failure per record, in input order."""
        results: list[PublishResult] = []
        for record in records:
            try:
                results.append(await self.publish(record))
            except BackendError as exc:
                results.append(failure_from(record, exc, attempts=1))
        return results

    async def shards(self) -> list[ShardInfo] | None:
        """The stream's open shards with their hash ranges, or None (see ``Backend.shards``)."""
        return None

    def single_attempt(self) -> AsyncBackend:
        """This backend making one attempt per record (see ``Backend.single_attempt``)."""
        return self

    async def aclose(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release what the backend holds; idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class ThreadedAsyncBackend(AsyncBackend):
    """Runs a sync-only backend's calls in the event loop's default executor.

    Each call holds one executor thread while it blocks, so concurrency is
    bounded by the executor's size (``min(32, cpu_count + 4)`` threads by
    default); the backend must be thread-safe, as the ``Backend`` contract asks.
    """

    native = False

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.name = backend.name
        self.stream = backend.stream

    async def publish(self, record: Record) -> PublishReceipt:
        """Deliver one record in a worker thread."""
        return await asyncio.to_thread(self.backend.publish, record)

    async def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        """Deliver ``records`` in a worker thread."""
        return await asyncio.to_thread(self.backend.publish_many, records)

    async def shards(self) -> list[ShardInfo] | None:
        """Read the shard map in a worker thread."""
        return await asyncio.to_thread(self.backend.shards)

    def single_attempt(self) -> AsyncBackend:
        """The sync backend's single-attempt twin, in threads."""
        twin = self.backend.single_attempt()
        return self if twin is self.backend else ThreadedAsyncBackend(twin)

    async def aclose(self) -> None:
        """Close the sync backend in a worker thread."""
        await asyncio.to_thread(self.backend.close)


def async_backend_for(backend: Backend) -> AsyncBackend:
    """``backend``'s native async twin when it declares one, else the thread adapter."""
    native = backend.async_backend()
    return native if native is not None else ThreadedAsyncBackend(backend)


class InlineAsyncBackend(AsyncBackend):
    """Calls a backend that never blocks (in-memory: the recorder, the emulator) on the loop.

    No thread and no socket: each call runs to completion on the event loop,
    which suits backends that answer in microseconds. A backend that sleeps
    (say, an emulator with injected latency) holds the loop for that long.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.name = backend.name
        self.stream = backend.stream

    async def publish(self, record: Record) -> PublishReceipt:
        """Deliver one record."""
        return self.backend.publish(record)

    async def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        """Deliver ``records``."""
        return self.backend.publish_many(records)

    async def shards(self) -> list[ShardInfo] | None:
        """The backend's shard map."""
        return self.backend.shards()

    def single_attempt(self) -> AsyncBackend:
        """The backend's single-attempt twin, inline too."""
        twin = self.backend.single_attempt()
        return self if twin is self.backend else InlineAsyncBackend(twin)

    async def aclose(self) -> None:
        """Close the backend."""
        self.backend.close()
