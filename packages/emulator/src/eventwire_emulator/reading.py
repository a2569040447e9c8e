"""Read a whole stream back: every shard, parents included, decoded into typed events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventwire import default_registry

if TYPE_CHECKING:
    from eventwire import Event, EventRegistry
    from eventwire_emulator.model import Kinesis


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One record as the stream holds it."""

    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    approximate_arrival_timestamp: float


def read_records(kinesis: Kinesis, stream: str) -> list[StoredRecord]:
    """Every retained record of ``stream``, closed parent shards included.

    Records come shard by shard in ListShards order and, within a shard, in
    sequence-number order (Kinesis orders records per shard only).
    """
    records: list[StoredRecord] = []
    listing = kinesis.list_shards(stream)
    shards = list(listing.shards)
    while listing.next_token is not None:
        listing = kinesis.list_shards(next_token=listing.next_token)
        shards.extend(listing.shards)
    for shard in shards:
        iterator: str | None = kinesis.get_shard_iterator(stream, shard.shard_id, "TRIM_HORIZON")
        while iterator is not None:
            page = kinesis.get_records(iterator, limit=10_000)
            records.extend(
                StoredRecord(
                    shard.shard_id,
                    record.sequence_number,
                    record.partition_key,
                    record.data,
                    record.approximate_arrival_timestamp,
                )
                for record in page.records
            )
            if not page.records and page.millis_behind_latest == 0:
                break  # caught up on an open shard: nothing more to read now
            iterator = page.next_shard_iterator
    return records


def read_events(
    kinesis: Kinesis, stream: str, registry: EventRegistry = default_registry
) -> list[Event]:
    """Every retained record of ``stream`` decoded into its typed event (see ``read_records``).

    Raises:
        DecodeError: a record is not an eventwire event the registry knows.
    """
    return [registry.decode(record.data) for record in read_records(kinesis, stream)]
