"""The stream's shard map: predicts each record's shard from its hash key, as Kinesis does."""

from __future__ import annotations

from bisect import bisect_right
from hashlib import md5
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventwire.records import Record, ShardInfo


def hash_key_of(record: Record) -> int:
    """The 128-bit hash key Kinesis routes ``record`` by: its explicit one, or MD5 of its key."""
    if record.explicit_hash_key is not None:
        return int(record.explicit_hash_key)
    return int.from_bytes(md5(record.partition_key.encode(), usedforsecurity=False).digest(), "big")


class ShardMap:
    """Open shards sorted by starting hash key; immutable once built."""

    __slots__ = ("_ids", "_starts", "ids")

    def __init__(self, shards: list[ShardInfo]) -> None:
        ordered = sorted(shards, key=lambda shard: shard.starting_hash_key)
        self._starts = [shard.starting_hash_key for shard in ordered]
        self._ids = [shard.shard_id for shard in ordered]
        self.ids = frozenset(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def shard_for(self, hash_key: int) -> str:
        """The id of the open shard whose range holds ``hash_key``."""
        return self._ids[max(0, bisect_right(self._starts, hash_key) - 1)]
