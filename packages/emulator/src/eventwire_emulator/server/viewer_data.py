"""The data viewer's JSON documents: streams, shards with record counts, newest records.

Reads go through the model's public API as observations (``Kinesis.observing``), so
the viewer is never throttled, takes no injected fault and uses up no quota. Each
shard has a cursor that remembers how far it has read, so a poll reads only the
records that arrived since the last one and the cost does not grow with the stream.
Counts are of records put (records later dropped by the retention period are still
counted).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventwire_emulator.model import Kinesis, ModelError, Record, Shard
from eventwire_emulator.server.decoding import describe

#: Newest records kept per shard for display.
KEEP_PER_SHARD = 200


@dataclass(slots=True)
class _Cursor:
    """How far one shard has been read, and its newest records."""

    after: str | None = None
    count: int = 0
    finished: bool = False
    newest: deque[Record] = field(default_factory=lambda: deque(maxlen=KEEP_PER_SHARD))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


class ViewerData:
    """Snapshots of a model for the viewer page; thread-safe."""

    def __init__(self, kinesis: Kinesis) -> None:
        self.kinesis = kinesis
        self._lock = threading.Lock()
        # Keyed by stream ARN, creation time and shard id, so a stream deleted and
        # created again under the same name starts over.
        self._cursors: dict[tuple[str, float, str], _Cursor] = {}

    def _advance(self, stream: str, key: tuple[str, float, str], shard_id: str) -> _Cursor:
        cursor = self._cursors.setdefault(key, _Cursor())
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
        return cursor

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
        shards: list[Shard] = []
        token: str | None = None
        while True:
            if token is None:
                page = self.kinesis.list_shards(name, max_results=10_000)
            else:
                page = self.kinesis.list_shards(next_token=token, max_results=10_000)
            shards.extend(page.shards)
            token = page.next_token
            if token is None:
                return shards

    def streams(self) -> dict[str, Any]:
        """Every stream with its shards: hash range, lineage, open or closed, record count."""
        documents = []
        with self._lock, self.kinesis.observing():
            for name in self._stream_names():
                try:
                    summary = self.kinesis.describe_stream_summary(name)
                    shards = self._shards(name)
                except ModelError:
                    continue  # deleted while we looked
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
