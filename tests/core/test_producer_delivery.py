"""Issue 9 on the producer side: every record gets a receipt or a failure that says why."""

from __future__ import annotations

import asyncio
import logging
import random
import subprocess
import sys
import textwrap
import threading
from typing import TYPE_CHECKING

import pytest

from eventwire import (
    AsyncProducer,
    BackendConnectionError,
    DeliveryError,
    DeliveryTimeoutError,
    PermissionDeniedError,
    Producer,
    ProducerSettings,
    PublishFailure,
    PublishReceipt,
    ThrottledError,
    hookimpl,
)
from eventwire.backends import Backend, Record, ShardInfo, error_for_aws_code
from eventwire.producer import ManualClock
from eventwire.producer.pacing import ShardPacer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from eventwire.errors import BackendError
    from eventwire.records import PublishResult

MiB = 1024 * 1024
TOP = 2**128 - 1
THROTTLED = "ProvisionedThroughputExceededException"


def _throttled(shard: str = "shardId-000000000000") -> ThrottledError:
    return ThrottledError(f"Rate exceeded for shard {shard}", code=THROTTLED, shard_id=shard)


def _internal() -> DeliveryError:
    return DeliveryError("Internal service failure.", code="InternalFailure")


class ScriptedBackend(Backend):
    """One shard; keeps what it takes; entries, whole calls and shard reads fail as scripted."""

    name = "scripted"
    stream = "s"

    def __init__(self, entry_fault: Callable[[Record], BackendError | None] | None = None) -> None:
        self.records: list[Record] = []
        self.requests: list[int] = []
        self.entry_fault = entry_fault
        self.call_faults: list[BackendError] = []
        self.shard_faults: list[BackendError] = []
        self.lock = threading.Lock()

    def shards(self) -> list[ShardInfo]:
        with self.lock:
            if self.shard_faults:
                raise self.shard_faults.pop(0)
        return [ShardInfo("shardId-000000000000", 0, TOP)]

    def publish(self, record: Record) -> PublishReceipt:
        raise NotImplementedError  # the producer sends batches

    def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        with self.lock:
            self.requests.append(len(records))
            if self.call_faults:
                raise self.call_faults.pop(0)
            results: list[PublishResult] = []
            for record in records:
                error = self.entry_fault(record) if self.entry_fault else None
                if error is not None:
                    results.append(PublishFailure(record.event_id, error, 1, record))
                else:
                    self.records.append(record)
                    results.append(
                        PublishReceipt(record.event_id, self.name, self.stream,
                                       "shardId-000000000000", str(len(self.records)))
                    )  # fmt: skip
            return results


def _manual(backend: Backend, clock: ManualClock, **settings: object) -> Producer:
    return Producer(
        backend, clock=clock, background=False, max_record_size=10 * MiB,
        settings=ProducerSettings(**settings),  # type: ignore[arg-type]
    )  # fmt: skip


class TestLargeRecords:
    """A record over batch_bytes but within max_record_size goes out, alone, without spinning."""

    @pytest.mark.parametrize("aggregate", [False, True])
    def test_producer_sends_it(self, aggregate: bool) -> None:
        """6 MiB on a 10 MiB stream is delivered at once, between small records, in order."""
        backend, clock = ScriptedBackend(), ManualClock()
        producer = _manual(backend, clock, pace=False, aggregate=aggregate)
        sizes = [10, 6 * MiB, 10]
        futures = [producer.publish_record(Record(b"x" * n, "k")) for n in sizes]
        assert producer.flush(timeout=5.0)
        assert all(isinstance(f.result(0), PublishReceipt) for f in futures)
        assert sizes == [len(r.data) for r in backend.records]
        assert 0.0 == clock.now()  # no time passed: nothing waited for a tick
        producer.close()

    def test_paced_producer_sends_it(self) -> None:
        """With pacing, the large record waits for the shard's burst, not forever."""
        backend, clock = ScriptedBackend(), ManualClock()
        producer = _manual(backend, clock)
        futures = [producer.publish_record(Record(b"x" * 6 * MiB, f"k{i}")) for i in range(2)]
        assert producer.flush(timeout=60.0)
        assert all(isinstance(f.result(0), PublishReceipt) for f in futures)
        # Two bursts of 6 MiB at 1 MiB/s average: the second waits for the refill.
        assert 1 <= clock.now() <= 13
        producer.close()

    def test_async_producer_sends_it(self) -> None:
        """The asyncio producer delivers it too."""
        backend = ScriptedBackend()

        async def main() -> PublishResult:
            async with AsyncProducer(
                backend, offload=False, max_record_size=10 * MiB,
                settings=ProducerSettings(pace=False),
            ) as producer:  # fmt: skip
                future = await producer.publish_record(Record(b"x" * 6 * MiB, "k"))
                assert await producer.flush(timeout=5.0)
                return await future

        assert isinstance(asyncio.run(main()), PublishReceipt)


