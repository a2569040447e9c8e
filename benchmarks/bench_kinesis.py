"""Kinesis backend: publish_many vs a bare boto3 put_records loop, publish vs put_record.

Both sides talk to the same endpoint (the emulator's in-process boto3 client:
real botocore serialization, signing and parsing, no sockets) with the same
records, 500 per request. The target is publish_many at >= 90% of the bare
loop's records/s. Each measurement runs on a fresh emulator, best of three.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.config import Config

from eventwire import Event
from eventwire.backends import Record, record_for
from eventwire_emulator.boto import client
from eventwire_emulator.model import Kinesis
from eventwire_kinesis import KinesisBackend

STREAM = "bench"
SHARDS = 4
BATCH = 500
BATCH_RECORDS = 20_000
SINGLE_RECORDS = 1_500
ROUNDS = 3


class BenchOrder(Event, event_type="com.example.bench.order", partition_key="customer"):
    """A small order event, about 300 bytes encoded."""

    customer: str
    n: int
    note: str


def make_records(count: int) -> list[Record]:
    """``count`` encoded events of about 300 bytes over 100 partition keys."""
    return [
        record_for(BenchOrder(customer=f"c{n % 100}", n=n, note="x" * 64), source="bench")
        for n in range(count)
    ]


def fresh_client() -> Any:
    """A boto3 client served in-process by a fresh emulator holding the bench stream."""
    kinesis = Kinesis()
    kinesis.create_stream(STREAM, SHARDS)
    return client(kinesis, config=Config(retries={"total_max_attempts": 1}))


def best_rate(count: int, run: Callable[[Any], None]) -> float:
    """Records per second of ``run`` on a fresh endpoint, the best of ``ROUNDS``."""
    best = 0.0
    for _ in range(ROUNDS):
        boto = fresh_client()
        started = time.perf_counter()
        run(boto)
        best = max(best, count / (time.perf_counter() - started))
    return best


def run() -> None:
    """Measure and print throughput, ratios and per-event overhead."""
    records = make_records(BATCH_RECORDS)
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]

    def bare_put_records(boto: Any) -> None:
        for batch in batches:
            entries = [{"Data": r.data, "PartitionKey": r.partition_key} for r in batch]
            response = boto.put_records(StreamName=STREAM, Records=entries)
            assert response["FailedRecordCount"] == 0

    def publish_many(boto: Any) -> None:
        backend = KinesisBackend(STREAM, client=boto)
        for batch in batches:
            backend.publish_many(batch)

    bare = best_rate(BATCH_RECORDS, bare_put_records)
    ours = best_rate(BATCH_RECORDS, publish_many)
    print(f"endpoint: emulator in-process boto3 client, {SHARDS} shards, batches of {BATCH}")
    print(f"bare boto3 put_records loop : {bare:>10,.0f} records/s")
    print(f"KinesisBackend.publish_many : {ours:>10,.0f} records/s")
    verdict = "meets" if ours >= 0.9 * bare else "MISSES"
    print(f"ratio publish_many / bare   : {ours / bare:>10.1%}  ({verdict} the >= 90% target)")

    singles = records[:SINGLE_RECORDS]

    def bare_put_record(boto: Any) -> None:
        for r in singles:
            boto.put_record(StreamName=STREAM, Data=r.data, PartitionKey=r.partition_key)

    def publish(boto: Any) -> None:
        backend = KinesisBackend(STREAM, client=boto)
        for r in singles:
            backend.publish(r)

    bare_single = best_rate(SINGLE_RECORDS, bare_put_record)
    ours_single = best_rate(SINGLE_RECORDS, publish)
    overhead = (1 / ours_single - 1 / bare_single) * 1e6
    print(f"bare boto3 put_record       : {bare_single:>10,.0f} records/s")
    print(f"KinesisBackend.publish      : {ours_single:>10,.0f} records/s")
    print(f"publish overhead per event  : {overhead:>10.1f} us  ({ours_single / bare_single:.1%})")
