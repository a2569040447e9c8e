"""The data viewer's JSON documents: streams, shards with record counts, newest records.

Reads go through the model's public API as observations (``Kinesis.observing``), so
the viewer is never throttled, takes no injected fault and uses up no quota. Each
shard has a cursor that remembers how far it has read, so a poll reads only the
records that arrived since the last one and the cost does not grow with the stream.
Counts are of records put (records later dropped by the retention period are still
counted).

Cursors are bounded: one is kept only for a shard that exists, a deleted stream's
go at the next stream listing, any unused for `CURSOR_TTL` seconds go, and at most
`MAX_CURSORS` are kept (the least recently used go first). A cursor's newest
records are the model's own objects, so they cost memory only once the model has
let them go.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventwire_emulator.model import Kinesis, ModelError, Record, Shard
from eventwire_emulator.server.decoding import describe

#: Newest records kept per shard for display.
KEEP_PER_SHARD = 200
#: Most shard cursors kept at once.
MAX_CURSORS = 1024
#: Seconds an unused cursor is kept.
CURSOR_TTL = 600.0

_Key = tuple[str, float, str]


@dataclass(slots=True)
class _Cursor:
    """How far one shard has been read, and its newest records."""

    after: str | None = None
    count: int = 0
    used: float = 0.0
    finished: bool = False
    newest: deque[Record] = field(default_factory=lambda: deque(maxlen=KEEP_PER_SHARD))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


class ViewerData:
    """Snapshots of a model for the viewer page; thread-safe."""

    def __init__(self, kinesis: Kinesis, clock: Callable[[], float] = time.monotonic) -> None:
        self.kinesis = kinesis
        self._clock = clock
        self._lock = threading.Lock()
        # Keyed by stream ARN, creation time and shard id, so a stream deleted and
        # created again under the same name starts over; least recently used first.
        self._cursors: OrderedDict[_Key, _Cursor] = OrderedDict()

    @property
    def cursors(self) -> int:
        """How many shard cursors are kept."""
        return len(self._cursors)

    def _expire(self, now: float) -> None:
        cursors = self._cursors
        while cursors and (
            len(cursors) > MAX_CURSORS or next(iter(cursors.values())).used < now - CURSOR_TTL
        ):
            cursors.popitem(last=False)

    def _advance(self, stream: str, key: _Key, shard_id: str) -> _Cursor:
        now = self._clock()
        cursor = self._cursors.get(key)
        if cursor is None:
            cursor = _Cursor()
            self._read(stream, cursor, shard_id)  # raises for a shard that does not exist
            self._cursors[key] = cursor
        else:
            self._cursors.move_to_end(key)
            self._read(stream, cursor, shard_id)
        cursor.used = now
        self._expire(now)
        return cursor

    def _read(self, stream: str, cursor: _Cursor, shard_id: str) -> None:
        while not cursor.finished:
            if cursor.after is None:
                batch = self.kinesis.read_shard(stream, shard_id, "TRIM_HORIZON")
            else:
                batch = self.kinesis.read_shard(
                    stream, shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number=cursor.after
                )
            cursor.count += len(batch.records)
            cursor.newest.extend(batch.records)
            if batch.continuation_sequence_number is None:
                cursor.finished = True
            else:
                cursor.after = batch.continuation_sequence_number
            if not batch.records:
                break

    def _stream_names(self) -> list[str]:
        names: list[str] = []
        token: str | None = None
        while True:
            page = self.kinesis.list_streams(next_token=token)
            names.extend(page.stream_names)
            token = page.next_token
            if token is None:
                return names

    def _shards(self, name: str) -> list[Shard]:
        return all_shards(self.kinesis, name)

    def streams(self) -> dict[str, Any]:
        """Every stream with its shards: hash range, lineage, open or closed, record count."""
        documents = []
        live: set[tuple[str, float]] = set()
        with self._lock, self.kinesis.observing():
            for name in self._stream_names():
                try:
                    summary = self.kinesis.describe_stream_summary(name)
                    shards = self._shards(name)
                except ModelError:
                    continue  # deleted while we looked
                live.add((summary.stream_arn, summary.stream_creation_timestamp))
                shard_documents = []
                for shard in shards:
                    key = (summary.stream_arn, summary.stream_creation_timestamp, shard.shard_id)
                    try:
                        cursor = self._advance(name, key, shard.shard_id)
                    except ModelError:
                        continue
                    shard_documents.append(
                        {
                            "shardId": shard.shard_id,
                            "parentShardId": shard.parent_shard_id,
                            "adjacentParentShardId": shard.adjacent_parent_shard_id,
                            "startingHashKey": str(shard.hash_key_range.start),
                            "endingHashKey": str(shard.hash_key_range.end),
                            "open": shard.sequence_number_range.ending_sequence_number is None,
                            "records": cursor.count,
                        }
                    )
                documents.append(
                    {
                        "name": name,
                        "arn": summary.stream_arn,
                        "mode": summary.stream_mode,
                        "status": summary.stream_status,
                        "created": _iso(summary.stream_creation_timestamp),
                        "shards": shard_documents,
                    }
                )
            # A deleted stream's cursors (and the records they hold) go now.
            for key in [key for key in self._cursors if key[:2] not in live]:
                del self._cursors[key]
        return {"streams": documents}

    def records(self, stream: str, shard_id: str, limit: int) -> dict[str, Any]:
        """The newest `limit` records of one shard, newest first, rendered for people.

        Raises:
            ModelError: the stream or shard does not exist.
        """
        with self._lock, self.kinesis.observing():
            summary = self.kinesis.describe_stream_summary(stream)
            key = (summary.stream_arn, summary.stream_creation_timestamp, shard_id)
            cursor = self._advance(stream, key, shard_id)
            newest = list(cursor.newest)[-limit:] if limit > 0 else []
            count = cursor.count
        newest.reverse()
        return {
            "stream": summary.stream_name,
            "shardId": shard_id,
            "count": count,
            "records": [
                {
                    "sequenceNumber": record.sequence_number,
                    "partitionKey": record.partition_key,
                    "arrival": _iso(record.approximate_arrival_timestamp),
                    "size": len(record.data),
                    **describe(record.data),
                }
                for record in newest
            ],
        }


def all_shards(kinesis: Kinesis, stream: str) -> list[Shard]:
    """Every shard of ``stream``, open and closed, over all ListShards pages."""
    shards: list[Shard] = []
    token: str | None = None
    while True:
        if token is None:
            page = kinesis.list_shards(stream, max_results=10_000)
        else:
            page = kinesis.list_shards(next_token=token, max_results=10_000)
        shards.extend(page.shards)
        token = page.next_token
        if token is None:
            return shards