class TestFailuresSayWhy:
    """Failures keep their cause, and the counters say what happened."""

    def test_ttl_failure_keeps_the_last_error(self) -> None:
        """A record whose TTL runs out fails with the last error as text, code and cause."""
        backend, clock = ScriptedBackend(lambda record: _internal()), ManualClock()
        producer = _manual(backend, clock, record_ttl=2.0)
        future = producer.publish_record(Record(b"x", "k"))
        producer.flush(timeout=10.0)
        failure = future.result(0)
        assert isinstance(failure, PublishFailure)
        error = failure.error
        assert isinstance(error, DeliveryTimeoutError)
        assert "InternalFailure" == error.last_code
        assert isinstance(error.__cause__, DeliveryError)
        assert "InternalFailure: Internal service failure." in str(error)
        producer.close()

    def test_close_keeps_the_last_error(self) -> None:
        """Records cut off by close name the throttling that held them up."""
        backend, clock = ScriptedBackend(lambda record: _throttled()), ManualClock()
        producer = _manual(backend, clock)
        future = producer.publish_record(Record(b"x", "k"))
        failures = producer.close(timeout=1.0)
        assert [future.result(0)] == failures
        error = failures[0].error
        assert isinstance(error, DeliveryTimeoutError)
        assert THROTTLED == error.last_code
        assert THROTTLED in str(error)
        assert "closed before it could be delivered" not in str(error).split(";")[-1]

    def test_errors_by_code(self) -> None:
        """Failed attempts are counted by AWS code, or by class when there is none."""
        seen: list[Record] = []

        def fault(record: Record) -> BackendError | None:
            seen.append(record)
            return _throttled() if len(seen) == 1 else None

        backend, clock = ScriptedBackend(fault), ManualClock()
        backend.call_faults.append(BackendConnectionError("connection reset"))
        producer = _manual(backend, clock)
        futures = [producer.publish_record(Record(b"x", f"k{i}")) for i in range(3)]
        assert producer.flush(timeout=10.0)
        assert all(isinstance(f.result(0), PublishReceipt) for f in futures)
        stats = producer.stats
        assert {"BackendConnectionError": 3, THROTTLED: 1} == stats.errors_by_code
        assert 3 == stats.ambiguous_records
        producer.close()

    def test_ambiguous_records_counted_at_close(self) -> None:
        """Records whose request is unanswered at close are ambiguous, and counted."""
        entered, release = threading.Event(), threading.Event()

        class Stuck(ScriptedBackend):
            def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
                entered.set()
                release.wait(10)
                return super().publish_many(records)

        # The five go in one request: it leaves once full, and close waits until it has.
        producer = Producer(Stuck(), settings=ProducerSettings(linger=60, batch_records=5))
        try:
            futures = [producer.publish_record(Record(b"x", f"k{i}")) for i in range(5)]
            assert entered.wait(10)
            failures = producer.close(timeout=0.3)
        finally:
            release.set()
        assert 5 == len(failures)
        assert all(isinstance(f.error, DeliveryTimeoutError) for f in failures)
        assert all(f.error.ambiguous for f in failures)  # type: ignore[attr-defined]
        assert 5 == producer.stats.ambiguous_records
        assert all(not f.result(0).ok for f in futures)

    def test_shard_id_is_structured(self) -> None:
        """The AWS error table keeps the shard a throttling message names as ``shard_id``."""
        error = error_for_aws_code(
            THROTTLED,
            "Rate exceeded for shard shardId-000000000003 in stream s under account 1.",
            backend="kinesis", stream="s", action="kinesis:PutRecords",
        )  # fmt: skip
        assert "shardId-000000000003" == error.shard_id


