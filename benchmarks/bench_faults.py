"""Producer under faults: recovery after a 10 s outage, and goodput with 5% of entries throttled.

Both use the fault matrix's harness (``tests/integration/faultmatrix.py``).
Recovery: a ``Producer`` through ``KinesisBackend`` publishes 40,000 events
to the emulator's HTTP server (4 shards, quotas on); a second in, the server
is killed and restarted on the same port 10 s later. Recovery time is from
the restart to the first one-second window in which at least 90% of the
stream's quota (3,600 records) was delivered; target: 2 s or less. Goodput
with throttling: the in-process emulator (4 shards, quotas on) throttles 5%
of PutRecords entries at random; the run's goodput over a clean run's,
same records; target: 80% or more. Last, the fault matrix's scenarios with
20,000 events each for every client, as CI runs them, with their times.
"""

from __future__ import annotations

import os
import threading
import time

from tests.integration.faultmatrix import (
    CLIENTS,
    CREDENTIALS,
    STREAM,
    Server,
    check,
    make_events,
    run_producer,
    stored_ids,
)

from benchmarks.bench_producer import RECORDS_LIMIT, SHARDS, _records
from eventwire import Producer, ProducerSettings, PublishReceipt
from eventwire_emulator.backend import EmulatorBackend
from eventwire_emulator.model import Kinesis, SystemClock


def _recovery(events: int = 40_000) -> tuple[float | None, float]:
    """Seconds from the server's return to a second at >= 90% of quota; and the run's time."""
    server = Server()
    server.kinesis.create_stream(STREAM, SHARDS)
    back: list[float] = []

    def outage() -> None:
        time.sleep(1.0)
        server.kill()
        time.sleep(10.0)
        server.restart()
        back.append(time.monotonic())

    thread = threading.Thread(target=outage)
    thread.start()
    run = run_producer(server.url, make_events(events))
    thread.join()
    check(run, stored_ids(server.kinesis), causes=("onnect", "reset", "refused", "closed"))
    server.close()
    times = run.done_at
    target = 0.9 * RECORDS_LIMIT
    start = back[0]
    # The first window [t, t + 1) after the return that holds >= 90% of a second's quota.
    low = 0
    for high, at in enumerate(times):
        while times[low] < at - 1.0:
            low += 1
        if at >= start + 1.0 and times[low] >= start and high - low + 1 >= target:
            return at - 1.0 - start, run.seconds
    return None, run.seconds


def _goodput(fraction: float) -> float:
    kinesis = Kinesis(clock=SystemClock(), quotas=True)
    if fraction:
        kinesis.faults.fail_entries(
            "ProvisionedThroughputExceededException", fraction=fraction, seed=5
        )
    backend = EmulatorBackend(kinesis, stream="throttled", shard_count=SHARDS)
    records = _records(RECORDS_LIMIT * 3, 100)
    producer = Producer(backend, settings=ProducerSettings())
    started = time.perf_counter()
    futures = [producer.publish_record(record) for record in records]
    producer.flush()
    elapsed = time.perf_counter() - started
    producer.close()
    assert all(isinstance(f.result(), PublishReceipt) for f in futures)
    return len(records) / elapsed


def _matrix(events: int) -> None:
    from tests.integration import test_fault_matrix as matrix

    for name in dir(matrix.TestFaultMatrix):
        if not name.startswith("test_"):
            continue
        for client in CLIENTS:
            server = Server()
            server.kinesis.create_stream(STREAM, SHARDS)
            started = time.perf_counter()
            try:
                matrix.EVENTS = events
                matrix.EARLY = max(0.3, events / (4 * RECORDS_LIMIT))
                getattr(matrix.TestFaultMatrix(), name)(client, server)
                verdict = "ok"
            except AssertionError as exc:
                verdict = f"FAILED: {str(exc).splitlines()[0][:120]}"
            finally:
                server.close()
            print(f"  {name[5:]:34} {client:14} {time.perf_counter() - started:6.1f} s  {verdict}")


def run() -> None:
    """Print the recovery time, the goodput ratio under throttling, and the matrix's times."""
    os.environ.update(CREDENTIALS)
    clean = _goodput(0.0)
    throttled = _goodput(0.05)
    print(
        f"goodput, 5% of entries throttled: {throttled:7.0f} records/s vs {clean:.0f}/s clean: "
        f"{throttled / clean:.0%} (target >= 80%)"
    )
    recovery, seconds = _recovery()
    shown = "never" if recovery is None else f"{recovery:.2f} s"
    print(
        f"recovery after a 10 s outage: {shown} to a second at >= 90% of quota "
        f"(target <= 2 s); run took {seconds:.1f} s"
    )
    print("fault matrix, 20,000 events per run:")
    _matrix(20_000)


if __name__ == "__main__":
    run()
