"""The producer's state machine: buffer, per-shard queues, batch building and retries.

No threads and no I/O here: the caller passes the time in and does the sending,
so the same engine drives the threaded and the asyncio producer, and tests can
step it deterministically. Not thread-safe; the producers hold a lock around it.
"""

from __future__ import annotations

import re
from collections import deque
from typing import TYPE_CHECKING, Any

from eventwire.aws_errors import FATAL_CODES, THROTTLING_CODES
from eventwire.errors import (
    BackendConnectionError,
    BackendError,
    DeliveryTimeoutError,
    EventwireError,
    InvalidRecordError,
    PermissionDeniedError,
    PublisherClosedError,
    StreamNotFoundError,
    ThrottledError,
)
from eventwire.producer.pacing import ShardPacer
from eventwire.producer.packing import Packer
from eventwire.producer.settings import MAX_BATCH_BYTES, MAX_BATCH_RECORDS
from eventwire.producer.shardmap import ShardMap, hash_key_of
from eventwire.producer.stats import ProducerStats
from eventwire.records import PublishFailure, PublishReceipt, PublishResult, Record

if TYPE_CHECKING:
    from eventwire.events import Event
    from eventwire.producer.metrics import Metrics
    from eventwire.producer.settings import ProducerSettings
    from eventwire.records import ShardInfo

_SHARD_ID = re.compile(r"shardId-\d+")
_new_tuple = tuple.__new__

Resolved = list[tuple["Pending", PublishResult]]
"""User records whose outcome is settled, with their results, for the caller to hand out."""


class Pending:
    """One user record in the producer: its record, future and delivery bookkeeping."""

    __slots__ = (
        "ambiguous",
        "attempts",
        "deadline",
        "done",
        "event",
        "future",
        "hash_key",
        "published_at",
        "queue",
        "record",
        "seq",
        "size",
    )

    def __init__(
        self,
        record: Record,
        future: Any,
        published_at: float,
        event: Event | None = None,
        size: int | None = None,
    ) -> None:
        self.record = record
        self.future = future
        self.event = event
        self.published_at = published_at
        self.size = record.size if size is None else size
        self.seq = 0
        self.attempts = 0
        self.deadline: float | None = None
        self.queue: str | None = None
        self.done = False
        self.ambiguous = False
        self.hash_key: int | None = None  # computed once, when a shard map first needs it


class Batch:
    """One PutRecords request: the Kinesis records, and the user records each one carries."""

    __slots__ = ("groups", "queues", "records", "shards")

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.groups: list[list[Pending]] = []
        self.shards: list[str | None] = []
        self.queues: set[str | None] = set()  # the queues it took from: busy until it settles

    @property
    def user_records(self) -> int:
        """How many user records the request carries."""
        return sum(len(group) for group in self.groups)

    def pending(self) -> list[Pending]:
        """Every user record in the request."""
        return [item for group in self.groups for item in group]


