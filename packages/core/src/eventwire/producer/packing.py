"""Packing a shard's queue into KPL aggregated records, grouped by partition key.

An aggregated record's key table costs a few bytes per distinct key, and a
request may carry a key in one Kinesis record only (per-key order if one
fails), so aggregates are filled key by key from a window at the head of the
queue: all of a key's queued records together, in their order. Order across
keys is free; order within a key is kept because a key's records are taken as
a prefix and the rest stay at the front of the queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventwire.aggregation import Aggregator

if TYPE_CHECKING:
    from collections import deque

    from eventwire.producer.items import Batch, Pending
    from eventwire.producer.pacing import ShardPacer


SMALLEST = 4096
"""Bytes of the smallest aggregate sent to fill what is left of a shard's window."""


class Packer:
    """Takes aggregated records for one request from shard queues; not thread-safe.

    Args:
        aggregation_bytes: the largest aggregated record.
        batch_records: Kinesis records per request at most.
        batch_bytes: bytes per request at most.
        window: queued user records looked at per shard and request.
    """

    __slots__ = ("aggregation_bytes", "batch_bytes", "batch_records", "floor", "window")

    def __init__(
        self, aggregation_bytes: int, batch_records: int, batch_bytes: int, window: int
    ) -> None:
        self.aggregation_bytes = aggregation_bytes
        self.batch_records = batch_records
        self.batch_bytes = batch_bytes
        self.window = window
        # A shard gets a new aggregate once it can take three quarters of a full one.
        self.floor = aggregation_bytes * 3 // 4

    def need(self, queue: deque[Pending]) -> int:
        """Bytes a shard's bucket should hold before ``queue`` gets an aggregate.

        Three quarters of a full aggregate, or (about) all that is queued if less.
        """
        # 16 bytes a record covers the protobuf framing and a key-table entry.
        return min(self.floor, len(queue) * (queue[0].size + 16) + 64)

    def smallest(self, queue: deque[Pending]) -> int:
        """The smallest aggregate worth sending from ``queue`` into a gap in the window."""
        return min(self.need(queue), SMALLEST)

    def take(
        self,
        queue: deque[Pending],
        name: str | None,
        pacer: ShardPacer | None,
        batch: Batch,
        taken_bytes: int,
        seen: set[str],
        now: float,
    ) -> int:
        """Move aggregates from ``queue`` into ``batch``; return the request's bytes so far.

        Keys in ``seen`` are already in the request and are left queued; keys this
        call puts into the request are added to it.
        """
        limit = self.aggregation_bytes
        floor = self.need(queue)
        smallest = self.smallest(queue)
        # The bucket refills steadily, so wait for most of an aggregate; the window
        # frees room in chunks, so fill what it has, down to a small aggregate.
        if pacer is not None and (pacer.room(now) < smallest or pacer.bucket_bytes(now) < floor):
            return taken_bytes
        window = [queue.popleft() for _ in range(min(len(queue), self.window))]
        groups: dict[str, list[int]] = {}
        for index, item in enumerate(window):
            key = item.record.partition_key
            if key not in seen:
                group = groups.get(key)
                if group is None:
                    groups[key] = [index]
                else:
                    group.append(index)
        taken = bytearray(len(window))
        pending = list(groups.items())
        cursor = 0
        while cursor < len(pending) and len(batch.records) < self.batch_records:
            room = min(limit, self.batch_bytes - taken_bytes)
            if pacer is not None:
                allowance = pacer.room(now)
                if allowance < smallest or pacer.bucket_bytes(now) < floor:
                    break
                # Sized to what the shard can take now, so no gap is left unused.
                room = min(room, int(allowance))
            aggregator = Aggregator()
            members: list[Pending] = []
            while cursor < len(pending):
                key, indexes = pending[cursor]
                used = 0
                for index in indexes:
                    item = window[index]
                    if item.size > limit:
                        break  # too big to aggregate: it goes out alone, below
                    if not aggregator.try_add(item.record, room):
                        break
                    members.append(item)
                    taken[index] = 1
                    used += 1
                if used == 0 and not members and indexes:
                    item = window[indexes[0]]
                    # One over batch_bytes (within the record size) goes in a request alone.
                    too_big = item.size > self.batch_bytes - taken_bytes and bool(batch.records)
                    if too_big or (pacer is not None and not pacer.allows(item.size, now)):
                        cursor = len(pending)  # nothing more fits this request
                        break
                    # An oversized record (or one alone filling an aggregate) goes as itself.
                    aggregator.add(item.record)
                    members.append(item)
                    taken[indexes[0]] = 1
                    used = 1
                if used:
                    seen.add(key)
                if used < len(indexes):
                    if used:
                        cursor += 1  # the rest of this key waits for the next request
                    break  # the aggregate is full
                cursor += 1
            if not members:
                break
            record = members[0].record if len(members) == 1 else aggregator.to_record()
            batch.records.append(record)
            batch.groups.append(members)
            batch.shards.append(name)
            if pacer is not None:
                pacer.spend(record.size)
            taken_bytes += record.size
        left = [item for index, item in enumerate(window) if not taken[index]]
        if left:
            queue.extendleft(reversed(left))
        return taken_bytes