class TestLogging:
    """A shard or endpoint that keeps failing is logged, a line every few seconds at most."""

    def test_rate_limited_warnings(self, caplog: pytest.LogCaptureFixture) -> None:
        """Failures over 25 s of manual time give a warning about every 10 s, with the cause."""
        backend, clock = ScriptedBackend(lambda record: _internal()), ManualClock()
        producer = _manual(backend, clock, record_ttl=25.0, retry_cap=0.5)
        with caplog.at_level(logging.WARNING, logger="eventwire.producer"):
            producer.publish_record(Record(b"x", "k"))
            producer.flush(timeout=30.0)
        lines = [r.getMessage() for r in caplog.records if r.name == "eventwire.producer"]
        assert 3 == len(lines)
        assert all("shardId-000000000000" in line and "InternalFailure" in line for line in lines)
        assert 40 < len(backend.requests)  # many failed requests, three lines
        producer.close()


class TestShardMap:
    """A failed shard-map read is retried with backoff, counted, hooked and logged."""

    def test_retried_until_read(self, caplog: pytest.LogCaptureFixture) -> None:
        """After two failed reads the map is read and pacing is on again."""
        reports: list[tuple[str, int, float]] = []

        class Watcher:
            @hookimpl
            def eventwire_producer_shard_map_failed(
                self, stream: str, error: BackendError, failures: int, retry_in: float
            ) -> None:
                reports.append((type(error).__name__, failures, retry_in))

        backend, clock = ScriptedBackend(), ManualClock()
        denied = PermissionDeniedError("no kinesis:ListShards", code="AccessDeniedException")
        backend.shard_faults += [denied, denied]
        producer = Producer(
            backend, clock=clock, background=False, plugins=[Watcher()],
            settings=ProducerSettings(retry_base=0.5),
        )  # fmt: skip
        with caplog.at_level(logging.WARNING, logger="eventwire.producer"):
            for i in range(2000):  # two seconds' worth of the shard's quota
                producer.publish_record(Record(b"x", f"k{i}"))
            assert producer.flush(timeout=30.0)
        stats = producer.stats
        assert 2 == stats.shard_map_failures
        assert 1 == stats.shard_map_refreshes
        assert [("PermissionDeniedError", 1, 0.5), ("PermissionDeniedError", 2, 1.0)] == reports
        assert any("shard map" in r.getMessage() for r in caplog.records)
        # Paced again: 2,000 records at 1,000 a second take about a second or more.
        assert clock.now() >= 1.0
        producer.close()


def _run_clock(backend: ScriptedBackend, count: int) -> float:
    clock = ManualClock()
    producer = _manual(backend, clock, linger=0.0)
    futures = [producer.publish_record(Record(b"x" * 90, f"k{i}")) for i in range(count)]
    assert producer.flush(timeout=600.0)
    assert all(isinstance(f.result(0), PublishReceipt) for f in futures)
    producer.close()
    return clock.now()


