"""Producer goodput against a 4-shard emulated stream with the write quotas enforced.

Runs on the in-process emulator model with the system clock and quotas on,
through the ``emulator`` backend. Goodput is delivered user records (or bytes)
per second as a fraction of the stream's limit: 4 x 1,000 records/s for small
records, 4 x 1 MiB/s for large ones. The baseline is a naive loop of single
puts that drops what is throttled. Aggregation packs 100-byte user records
(94 bytes of data plus a 6-character key from a pool of 1,000) into KPL
aggregated records. Last, the peer: async-kinesis against the emulator HTTP
server (see ``benchmarks.peer_async_kinesis``).

The emulator's quota is a bucket per shard refilling continuously (1,000
records and 1 MiB a second, holding a second's worth when rested), so a short
run can show 100 % of the limit or more. The steady-state lines compare rates
instead: records delivered between the first and the fourth second of a run
with a backlog on every shard.
"""

from __future__ import annotations

import threading
import time

from benchmarks import peer_async_kinesis
from eventwire import Producer, ProducerSettings, PublishReceipt, ThrottledError
from eventwire.backends import Record
from eventwire_emulator.backend import EmulatorBackend
from eventwire_emulator.model import Kinesis, SystemClock

SHARDS = 4
RECORDS_LIMIT = SHARDS * 1000
BYTES_LIMIT = SHARDS * 1024 * 1024


def _backend(name: str) -> tuple[Kinesis, EmulatorBackend]:
    kinesis = Kinesis(clock=SystemClock(), quotas=True)
    return kinesis, EmulatorBackend(kinesis, stream=name, shard_count=SHARDS)


def _records(count: int, size: int, keys: int = 1000) -> list[Record]:
    return [
        Record(f"{i:010d}".encode().ljust(size - 6, b"."), f"k{i % keys:05d}", event_id=str(i))
        for i in range(count)
    ]


def _naive(records: list[Record], seconds: float) -> tuple[float, int]:
    """Put records one by one for ``seconds``; throttled ones are lost. Returns (rate, lost)."""
    _, backend = _backend("naive")
    delivered = lost = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for record in records[:1000]:
            try:
                backend.publish(record)
                delivered += 1
            except ThrottledError:
                lost += 1
    return delivered / (time.perf_counter() - started), lost


def _produce(records: list[Record], settings: ProducerSettings) -> tuple[float, int, Producer]:
    """Publish every record and wait for all; returns (records/s, failures, producer)."""
    _, backend = _backend("produced")
    producer = Producer(backend, settings=settings)
    started = time.perf_counter()
    futures = [producer.publish_record(record) for record in records]
    producer.flush()
    elapsed = time.perf_counter() - started
    producer.close()
    failures = sum(not isinstance(f.result(), PublishReceipt) for f in futures)
    return len(records) / elapsed, failures, producer


def _steady(records: list[Record], settings: ProducerSettings) -> float:
    """User records/s delivered from 1 s to 4 s into a run that keeps every shard busy."""
    _, backend = _backend("steady")
    return steady_rate(Producer(backend, settings=settings), records)


def steady_rate(producer: Producer, records: list[Record]) -> float:
    """User records/s ``producer`` delivers from 1 s to 4 s into publishing ``records``.

    Closes the producer without waiting: the backlog left is not what is measured.
    """
    rates: list[float] = []

    def sample() -> None:
        time.sleep(1.0)
        before, started = producer.stats.sent_records, time.perf_counter()
        time.sleep(3.0)
        rates.append((producer.stats.sent_records - before) / (time.perf_counter() - started))

    sampler = threading.Thread(target=sample)
    sampler.start()
    for record in records:
        producer.publish_record(record)
    sampler.join()
    producer.close(timeout=0)
    return rates[0]


def run() -> None:
    """Print goodput for small and large records, the naive baseline, and aggregation."""
    small = _records(RECORDS_LIMIT * 6, 100)
    naive_rate, naive_lost = _naive(small, 3.0)
    print(
        f"naive put_record loop, 100 B: {naive_rate:9.0f} records/s delivered "
        f"({naive_rate / RECORDS_LIMIT:.0%} of limit), {naive_lost} throttled records lost"
    )
    rate, failed, producer = _produce(small, ProducerSettings())
    stats = producer.stats
    print(
        f"Producer, 100 B:              {rate:9.0f} records/s "
        f"({rate / RECORDS_LIMIT:.0%} of {RECORDS_LIMIT}/s), {failed} lost, "
        f"{stats.throttled_records} throttled and retried"
    )
    large = _records(400, 50 * 1024)
    rate, failed, producer = _produce(large, ProducerSettings())
    goodput = rate * 50 * 1024
    print(
        f"Producer, 50 KiB:             {goodput / 2**20:9.2f} MiB/s "
        f"({goodput / BYTES_LIMIT:.0%} of 4 MiB/s), {failed} lost, "
        f"{producer.stats.throttled_records} throttled and retried"
    )
    plain_rate = _produce(small[: RECORDS_LIMIT * 3], ProducerSettings())[0]
    aggregated = _records(SHARDS * 10_000 * 5, 100)
    agg_rate, failed, producer = _produce(aggregated, ProducerSettings(aggregate=True))
    print(
        f"Producer, 100 B, aggregated:  {agg_rate:9.0f} user records/s, {failed} lost, "
        f"{producer.stats.kinesis_records} Kinesis records; "
        f"{agg_rate / plain_rate:.1f}x the non-aggregated {plain_rate:.0f}/s"
    )
    plain = _steady(_records(RECORDS_LIMIT * 6, 100), ProducerSettings())
    agg = _steady(_records(SHARDS * 10_000 * 6, 100), ProducerSettings(aggregate=True))
    print(
        f"steady state (1-4 s), 100 B: {plain:9.0f} records/s ({plain / RECORDS_LIMIT:.0%}); "
        f"aggregated: {agg:.0f} user records/s; {agg / plain:.1f}x"
    )
    peer_async_kinesis.run()


if __name__ == "__main__":
    run()
