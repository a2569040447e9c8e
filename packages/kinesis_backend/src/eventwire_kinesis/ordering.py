"""Strict ordering per partition key: the sequence number chain behind SequenceNumberForOrdering.

For a record whose event class asks for strict ordering, ``put_record`` sends
``SequenceNumberForOrdering`` = the sequence number this backend last got for
the same partition key. Kinesis then gives the new record a strictly greater
sequence number, even when clocks or retries would otherwise reorder them.

What this guarantees: within one backend instance (one publisher), ordered
records with the same partition key are written with strictly increasing
sequence numbers, in the order their ``publish`` calls complete. Calls for the
same key are serialised by a lock, so threads cannot interleave a chain.

What it does not guarantee: ordering across processes or publishers (each has
its own chain); ordering against records sent without ordering; exactly-once
delivery (a timed-out call that did land, then retried, leaves a duplicate,
which still sorts after its predecessor); ordering across a reshard (a key's
records move to a child shard, and readers must finish the parent first).
The chain keeps the most recent ``capacity`` keys; a forgotten key's next
record is ordered by arrival time only, which a sequential caller still gets.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict

STRIPES = 64


class SequenceChain:
    """The last sequence number per partition key, plus per-key locks; thread-safe."""

    def __init__(self, capacity: int = 65_536) -> None:
        self._capacity = capacity
        self._last: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        # Striped locks bound memory however many keys pass through.
        self._stripes = [threading.Lock() for _ in range(STRIPES)]

    def lock_for(self, partition_key: str) -> threading.Lock:
        """The lock that serialises ordered puts for ``partition_key``."""
        return self._stripes[zlib.crc32(partition_key.encode()) % STRIPES]

    def last(self, partition_key: str) -> str | None:
        """The sequence number last recorded for ``partition_key``, if remembered."""
        with self._lock:
            return self._last.get(partition_key)

    def record(self, partition_key: str, sequence_number: str) -> None:
        """Remember ``sequence_number`` as the latest for ``partition_key``."""
        with self._lock:
            previous = self._last.get(partition_key)
            # Keep the chain monotonic even if an older result is recorded late.
            if previous is not None and int(previous) > int(sequence_number):
                return
            self._last[partition_key] = sequence_number
            self._last.move_to_end(partition_key)
            if len(self._last) > self._capacity:
                self._last.popitem(last=False)