class TestPartialFailure:
    """Retrying some entries does not stall the rest of their shard (manual clock: exact)."""

    def test_five_percent_throttled(self) -> None:
        """With 5% of entries throttled at random, 10,000 records take about as long as clean."""
        rng = random.Random(7)
        clean = _run_clock(ScriptedBackend(), 10_000)
        faulty = _run_clock(
            ScriptedBackend(lambda record: _throttled() if rng.random() < 0.05 else None), 10_000
        )
        assert faulty <= clean * 1.25, (clean, faulty)

    def test_pacer_slows_for_real_throttling_only(self) -> None:
        """Stray throttled entries leave the pace alone; a throttled request halves it."""
        pacer = ShardPacer(0.0, 1.0)
        for _ in range(40):
            pacer.answered(50, 2, 0.0)  # 4% of the entries, request after request
        assert 1000 == pacer.limit_records
        pacer.answered(100, 100, 0.0)  # over the quota: the whole request refused
        assert 500 == pacer.limit_records

    def test_one_whole_call_failure(self) -> None:
        """One failed request costs a retry pause, not a second run."""
        clean = _run_clock(ScriptedBackend(), 10_000)
        backend = ScriptedBackend()
        backend.call_faults.append(DeliveryError("HTTP 500", code="InternalFailure"))
        faulty = _run_clock(backend, 10_000)
        assert faulty <= clean + 1.0, (clean, faulty)


_EXIT_SCRIPT = """
import sys, time
from eventwire import Producer, ProducerSettings, PublishReceipt, ThrottledError
from eventwire.backends import Backend, Record

class FileBackend(Backend):
    name, stream = "file", "s"
    def __init__(self, path, fail):
        self.out, self.fail = open(path, "a"), fail
    def publish(self, record):
        if self.fail:
            raise ThrottledError("Rate exceeded", code="ProvisionedThroughputExceededException")
        time.sleep(0.0002)  # a slow endpoint: the buffer is far from empty at exit
        self.out.write(record.event_id + "\\n")
        self.out.flush()
        return PublishReceipt(record.event_id, "file", "s", "shardId-0", "1")

producer = Producer(
    FileBackend(sys.argv[1], sys.argv[2] == "fail"),
    settings=ProducerSettings(exit_timeout=float(sys.argv[3])),
)
for i in range(5000):
    producer.publish_record(Record(b"x", f"k{i}", event_id=str(i)))
print("published", flush=True)
"""


class TestExit:
    """A producer never closed delivers at interpreter exit, or says what it lost."""

    def _run(self, tmp_path: object, mode: str, timeout: float) -> tuple[set[str], str]:
        out = f"{tmp_path}/delivered.txt"
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_EXIT_SCRIPT), out, mode, str(timeout)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr
        try:
            with open(out) as lines:
                return {line.strip() for line in lines}, done.stderr
        except FileNotFoundError:
            return set(), done.stderr

    def test_flushes_at_exit(self, tmp_path: object) -> None:
        """5,000 published and never closed: all 5,000 delivered before the process ends."""
        delivered, _ = self._run(tmp_path, "ok", 30.0)
        assert {str(i) for i in range(5000)} == delivered

    def test_warns_about_what_it_lost(self, tmp_path: object) -> None:
        """An endpoint that keeps refusing: exit waits the bounded time, then warns."""
        delivered, stderr = self._run(tmp_path, "fail", 0.5)
        assert set() == delivered
        assert "5000 record(s) were not delivered when the interpreter exited" in stderr
        assert THROTTLED in stderr

    def test_async_producer_left_open_is_reported(self, tmp_path: object) -> None:
        """An AsyncProducer cannot send once its loop is gone: what it held is logged."""
        script = textwrap.dedent(
            """
            import asyncio
            from eventwire import AsyncProducer, ThrottledError
            from eventwire.backends import Backend, Record

            class Refusing(Backend):
                name, stream = "refusing", "s"
                def publish(self, record):
                    raise ThrottledError("Rate exceeded", code="Throttled")

            async def main():
                producer = AsyncProducer(Refusing(), offload=False)
                for i in range(10):
                    await producer.publish_record(Record(b"x", f"k{i}"))
                await asyncio.sleep(0.2)

            asyncio.run(main())
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
        )
        assert 0 == done.returncode, done.stderr
        assert "an AsyncProducer that was never closed held 10 record(s)" in done.stderr
