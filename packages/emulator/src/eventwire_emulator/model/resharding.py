"""Resharding: splits, merges and uniform scaling, each leaving correct shard lineage.

Changes take effect at once (AWS passes through UPDATING for a while); the
stream keeps reporting ACTIVE. Callers hold the stream lock.
"""

from __future__ import annotations

from eventwire_emulator.model.errors import InvalidArgument, ResourceNotFound
from eventwire_emulator.model.hashing import HashRange
from eventwire_emulator.model.shard_log import ShardLog
from eventwire_emulator.model.stream import Stream


def _open_shard(stream: Stream, shard_id: str, account_id: str) -> ShardLog:
    # The API reference (SplitShard, MergeShards): a shard the stream does not have is
    # ResourceNotFoundException; one already split or merged, the stream being ACTIVE,
    # is InvalidArgumentException (ResourceInUseException is for a stream not ACTIVE).
    shard = stream.by_id.get(shard_id)
    if shard is None:
        raise ResourceNotFound(
            f"Could not find shard {shard_id} in stream {stream.name} under account {account_id}."
        )
    if not shard.is_open:
        raise InvalidArgument(
            f"Shard {shard_id} in stream {stream.name} under account {account_id} "
            f"has already been merged or split, and thus is not eligible for merging or splitting."
        )
    return shard


def split(
    stream: Stream, shard_id: str, new_starting_hash_key: int, now: float, account: str
) -> None:
    """Split an open shard at `new_starting_hash_key` into two children.

    Raises:
        ResourceNotFound: unknown shard.
        InvalidArgument: the shard is already closed, or the key is not in (start, end].
    """
    parent = _open_shard(stream, shard_id, account)
    hash_range = parent.hash_range
    if not hash_range.start < new_starting_hash_key <= hash_range.end:
        raise InvalidArgument(
            f"NewStartingHashKey {new_starting_hash_key} used in SplitShard() on shard {shard_id} "
            f"in stream {stream.name} under account {account} is not both greater than one "
            f"plus the shard's StartingHashKey {hash_range.start} and less than the shard's "
            f"EndingHashKey {hash_range.end}."
        )
    low, high = hash_range.split(new_starting_hash_key)
    stream.close_shard(parent, now)
    stream.open_shard(low, now, parent)
    stream.open_shard(high, now, parent)
    stream.reroute()


def merge(stream: Stream, shard_id: str, adjacent_id: str, now: float, account: str) -> None:
    """Merge two adjacent open shards into one child.

    Raises:
        ResourceNotFound: an unknown shard.
        InvalidArgument: a shard already closed, the same shard twice, or not adjacent.
    """
    first = _open_shard(stream, shard_id, account)
    second = _open_shard(stream, adjacent_id, account)
    if first is second or not first.hash_range.adjacent_to(second.hash_range):
        raise InvalidArgument(
            f"Shards {shard_id} and {adjacent_id} in stream {stream.name} under account "
            f"{account} are not an adjacent pair of shards eligible for merging"
        )
    merged = first.hash_range.merge(second.hash_range)
    stream.close_shard(first, now)
    stream.close_shard(second, now)
    stream.open_shard(merged, now, first, second)
    stream.reroute()


def scale_uniformly(stream: Stream, target: int, now: float) -> None:
    """Reach `target` open shards with uniform ranges by real splits, then real merges.

    Phase one splits every open shard at each target boundary strictly inside
    it, so every open shard lies within one target range; phase two merges the
    pieces of each target range left to right. Intermediate shards are
    short-lived, as in AWS, and lineage stays exact for readers.
    """
    targets = HashRange.uniform(target)
    boundaries = [r.start for r in targets[1:]]
    for shard in list(stream.open_shards):
        piece = shard
        for boundary in boundaries:
            if piece.hash_range.start < boundary <= piece.hash_range.end:
                low, high = piece.hash_range.split(boundary)
                stream.close_shard(piece, now)
                stream.open_shard(low, now, piece)
                piece = stream.open_shard(high, now, piece)
    stream.reroute()
    for wanted in targets:
        pieces = [s for s in stream.open_shards if wanted.contains(s.hash_range.start)]
        current = pieces[0]
        for nxt in pieces[1:]:
            merged = current.hash_range.merge(nxt.hash_range)
            stream.close_shard(current, now)
            stream.close_shard(nxt, now)
            current = stream.open_shard(merged, now, current, nxt)
    stream.reroute()