class Engine:
    """Buffers user records per predicted shard and builds paced, ordered requests.

    Per partition key, delivery order is publish order, retries included: a
    request never carries two Kinesis records with the same partition key (an
    aggregated record may hold many user records of one key, in order), a queue
    (a shard's, once the shard map is known) feeds one request in flight at a
    time, and a failed record goes back to the front of its queue before the
    queue is taken from again. Up to ``max_in_flight`` requests are in flight,
    on disjoint queues. A key's queue changes only with the shard map, which is
    read and applied only when no request is in flight.
    """

    def __init__(
        self,
        settings: ProducerSettings,
        stream: str,
        max_record_size: int,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.stream = stream
        self.max_record_size = max_record_size
        self.aggregation_bytes = min(settings.aggregation_bytes, max_record_size)
        self.packer = (
            Packer(
                self.aggregation_bytes,
                settings.batch_records,
                settings.batch_bytes,
                window=4 * settings.batch_records,
            )
            if settings.aggregate
            else None
        )
        self.stats = ProducerStats()
        self.queues: dict[str | None, deque[Pending]] = {}
        self.shard_map: ShardMap | None = None
        self.pacers: dict[str, ShardPacer] = {}
        self.refresh_wanted = settings.pace or settings.aggregate
        self.refreshing = False
        self.in_flight: list[Batch] = []
        self.busy: set[str | None] = set()
        self.held_records = 0
        self.held_bytes = 0
        self.queued_records = 0
        self.queued_bytes = 0
        self.paused_until = 0.0
        self._retry_delay = 0.0
        self._seq = 0
        self._turn = 0

    # -- the buffer -----------------------------------------------------------------

    def has_room(self, size: int) -> bool:
        """Whether a user record of ``size`` bytes fits the buffer (an empty buffer takes any)."""
        if self.held_records == 0:
            return True
        settings = self.settings
        return (
            self.held_records < settings.buffer_records
            and self.held_bytes + size <= settings.buffer_bytes
        )

    @property
    def idle(self) -> bool:
        """Nothing is queued or in flight."""
        return self.held_records == 0

    def add(self, item: Pending) -> bool:
        """Queue ``item`` behind the records published before it.

        Returns whether it opened a queue that could be sent from while other
        requests are in flight (a sender waiting for their answers should look).
        """
        self._seq += 1
        item.seq = self._seq
        if self.settings.record_ttl is not None:
            item.deadline = item.published_at + self.settings.record_ttl
        item.queue = self._queue_for(item)
        queue = self.queues.get(item.queue)
        opened = False
        if queue is None:
            queue = self.queues[item.queue] = deque()
            opened = bool(self.in_flight) and item.queue not in self.busy
        queue.append(item)
        self.held_records += 1
        self.held_bytes += item.size
        self.queued_records += 1
        self.queued_bytes += item.size
        self.stats.queued_records += 1
        self.stats.queued_bytes += item.size
        return opened

    def _queue_for(self, item: Pending) -> str | None:
        if self.shard_map is None and not self.settings.aggregate:
            return None
        hash_key = item.hash_key
        if hash_key is None:
            hash_key = item.hash_key = hash_key_of(item.record)
        if self.shard_map is not None:
            return self.shard_map.shard_for(hash_key)
        # Without a shard map only records with one hash key surely share a shard.
        return f"hash:{hash_key}"

    # -- the shard map ---------------------------------------------------------------

    def start_refresh(self) -> bool:
        """Whether the caller should read the shard map now (then ``apply_shards``).

        Only when wanted, with nothing in flight (a request still out may carry a
        key whose shard changes: its retries must go first), and not already
        being read.
        """
        if self.refresh_wanted and not self.in_flight and not self.refreshing:
            self.refreshing = True
            return True
        return False

    def refresh_failed(self) -> None:
        """The shard map could not be read: keep the old one."""
        self.refresh_wanted = self.refreshing = False

    def apply_shards(self, shards: list[ShardInfo] | None, now: float) -> None:
        """Adopt a freshly read shard map and re-sort queued records onto its shards."""
        self.refresh_wanted = self.refreshing = False
        self.stats.shard_map_refreshes += 1
        self.shard_map = ShardMap(shards) if shards else None
        if self.shard_map is not None and self.settings.pace:
            kept = {sid: p for sid, p in self.pacers.items() if sid in self.shard_map.ids}
            for shard_id in self.shard_map.ids - kept.keys():
                kept[shard_id] = ShardPacer(now, self.settings.utilization)
            self.pacers = kept
        items = sorted(
            (item for queue in self.queues.values() for item in queue), key=lambda i: i.seq
        )
        self.queues = {}
        for item in items:
            item.queue = self._queue_for(item)
            self.queues.setdefault(item.queue, deque()).append(item)

    def _check_shard(self, shard_id: str | None) -> None:
        if (
            shard_id is not None
            and self.shard_map is not None
            and shard_id not in self.shard_map.ids
        ):
            self.refresh_wanted = True

    # -- building requests ---------------------------------------------------------------

    def take(self, now: float, force: bool) -> Batch | float | None:
        """The next request to send, or seconds to wait for one, or None to wait for news.

        Without ``force`` a request goes out once a full one is queued or the
        oldest record has lingered long enough; pacing applies either way. None
        means nothing can be done before a publish or an answer (every queue
        with records is busy, the shard map is being read, or nothing is queued).
        """
        if (
            self.queued_records == 0
            or len(self.in_flight) >= self.settings.max_in_flight
            or self.refresh_wanted
            or self.refreshing
        ):
            return self._deadline_wait(now)
        if now < self.paused_until:
            return self.paused_until - now
        busy = self.busy
        names = [name for name, queue in self.queues.items() if queue and name not in busy]
        if not names:
            return self._deadline_wait(now)
        settings = self.settings
        if (
            not force
            and self.queued_records < settings.batch_records
            and self.queued_bytes < settings.batch_bytes
        ):
            oldest = min(self.queues[name][0].published_at for name in names)
            if oldest + settings.linger > now:
                return self._sooner(oldest + settings.linger - now, now)
        batch = Batch()
        taken_bytes = 0
        seen: set[str] = set()
        start = self._turn % len(names)
        self._turn += 1
        for name in names[start:] + names[:start]:
            queue = self.queues[name]
            pacer = self.pacers.get(name) if name is not None else None
            if pacer is not None and not pacer.ready(*self._needs(queue), now):
                continue
            before = len(batch.records)
            taken_bytes = self._take_from(queue, name, pacer, batch, taken_bytes, seen, now)
            if len(batch.records) > before:
                batch.queues.add(name)
            if not queue:
                del self.queues[name]
            if len(batch.records) >= settings.batch_records:
                break
        if not batch.records:
            return self._sooner(self._wait(names, now), now)
        self.in_flight.append(batch)
        busy.update(batch.queues)
        count = batch.user_records
        self.queued_records -= count
        self.queued_bytes -= sum(item.size for item in batch.pending())
        self.stats.requests += 1
        self.stats.kinesis_records += len(batch.records)
        return batch

    def _take_from(
        self,
        queue: deque[Pending],
        name: str | None,
        pacer: ShardPacer | None,
        batch: Batch,
        taken_bytes: int,
        seen: set[str],
        now: float,
    ) -> int:
        if self.packer is not None:
            return self.packer.take(queue, name, pacer, batch, taken_bytes, seen, now)
        settings = self.settings
        skipped: list[Pending] = []
        scan = 4 * settings.batch_records
        while queue and scan > 0 and len(batch.records) < settings.batch_records:
            scan -= 1
            item = queue[0]
            key = item.record.partition_key
            if key in seen:
                skipped.append(queue.popleft())
                continue
            if taken_bytes + item.size > settings.batch_bytes:
                break
            if pacer is not None:
                if not pacer.allows(item.size, now):
                    break
                pacer.spend(item.size)
            queue.popleft()
            seen.add(key)
            batch.records.append(item.record)
            batch.groups.append([item])
            batch.shards.append(name)
            taken_bytes += item.size
        if skipped:
            queue.extendleft(reversed(skipped))
        return taken_bytes

    def _wait(self, names: list[str | None], now: float) -> float:
        waits = []
        for name in names:
            pacer = self.pacers.get(name) if name is not None else None
            queue = self.queues.get(name)
            if queue and pacer is not None:
                waits.append(pacer.wait_for(*self._needs(queue), now))
        # Never spin: a wait of zero would only happen through rounding.
        return max(min(waits, default=0.001), 0.001)

    def _needs(self, queue: deque[Pending]) -> tuple[int, int, int]:
        """A queue's Kinesis records, (estimated) bytes and the room its next one needs."""
        if self.packer is not None:
            return 1, self.packer.need(queue), self.packer.smallest(queue)
        head = queue[0].size
        return len(queue), len(queue) * head, head

    # -- record TTL ---------------------------------------------------------------------

    def expire(self, now: float) -> Resolved:
        """Fail queued records whose ``record_ttl`` ran out, from the heads of the queues.

        A queue is in publish order (retries go back to its front, older than the
        rest), so expired records are at its head.
        """
        if self.settings.record_ttl is None or self.queued_records == 0:
            return []
        resolved: Resolved = []
        for name in list(self.queues):
            queue = self.queues[name]
            while queue and queue[0].deadline is not None and queue[0].deadline <= now:
                item = queue.popleft()
                self.queued_records -= 1
                self.queued_bytes -= item.size
                resolved.append((item, self._timed_out(item, "its record TTL ran out")))
            if not queue:
                del self.queues[name]
        self._release(item for item, _ in resolved)
        return resolved

    def _next_deadline(self) -> float | None:
        if self.settings.record_ttl is None:
            return None
        heads = [queue[0].deadline for queue in self.queues.values() if queue]
        return min((deadline for deadline in heads if deadline is not None), default=None)

    def _deadline_wait(self, now: float) -> float | None:
        deadline = self._next_deadline()
        return None if deadline is None else max(deadline - now, 0.001)

    def _sooner(self, wait: float, now: float) -> float:
        deadline = self._next_deadline()
        return wait if deadline is None else max(min(wait, deadline - now), 0.001)

    # -- outcomes -------------------------------------------------------------------

    def complete(self, batch: Batch, results: list[PublishResult], now: float) -> Resolved:
        """Settle a request's outcome: receipts resolve, retryable failures go back in line."""
        if batch in self.in_flight:
            self.in_flight.remove(batch)
            self.busy.difference_update(batch.queues)
        resolved: Resolved = []
        retry: list[Pending] = []
        for group, name, record, result in zip(
            batch.groups, batch.shards, batch.records, results, strict=True
        ):
            pacer = self.pacers.get(name) if name is not None else None
            if pacer is not None:
                pacer.landed(1, record.size, now)
            if isinstance(result, PublishReceipt):
                self._check_shard(result.shard_id)
                if pacer is not None:
                    pacer.succeeded()
                self._retry_delay = 0.0
                backend, stream, shard_id, sequence_number = result[1:5]
                for item in group:
                    attempts = item.attempts = item.attempts + 1
                    if not item.done:
                        # One receipt per user record, built as the tuple it is: an
                        # aggregate settles hundreds, and the named-tuple constructor
                        # is a Python function that costs twice as much.
                        receipt = _new_tuple(PublishReceipt, (
                            item.record.event_id, backend, stream, shard_id, sequence_number,
                            attempts, False,
                        ))  # fmt: skip
                        resolved.append((item, receipt))
                continue
            error = result.error
            self._check_shard(_shard_named_in(str(error)))
            kind = classify(error)
            if kind == "throttled" and pacer is not None:
                pacer.throttled(now)
            elif kind == "retry" and pacer is not None:
                pacer.failed(now, self.settings.retry_base, self.settings.retry_cap)
            elif kind != "fatal":
                self._back_off(now)  # no shard to pace: pause the whole producer instead
            for item in group:
                item.attempts += 1
                if item.done:
                    continue
                if kind == "throttled":
                    self.stats.throttled_records += 1
                if kind == "fatal":
                    resolved.append((item, self._failure(item, error)))
                elif item.deadline is not None and now >= item.deadline:
                    resolved.append((item, self._timed_out(item, "its record TTL ran out")))
                else:
                    retry.append(item)
            if self.metrics is not None and retry:
                self.metrics.retried(retry, getattr(error, "code", None))
        self._requeue(retry)
        self._release(item for item, _ in resolved)
        return resolved

    def fail_request(self, batch: Batch, error: EventwireError, now: float) -> Resolved:
        """Settle a request that failed as a whole: every record in it failed with ``error``."""
        ambiguous = isinstance(error, BackendConnectionError)
        if classify(error) != "fatal":
            self._back_off(now)
        for item in batch.pending():
            item.ambiguous = item.ambiguous or ambiguous
        if ambiguous:
            self.stats.ambiguous_records += batch.user_records
        failures: list[PublishResult] = [
            PublishFailure(group[0].record.event_id, error, 0, record) for group, record in zip(
                batch.groups, batch.records, strict=True
            )
        ]  # fmt: skip
        return self.complete(batch, failures, now)

    def _back_off(self, now: float) -> None:
        settings = self.settings
        self._retry_delay = min(
            settings.retry_cap, self._retry_delay * 2 if self._retry_delay else settings.retry_base
        )
        self.paused_until = now + self._retry_delay

    def _requeue(self, items: list[Pending]) -> None:
        if not items:
            return
        self.stats.retried_records += len(items)
        by_queue: dict[str | None, list[Pending]] = {}
        for item in sorted(items, key=lambda i: i.seq):
            item.queue = self._queue_for(item) if self.refresh_wanted else item.queue
            by_queue.setdefault(item.queue, []).append(item)
        for name, group in by_queue.items():
            queue = self.queues.get(name)
            if queue is None:
                queue = self.queues[name] = deque()
            queue.extendleft(reversed(group))
            self.queued_records += len(group)
            self.queued_bytes += sum(item.size for item in group)

    def _release(self, items: Any) -> None:
        for item in items:
            item.done = True
            self.held_records -= 1
            self.held_bytes -= item.size

    def _failure(self, item: Pending, error: EventwireError) -> PublishFailure:
        return PublishFailure(item.record.event_id, error, item.attempts, item.record)

    def _timed_out(self, item: Pending, why: str) -> PublishFailure:
        error = DeliveryTimeoutError(
            f"record {item.record.event_id or item.record.partition_key!r} was not delivered "
            f"to stream {self.stream!r} after {item.attempts} attempt(s): {why}",
            ambiguous=item.ambiguous,
            stream=self.stream,
        )
        return self._failure(item, error)

    def abandon(self, why: str) -> Resolved:
        """Fail every record still held (queued or in flight) with ``DeliveryTimeoutError``."""
        resolved: Resolved = []
        for batch in self.in_flight:
            for item in batch.pending():
                if not item.done:
                    item.ambiguous = True
                    resolved.append((item, self._timed_out(item, why)))
        self.in_flight.clear()
        self.busy.clear()
        for queue in self.queues.values():
            resolved.extend((item, self._timed_out(item, why)) for item in queue if not item.done)
        self.queues.clear()
        self.queued_records = self.queued_bytes = 0
        self._release(item for item, _ in resolved)
        return resolved


def classify(error: EventwireError) -> str:
    """``"throttled"``, ``"fatal"`` (retrying cannot help) or ``"retry"``."""
    code = getattr(error, "code", None)
    if isinstance(error, ThrottledError) or code in THROTTLING_CODES:
        return "throttled"
    if code in FATAL_CODES or isinstance(
        error,
        InvalidRecordError | PermissionDeniedError | StreamNotFoundError | PublisherClosedError,
    ):
        return "fatal"
    if isinstance(error, BackendError):
        return "retry"
    return "fatal"


def _shard_named_in(message: str) -> str | None:
    found = _SHARD_ID.search(message)
    return found.group(0) if found else None


__all__ = ["MAX_BATCH_BYTES", "MAX_BATCH_RECORDS", "Batch", "Engine", "Pending", "classify"]
