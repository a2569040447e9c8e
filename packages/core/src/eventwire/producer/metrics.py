"""Producer metrics: counts handed to the implemented ``eventwire_producer_*`` hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventwire.limits import MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES
from eventwire.records import PublishReceipt

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pluggy

    from eventwire.producer.items import Batch, Pending, Resolved


class Metrics:
    """Calls the producer metrics hooks, skipping those no plugin implements."""

    def __init__(self, hooks: pluggy.HookRelay, stream: str) -> None:
        self._hooks = hooks
        self._stream = stream

    def queued(self, records: int, nbytes: int) -> None:
        """User records entered the buffer."""
        hook = self._hooks.eventwire_producer_queued
        if hook.get_hookimpls():
            hook(stream=self._stream, records=records, nbytes=nbytes)

    def batch(self, batch: Batch) -> None:
        """A request is about to be sent."""
        hook = self._hooks.eventwire_producer_batch
        if hook.get_hookimpls():
            nbytes = sum(record.size for record in batch.records)
            fill = max(len(batch.records) / MAX_RECORDS_PER_REQUEST, nbytes / MAX_REQUEST_BYTES)
            hook(
                stream=self._stream,
                records=len(batch.records),
                user_records=batch.user_records,
                fill=fill,
            )

    def retried(self, items: Iterable[Pending], code: str | None) -> None:
        """User records go back in line after a retryable failure."""
        hook = self._hooks.eventwire_producer_retried
        if hook.get_hookimpls():
            items = list(items)
            nbytes = sum(item.size for item in items)
            hook(stream=self._stream, records=len(items), nbytes=nbytes, code=code)

    def settled(self, resolved: Resolved, now: float) -> None:
        """Report delivered and failed user records (failures grouped by error code)."""
        sent = self._hooks.eventwire_producer_sent
        failed = self._hooks.eventwire_producer_failed
        want_sent, want_failed = bool(sent.get_hookimpls()), bool(failed.get_hookimpls())
        if not (want_sent or want_failed):
            return
        latencies: list[float] = []
        sent_bytes = 0
        # Per error code: bytes, and the retries of each record (sends after its first).
        failures: dict[str | None, tuple[list[int], list[int]]] = {}
        for item, result in resolved:
            if isinstance(result, PublishReceipt):
                latencies.append(now - item.published_at)
                sent_bytes += item.size
            else:
                nbytes, retries = failures.setdefault(result.code, ([0], []))
                nbytes[0] += item.size
                retries.append(max(item.attempts - 1, 0))
        if want_sent and latencies:
            sent(stream=self._stream, records=len(latencies), nbytes=sent_bytes,
                 latencies=latencies)  # fmt: skip
        if want_failed:
            for code, (nbytes, retries) in failures.items():
                failed(stream=self._stream, records=len(retries), nbytes=nbytes[0], code=code,
                       retries=retries)  # fmt: skip
