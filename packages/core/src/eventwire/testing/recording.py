"""``RecordingBackend``: an in-memory backend that keeps every record it is given."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from eventwire.async_backend import AsyncBackend, InlineAsyncBackend
from eventwire.backend import Backend
from eventwire.errors import BackendError, ConfigurationError, PublisherClosedError
from eventwire.records import PublishReceipt, Record
from eventwire.registry import EventRegistry, default_registry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eventwire.events import Event

DEFAULT_STREAM = "recording"


class RecordingBackend(Backend):
    """Keeps records in memory and answers with receipts of one fake shard; thread-safe.

    Sequence numbers are increasing decimal strings. ``fail_next`` makes the next
    publishes raise a chosen error, to test failure handling.
    """

    name = "memory"

    def __init__(self, stream: str = DEFAULT_STREAM) -> None:
        self.stream = stream
        self.records: list[Record] = []
        self._failures: list[BackendError] = []
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> RecordingBackend:
        """Build from plugin options (only ``stream`` is understood)."""
        unknown = sorted(set(options) - {"stream"})
        if unknown:
            raise ConfigurationError(f"the memory backend takes no option(s) {unknown}")
        stream = options.get("stream")
        if stream is not None and not isinstance(stream, str):
            raise ConfigurationError(f"stream must be a string, not {stream!r}")
        return cls(stream or DEFAULT_STREAM)

    def fail_next(self, error: BackendError, count: int = 1) -> None:
        """Make the next ``count`` records fail with ``error``."""
        with self._lock:
            self._failures.extend([error] * count)

    def publish(self, record: Record) -> PublishReceipt:
        """Keep ``record`` and return a receipt for it."""
        with self._lock:
            if self._closed:
                raise PublisherClosedError("the memory backend is closed")
            if self._failures:
                raise self._failures.pop(0)
            self.records.append(record)
            sequence = len(self.records)
        return PublishReceipt(
            event_id=record.event_id,
            backend=self.name,
            stream=self.stream,
            shard_id="shardId-000000000000",
            sequence_number=f"{sequence:056d}",
        )

    def events(self, registry: EventRegistry = default_registry) -> list[Event]:
        """Every kept record decoded back into its typed event, in publish order."""
        with self._lock:
            records = list(self.records)
        return [registry.decode(record.data) for record in records]

    def clear(self) -> None:
        """Forget the kept records and pending failures."""
        with self._lock:
            self.records.clear()
            self._failures.clear()

    def async_backend(self) -> AsyncBackend:
        """The asyncio twin: the same records, kept on the event loop without threads."""
        return InlineAsyncBackend(self)

    def close(self) -> None:
        """Refuse further records; the kept ones stay readable."""
        self._closed = True
