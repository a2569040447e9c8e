"""The data viewer's paging: a shard page by page, the whole stream by arrival, filters, one record.

Separate from ``viewer_data`` (the live overview and its cursors): these reads
start from a position the page gives back (a sequence number, or an arrival
time and sequence number for the whole stream), so the server keeps no state per
reader. Every request reads at most ``MAX_SCAN`` records per shard, whatever the
filters skip, so a filter that matches nothing costs a bounded amount; the answer
then says where to go on from.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventwire_emulator.model import Kinesis, Record
from eventwire_emulator.server.decoding import describe
from eventwire_emulator.server.viewer_data import all_shards

MAX_PAGE = 200
"""Records on one page at most."""

MAX_SCAN = 5_000
"""Records read per shard for one page at most, matching or not."""


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def _event_type(data: bytes) -> str | None:
    if not data.startswith(b"{"):
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    kind = document.get("type") if isinstance(document, dict) else None
    return kind if isinstance(kind, str) else None


@dataclass(frozen=True, slots=True)
class Filters:
    """Keep records with this partition key and this CloudEvents type (empty: any)."""

    key: str = ""
    event_type: str = ""

    def keep(self, record: Record) -> bool:
        """Whether ``record`` passes."""
        if self.key and record.partition_key != self.key:
            return False
        return not self.event_type or _event_type(record.data) == self.event_type


def render(record: Record, shard_id: str) -> dict[str, Any]:
    """One record as the page shows it (the same fields as the live view, plus its shard)."""
    return {
        "shardId": shard_id,
        "sequenceNumber": record.sequence_number,
        "partitionKey": record.partition_key,
        "arrival": _iso(record.approximate_arrival_timestamp),
        "arrivalSeconds": record.approximate_arrival_timestamp,
        "size": len(record.data),
        **describe(record.data),
    }


def record_json(record: Record, shard_id: str) -> dict[str, Any]:
    """One record as a JSON document to copy: its data as JSON when it is JSON, else text."""
    document: dict[str, Any] = {
        "shardId": shard_id,
        "sequenceNumber": record.sequence_number,
        "partitionKey": record.partition_key,
        "approximateArrivalTimestamp": _iso(record.approximate_arrival_timestamp),
    }
    try:
        document["data"] = json.loads(record.data)
    except ValueError:
        try:
            document["text"] = record.data.decode()
        except UnicodeDecodeError:
            document["hex"] = record.data.hex()
    return document


class ViewerPages:
    """Pages of records read through the model's observing API; thread-safe, stateless."""

    def __init__(self, kinesis: Kinesis) -> None:
        self.kinesis = kinesis

    def _scan(
        self, stream: str, shard_id: str, after: str | None, since: float | None = None
    ) -> Iterator[Record]:
        """One shard's records in order, after ``after`` or from ``since``; MAX_SCAN at most."""
        read = 0
        while read < MAX_SCAN:
            limit = min(1_000, MAX_SCAN - read)
            if after is not None:
                batch = self.kinesis.read_shard(
                    stream, shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number=after, limit=limit
                )
            elif since is not None:
                batch = self.kinesis.read_shard(
                    stream, shard_id, "AT_TIMESTAMP", timestamp=since, limit=limit
                )
            else:
                batch = self.kinesis.read_shard(stream, shard_id, "TRIM_HORIZON", limit=limit)
            yield from batch.records
            read += len(batch.records)
            if not batch.records:
                return
            after = batch.records[-1].sequence_number

    def shard_page(
        self, stream: str, shard_id: str, after: str | None, limit: int, filters: Filters
    ) -> dict[str, Any]:
        """Up to ``limit`` matching records of a shard, oldest first, after sequence ``after``.

        Raises:
            ModelError: no such stream or shard, or a bad sequence number.
        """
        limit = max(1, min(limit, MAX_PAGE))
        shown: list[dict[str, Any]] = []
        last: str | None = after
        scanned = 0
        with self.kinesis.observing():
            for record in self._scan(stream, shard_id, after):
                scanned += 1
                last = record.sequence_number
                if filters.keep(record):
                    shown.append(render(record, shard_id))
                    if len(shown) == limit:
                        break
        return {
            "stream": stream,
            "shardId": shard_id,
            "records": shown,
            "scanned": scanned,
            # Where the next page starts; None when this one reached the newest record.
            "next": last if scanned and (len(shown) == limit or scanned >= MAX_SCAN) else None,
        }

    def stream_page(
        self, stream: str, after: tuple[float, str] | None, limit: int, filters: Filters
    ) -> dict[str, Any]:
        """Up to ``limit`` matching records of every shard merged by arrival time, oldest first.

        Args:
            stream: the stream.
            after: the arrival time and sequence number of the last record already shown.
            limit: records on the page.
            filters: partition key and event type to keep.

        Raises:
            ModelError: no such stream.
        """
        limit = max(1, min(limit, MAX_PAGE))
        with self.kinesis.observing():
            shard_ids = [shard.shard_id for shard in self._shards(stream)]
            since = after[0] if after is not None else None
            # Sequence numbers grow within a shard only; the tie-break by shard keeps
            # records of one arrival millisecond in a fixed order across pages.
            merged = heapq.merge(
                *(self._ordered(stream, index, sid, since) for index, sid in enumerate(shard_ids))
            )
            shown: list[dict[str, Any]] = []
            cursor: str | None = None
            skip_to = self._position(after, shard_ids)
            for order, record, shard_id in merged:
                if skip_to is not None and order <= skip_to:
                    continue
                cursor = (
                    f"{record.approximate_arrival_timestamp!r}:{shard_id}:{record.sequence_number}"
                )
                if filters.keep(record):
                    shown.append(render(record, shard_id))
                    if len(shown) == limit:
                        break
        return {
            "stream": stream,
            "shardId": None,
            "records": shown,
            "next": cursor if len(shown) == limit else None,
        }

    def _ordered(
        self, stream: str, index: int, shard_id: str, since: float | None
    ) -> Iterator[tuple[tuple[float, int, int], Record, str]]:
        for record in self._scan(stream, shard_id, None, since):
            order = (record.approximate_arrival_timestamp, index, int(record.sequence_number))
            yield order, record, shard_id

    def _position(
        self, after: tuple[float, str] | None, shard_ids: list[str]
    ) -> tuple[float, int, int] | None:
        if after is None:
            return None
        seconds, rest = after
        shard_id, _, sequence = rest.partition(":")
        index = shard_ids.index(shard_id) if shard_id in shard_ids else -1
        return (seconds, index, int(sequence) if sequence.isdigit() else 0)

    def _shards(self, stream: str) -> list[Any]:
        return all_shards(self.kinesis, stream)

    def record(self, stream: str, shard_id: str, sequence_number: str) -> dict[str, Any] | None:
        """One record as JSON to copy, or None when that shard holds no such record.

        Raises:
            ModelError: no such stream or shard, or a malformed sequence number.
        """
        with self.kinesis.observing():
            batch = self.kinesis.read_shard(
                stream, shard_id, "AT_SEQUENCE_NUMBER", sequence_number=sequence_number, limit=1
            )
        if not batch.records or batch.records[0].sequence_number != sequence_number:
            return None
        return record_json(batch.records[0], shard_id)
