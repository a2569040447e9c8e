"""Emulator in-process: Publisher throughput, moto as the baseline, memory and flatness at 1M."""

from __future__ import annotations

import gc
import os
import statistics
import time
import uuid

from eventwire import Event, Publisher
from eventwire.backends import Record, make_plugin_manager, record_for
from eventwire_emulator import EmulatorBackend, Kinesis

BATCH = 500
EVENTS = 200_000
MOTO_CALLS = 3_000
FILL = 1_000_000


class PersonCreated(Event, event_type="bench.person.created", partition_key="person_id"):
    """A small domain event (about 250 bytes encoded)."""

    person_id: int
    name: str


def _events(count: int) -> list[PersonCreated]:
    return [PersonCreated(person_id=n, name=f"person {n}") for n in range(count)]


def publisher_rate() -> tuple[float, float]:
    """Events/s through Publisher -> emulator backend, batched and one by one."""
    kinesis = Kinesis()
    backend = EmulatorBackend(kinesis, stream="bench", shard_count=4)
    publisher = Publisher(backend, source="bench", plugin_manager=make_plugin_manager())
    events = _events(EVENTS)
    started = time.perf_counter()
    for start in range(0, EVENTS, BATCH):
        publisher.publish_many(events[start : start + BATCH])
    batched = EVENTS / (time.perf_counter() - started)
    single_events = events[:20_000]
    started = time.perf_counter()
    for event in single_events:
        publisher.publish(event)
    single = len(single_events) / (time.perf_counter() - started)
    return batched, single


def moto_rate() -> float:
    """put_record/s through moto's in-process mock_aws, same encoded events."""
    import boto3
    from moto import mock_aws

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    payloads = [record_for(event, source="bench") for event in _events(MOTO_CALLS)]
    with mock_aws():
        client = boto3.client("kinesis", region_name="us-east-1")
        client.create_stream(StreamName="bench", ShardCount=4)
        started = time.perf_counter()
        for record in payloads:
            client.put_record(
                StreamName="bench", Data=record.data, PartitionKey=record.partition_key
            )
        return MOTO_CALLS / (time.perf_counter() - started)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fill() -> tuple[float, float, float]:
    """Store 1M 100-byte records: overhead bytes/record, and last-10% / first-10% rate.

    Each batch's put is timed alone (making the random data is not), and each tenth's
    rate comes from its median batch, so a neighbour process stealing the CPU for a
    moment does not pass for a slow-down of the emulator.
    """
    kinesis = Kinesis()
    backend = EmulatorBackend(kinesis, stream="fill", shard_count=4)
    gc.collect()
    before = _rss_bytes()
    key_length = 36
    batch_seconds: list[float] = []
    for _ in range(0, FILL, BATCH):
        batch = [
            Record(os.urandom(100), str(uuid.uuid4()), None, "", "", False) for _ in range(BATCH)
        ]
        started = time.perf_counter()
        backend.publish_many(batch)
        batch_seconds.append(time.perf_counter() - started)
    del batch
    gc.collect()
    overhead = (_rss_bytes() - before) / FILL - (100 + key_length)
    tenth = len(batch_seconds) // 10
    first = BATCH / statistics.median(batch_seconds[:tenth])
    last = BATCH / statistics.median(batch_seconds[-tenth:])
    return overhead, last / first, first


def run() -> None:
    """Print (a)-(e) with their targets."""
    batched, single = publisher_rate()
    print(
        f"(a) Publisher.publish_many -> emulator: {batched:>10,.0f} events/s  (target >= 100,000)"
    )
    print(f"    Publisher.publish (one by one):      {single:>10,.0f} events/s")
    moto = moto_rate()
    print(f"(b) moto mock_aws put_record:            {moto:>10,.0f} calls/s")
    print(f"(c) ratio a/b:                           {batched / moto:>10,.1f}x     (target >= 50)")
    overhead, flatness, first = fill()
    print(
        f"(d) overhead per stored 100-byte record at {FILL:,}: {overhead:,.0f} bytes"
        "  (target <= 400; beyond the data and a 36-character key)"
    )
    print(
        f"(e) last 10% rate / first 10% rate:      {flatness:>10.0%}     (target >= 90%;"
        f" first 10% at {first:,.0f} records/s per put_records call)"
    )
