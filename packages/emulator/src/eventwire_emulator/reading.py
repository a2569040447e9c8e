"""Read a whole stream back: every shard, parents included, de-aggregated, decoded into events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventwire import default_registry
from eventwire.backends import deaggregate

if TYPE_CHECKING:
    from eventwire import Event, EventRegistry
    from eventwire_emulator.model import Kinesis


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One user record as the stream holds it (one of several when KPL-aggregated)."""

    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    approximate_arrival_timestamp: float
    sub_sequence_number: int = 0


def read_records(kinesis: Kinesis, stream: str) -> list[StoredRecord]:
    """Every retained record of ``stream``, closed parent shards included.

    Records come shard by shard in ListShards order and, within a shard, in
    sequence-number order (Kinesis orders records per shard only). KPL-aggregated
    records are split into their user records, which share the aggregate's
    sequence number and are numbered by ``sub_sequence_number``. Reads are
    observations (``Kinesis.observing``): no quota, call rate or injected fault.
    """
    with kinesis.observing():
        return _read_records(kinesis, stream)


def _read_records(kinesis: Kinesis, stream: str) -> list[StoredRecord]:
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
                    user.partition_key,
                    user.data,
                    record.approximate_arrival_timestamp,
                    user.sub_sequence_number,
                )
                for record in page.records
                for user in deaggregate(record.data, record.partition_key)
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
