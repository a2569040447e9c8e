"""The backend contract: deliver wire-neutral records, hand back receipts, close."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Self

from eventwire.errors import BackendError
from eventwire.records import failure_from

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    from eventwire.async_backend import AsyncBackend
    from eventwire.records import PublishReceipt, PublishResult, Record, ShardInfo


class Backend(ABC):
    """Where records go: a stream service, an emulator, or a recorder in tests.

    Subclasses implement ``publish`` and usually a batched ``publish_many``;
    both must be safe to call from several threads. Errors are eventwire
    ``BackendError`` subclasses, never a vendor's exception types.

    Attributes:
        name: the backend's registered name (``"kinesis"``, ``"emulator"``, ...).
        stream: the stream records are written to.
    """

    name: str = "backend"
    stream: str = ""

    @abstractmethod
    def publish(self, record: Record) -> PublishReceipt:
        """Deliver one record and return its receipt.

        Raises:
            BackendError: the record was not delivered.
        """

    def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        """Deliver ``records``; return one receipt or failure per record, in input order.

        The default sends one at a time; batching backends override it. The
        publishers pass a ``CheckedRecords`` when ``records_for`` built the
        batch: its records already pass ``local_problem``, so a backend may skip
        that check for it.
        """
        results: list[PublishResult] = []
        for record in records:
            try:
                results.append(self.publish(record))
            except BackendError as exc:
                results.append(failure_from(record, exc, attempts=1))
        return results

    def shards(self) -> list[ShardInfo] | None:
        """The stream's open shards with their hash ranges, or None if the backend has none.

        Shard-aware producers use this to predict where each record goes; a
        backend without shards (the recording backend) returns None.

        Raises:
            BackendError: the shard map could not be read.
        """
        return None

    def single_attempt(self) -> Backend:
        """This backend making one attempt per record, for callers that retry themselves.

        Producers pace and retry on their own, and retries inside the backend
        would hide throttling from their pacing and hold up their other shards.
        The result shares this backend's connection and stream; close this
        backend, not the result. The default returns ``self``: right for
        backends that never retry. Backends that do retry override it.
        """
        return self

    def async_backend(self) -> AsyncBackend | None:
        """A native asyncio twin of this backend, or None if it has none.

        ``AsyncPublisher`` and ``AsyncProducer`` send through the twin on the
        event loop; without one they run this backend's calls in threads
        (``ThreadedAsyncBackend``). The twin writes to the same stream with the
        same retry policy and is closed with ``await twin.aclose()``; it may
        hold clients of its own, built on first use.
        """
        return None

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release what the backend holds (clients, connections); idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
