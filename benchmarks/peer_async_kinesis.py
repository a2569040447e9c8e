"""The producer benchmark's peer: eventwire's AsyncProducer and async-kinesis on one server.

Both producers publish the same 100-byte events (1,000 keys) over HTTP to the
emulator server (``python -m eventwire_emulator serve``, quotas on) in its own
process, each to its own 4-shard stream, one after the other. eventwire goes
through ``KinesisBackend`` with ``endpoint_url``; async-kinesis through its
aiobotocore client with ``endpoint_url``, no aggregation. Each rate is events
published until the producer's close returned, divided by the elapsed time;
what the stream holds afterwards is counted to check nothing was lost.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import boto3
from botocore.config import Config

from benchmarks.bench_server import _start, _stop
from eventwire import AsyncProducer, PublishReceipt
from eventwire.backends import Record

SHARDS = 4
EVENTS = 12_000  # three seconds at the streams' 4,000 records/s
REGION = "us-east-1"


def _events() -> list[Record]:
    return [
        Record(f"{i:010d}".encode().ljust(94, b"."), f"k{i % 1000:05d}", event_id=str(i))
        for i in range(EVENTS)
    ]


async def _eventwire(url: str, stream: str, events: list[Record]) -> tuple[float, int]:
    started = time.perf_counter()
    producer = AsyncProducer("kinesis", stream=stream, endpoint_url=url, region=REGION)
    futures = [await producer.publish_record(record) for record in events]
    await producer.close(timeout=60)
    elapsed = time.perf_counter() - started
    failed = sum(not isinstance(future.result(), PublishReceipt) for future in futures)
    return len(events) / elapsed, failed


async def _async_kinesis(url: str, stream: str, events: list[Record]) -> float:
    from kinesis import Producer, StringProcessor  # the peer; only in the bench group

    started = time.perf_counter()
    async with Producer(
        stream, endpoint_url=url, region_name=REGION, processor=StringProcessor()
    ) as producer:
        for record in events:
            await producer.put(record.data.decode(), partition_key=record.partition_key)
    return len(events) / (time.perf_counter() - started)


def _stored(client: Any, stream: str) -> int:
    count = 0
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = client.get_records(ShardIterator=iterator, Limit=10_000)
            count += len(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return count


def run() -> None:
    """Print both producers' rates against the same server, and their ratio (bench_producer)."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    server, url = _start(
        ["-m", "eventwire_emulator", "serve", "--port", "0", "--quotas", "on",
         "--stream", f"ours:{SHARDS}", "--stream", f"peer:{SHARDS}"]
    )  # fmt: skip
    events = _events()
    try:
        ours, failed = asyncio.run(_eventwire(url, "ours", events))
        peer = asyncio.run(_async_kinesis(url, "peer", events))
        # Reading back is not what is measured: wait out the read quota's window.
        client = boto3.client(
            "kinesis", endpoint_url=url, region_name=REGION,
            config=Config(retries={"mode": "standard", "max_attempts": 10}),
        )  # fmt: skip
        stored_ours, stored_peer = _stored(client, "ours"), _stored(client, "peer")
        client.close()
    finally:
        _stop(server)
    print(
        f"eventwire AsyncProducer (KinesisBackend over HTTP): {ours:7.0f} events/s, "
        f"{failed} failed, {stored_ours}/{EVENTS} stored"
    )
    print(
        f"async-kinesis Producer (aiobotocore over HTTP):     {peer:7.0f} events/s, "
        f"{stored_peer}/{EVENTS} stored"
    )
    print(f"ratio eventwire / async-kinesis: {ours / peer:.2f}x (limit {SHARDS * 1000}/s each)")


if __name__ == "__main__":
    run()
