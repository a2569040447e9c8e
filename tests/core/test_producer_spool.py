"""A Producer with a disk spool: durable publish, restart, dead letters, the cap, the lock."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import TYPE_CHECKING, TypeVar

import pytest

from eventwire import (
    ConfigurationError,
    Event,
    PermissionDeniedError,
    Producer,
    ProducerFullError,
    ProducerSettings,
    SpoolLockedError,
    ThrottledError,
    hookimpl,
)
from eventwire.backends import PublishFailure, PublishReceipt, PublishResult, Record
from eventwire.spool import Spool, SpoolSettings
from eventwire.testing import RecordingBackend
from tests.core.sample_events import PersonCreated

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

T = TypeVar("T")

FAST = ProducerSettings(linger=0.001, pace=False, retry_base=0.001, retry_cap=0.005)


def _records(count: int, start: int = 0, keys: int = 5) -> list[Record]:
    return [
        Record(b"r%d" % i, f"k{i % keys}", event_id=str(i)) for i in range(start, start + count)
    ]


def _by_key(records: list[Record]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for record in records:
        grouped[record.partition_key].append(record.event_id)
    return grouped


class TestDelivery:
    """Spooled records are delivered and then leave the spool."""

    def test_publish_delivers_and_empties_the_spool(self, tmp_path: Path) -> None:
        backend = RecordingBackend()
        with Producer(backend, spool=tmp_path, settings=FAST, source="tests") as producer:
            futures = [producer.publish(PersonCreated(person_id=i, name="a")) for i in range(300)]
            futures += [producer.publish_record(record) for record in _records(200)]
            assert producer.flush(30)
            results = [future.result(10) for future in futures]
        assert all(isinstance(result, PublishReceipt) for result in results)
        assert 500 == len(backend.records)
        with Spool(tmp_path) as spool:
            assert (0, 0, 0) == (spool.counts().records, spool.counts().nbytes, spool.counts().dead)

    def test_shipped_settings(self, tmp_path: Path) -> None:
        """Default ProducerSettings and SpoolSettings (fsync "batch"), as shipped."""
        backend = RecordingBackend()
        with Producer(backend, spool=tmp_path, source="tests") as producer:
            futures = [producer.publish(PersonCreated(person_id=i, name="a")) for i in range(50)]
            assert producer.flush(30)
        assert all(isinstance(future.result(5), PublishReceipt) for future in futures)
        assert [future.result(5).event_id for future in futures] == [
            record.event_id for record in backend.records
        ]

    def test_fsync_always(self, tmp_path: Path) -> None:
        """Under "always" every publish is a shared SQLite commit; delivery is the same."""
        backend = RecordingBackend()
        with Producer(
            backend, spool=tmp_path, settings=FAST, spool_settings=SpoolSettings(fsync="always")
        ) as producer:
            futures = [producer.publish_record(record) for record in _records(40)]
            assert producer.flush(30)
        assert all(isinstance(future.result(5), PublishReceipt) for future in futures)
        assert _by_key(_records(40)) == _by_key(backend.records)

    def test_plain_producers_do_not_load_the_spool(self) -> None:
        import subprocess
        import sys

        code = "import sys, eventwire; print('sqlite3' in sys.modules, 'mmap' in sys.modules)"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
        assert b"False False" == done.stdout.strip()

    def test_after_publish_hooks_see_the_event(self, tmp_path: Path) -> None:
        seen: list[str] = []

        class Observer:
            @hookimpl
            def eventwire_after_publish(self, event: Event, receipt: PublishReceipt) -> None:
                seen.append(event.id)

        with Producer(
            RecordingBackend(), spool=tmp_path, settings=FAST, plugins=[Observer()], source="t"
        ) as producer:
            event = PersonCreated(person_id=1, name="a")
            producer.publish(event).result(10)
        assert [event.id] == seen

    def test_invalid_event_never_reaches_the_spool(self, tmp_path: Path) -> None:
        with Producer(RecordingBackend(), spool=tmp_path, settings=FAST) as producer:
            result = producer.publish("not an event").result(1)  # type: ignore[arg-type]
            assert isinstance(result, PublishFailure)
        with Spool(tmp_path) as spool:
            assert 0 == spool.counts().records

    def test_a_cancelled_future_still_leaves_the_spool_once_delivered(self, tmp_path: Path) -> None:
        # The caller gave up on its future, not on the record: it is durable and
        # goes out, and its receipt must still take it off the spool.
        gate = threading.Event()

        class Gated(RecordingBackend):
            def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
                gate.wait(10)
                return super().publish_many(records)

        backend = Gated()
        with Producer(backend, spool=tmp_path, settings=FAST, source="tests") as producer:
            futures = [producer.publish_record(record) for record in _records(3)]
            assert futures[1].cancel()
            gate.set()
            assert producer.flush(10)  # a spooled flush waits for an empty spool
        assert ["0", "1", "2"] == [record.event_id for record in backend.records]
        with Spool(tmp_path) as spool:
            assert 0 == spool.counts().records

    def test_per_key_order_holds_while_records_spill_and_come_back(self, tmp_path: Path) -> None:
        # A buffer of two records makes the feeder switch between memory and the
        # spool all the time; a record must never overtake an older one of its key.
        backend = RecordingBackend()
        settings = ProducerSettings(
            linger=0.0005, pace=False, buffer_records=2, retry_base=0.001, retry_cap=0.005
        )
        records = _records(3000, keys=5)
        with Producer(backend, spool=tmp_path, settings=settings, source="tests") as producer:
            futures = [producer.publish_record(record) for record in records]
            assert producer.flush(60)
        assert all(isinstance(future.result(5), PublishReceipt) for future in futures)
        assert _by_key(records) == _by_key(backend.records)

    def test_a_spill_that_starts_mid_pass_does_not_jump_the_queue(self, tmp_path: Path) -> None:
        # The interleaving the feeder must survive, forced: it finds the memory queue
        # empty, then (before it looks at the spool) a record is queued in memory
        # and the next spills. The spilled one must not be fed before the queued one.
        import collections
        from concurrent.futures import Future

        from eventwire.spool.delivery import SpooledDelivery

        fed: list[int] = []
        with Spool(tmp_path) as spool:
            delivery = SpooledDelivery(
                spool,
                lambda items: fed.extend(seq for seq, *_ in items),
                Future,
                ProducerSettings(buffer_records=1),
            )
            armed = [False]

            class Interleaved(collections.deque):  # type: ignore[type-arg]
                def __len__(self) -> int:
                    size = super().__len__()
                    if armed[0] and size == 0:
                        armed[0] = False
                        delivery.publish(Record(b"queued", "k"))  # memory has room
                        delivery.publish(Record(b"spilled", "k"))  # memory full: spills
                    return size

            delivery._memory = Interleaved()
            for _ in range(3):
                armed[0] = not fed
                delivery._feed(10)
            assert [1, 2] == fed
            delivery._stopping = True


class TestRestart:
    """Records left by a stopped producer go out first from the next one, in order per key."""

    def test_undelivered_records_survive_close_and_resume(self, tmp_path: Path) -> None:
        stuck = RecordingBackend()
        stuck.fail_next(ThrottledError("slow down", backend="memory"), count=1_000_000)
        producer = Producer(stuck, spool=tmp_path, settings=FAST)
        first = _records(300)
        for record in first:
            producer.publish_record(record)
        producer.close(timeout=0.3)
        assert [] == stuck.records
        backend = RecordingBackend()
        second = _records(200, start=300)
        with Producer(backend, spool=tmp_path, settings=FAST) as producer:
            for record in second:
                producer.publish_record(record)
            assert producer.flush(30)
        assert _by_key(first + second) == _by_key(backend.records)


class TestDeadLetters:
    """A record that fails for good becomes a dead letter with its error."""

    def test_permission_denied(self, tmp_path: Path) -> None:
        backend = RecordingBackend()
        backend.fail_next(PermissionDeniedError("no PutRecords", backend="memory"), count=2)
        with Producer(backend, spool=tmp_path, settings=FAST) as producer:
            futures = [producer.publish_record(record) for record in _records(5)]
            assert producer.flush(30)
        failed = [f.result(5) for f in futures if isinstance(f.result(5), PublishFailure)]
        assert 2 == len(failed)
        assert 3 == len(backend.records)
        with Spool(tmp_path) as spool:
            letters = spool.dead_letters()
            assert 0 == spool.counts().records
        assert 2 == len(letters)
        assert all("PermissionDeniedError: no PutRecords" in letter.error for letter in letters)


class TestBounds:
    """The spool's cap applies the producer's when_full; one producer per directory."""

    @pytest.mark.parametrize(
        "settings",
        [
            ProducerSettings(linger=0.001, pace=False, when_full="raise"),
            ProducerSettings(linger=0.001, pace=False, block_timeout=0.1),
        ],
        ids=["raise", "block"],
    )
    def test_full_spool(self, tmp_path: Path, settings: ProducerSettings) -> None:
        """Under "raise" at once, under "block" after block_timeout: ProducerFullError."""
        stuck = RecordingBackend()
        stuck.fail_next(ThrottledError("slow down", backend="memory"), count=1_000_000)
        producer = Producer(
            stuck, spool=tmp_path, settings=settings, spool_settings=SpoolSettings(max_bytes=100)
        )
        try:
            producer.publish_record(Record(b"x" * 60, "k"))
            with pytest.raises(ProducerFullError, match=r"the producer's spool at .* is full"):
                producer.publish_record(Record(b"y" * 60, "k"))
        finally:
            producer.close(timeout=0.2)

    def test_dead_letters_count_against_the_cap(self, tmp_path: Path) -> None:
        backend = RecordingBackend()
        backend.fail_next(PermissionDeniedError("no PutRecords", backend="memory"))
        settings = ProducerSettings(linger=0.001, pace=False, when_full="raise")
        with Producer(
            backend, spool=tmp_path, settings=settings, spool_settings=SpoolSettings(max_bytes=100)
        ) as producer:
            assert isinstance(
                producer.publish_record(Record(b"x" * 60, "k")).result(10), PublishFailure
            )
            assert producer.flush(10)
            with pytest.raises(ProducerFullError, match="dead letters included"):
                producer.publish_record(Record(b"y" * 60, "k"))
        with Spool(tmp_path) as spool:
            assert 1 == spool.purge_dead()
            assert (0, 0) == (spool.counts().dead, spool.counts().dead_bytes)
            assert spool.has_room(99)

    def test_second_producer_on_one_spool(self, tmp_path: Path) -> None:
        locked = pytest.raises(SpoolLockedError, match="in use by another producer")
        with Producer(RecordingBackend(), spool=tmp_path, settings=FAST), locked:
            Producer(RecordingBackend(), spool=tmp_path, settings=FAST)

    def test_spool_needs_background_and_settings_need_a_spool(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError, match="spool= needs background=True"):
            Producer(RecordingBackend(), spool=tmp_path, background=False)
        with pytest.raises(ConfigurationError, match="spool_settings were given without spool"):
            Producer(RecordingBackend(), spool_settings=SpoolSettings())
        # The refused producer released the directory.
        Spool(tmp_path).close()

    def test_bad_spool_arguments(self) -> None:
        with pytest.raises(ConfigurationError, match="spool must be a directory path, not 42"):
            Producer(RecordingBackend(), spool=42)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="max_bytes must be a whole number"):
            SpoolSettings(max_bytes="1GB")  # type: ignore[arg-type]


class TestAsync:
    """AsyncProducer(spool=...) commits before returning and resumes like Producer."""

    @pytest.mark.parametrize(("fsync", "hops"), [("batch", 0), ("always", 2)])
    def test_only_a_commit_that_waits_leaves_the_loop(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: str, hops: int
    ) -> None:
        # Under "batch" publish is a copy into the journal: a thread hop per event
        # would cost more than the publish itself.
        import asyncio

        from eventwire import AsyncProducer

        threaded = asyncio.to_thread
        calls: list[object] = []

        async def counted(function: Callable[..., T], *args: object) -> T:
            calls.append(function)
            return await threaded(function, *args)

        monkeypatch.setattr(asyncio, "to_thread", counted)

        async def scenario() -> list[PublishResult]:
            backend = RecordingBackend()
            settings = SpoolSettings(fsync=fsync)  # type: ignore[arg-type]
            async with AsyncProducer(
                backend, spool=tmp_path, spool_settings=settings, settings=FAST
            ) as producer:
                futures = [await producer.publish(PersonCreated(person_id=1, name="a"))]
                futures.append(await producer.publish_record(_records(1)[0]))
                return [await future for future in futures]

        results = asyncio.run(scenario())
        assert all(isinstance(result, PublishReceipt) for result in results)
        publishes = [call for call in calls if "publish" in getattr(call, "__name__", "")]
        assert hops == len(publishes)

    def test_publish_flush_and_resume(self, tmp_path: Path) -> None:
        import asyncio

        from eventwire import AsyncProducer

        async def scenario() -> list[Record]:
            stuck = RecordingBackend()
            stuck.fail_next(ThrottledError("slow down", backend="memory"), count=1_000_000)
            producer = AsyncProducer(stuck, spool=tmp_path, settings=FAST)
            for record in _records(50):
                await producer.publish_record(record)
            await producer.close(timeout=0.2)
            backend = RecordingBackend()
            async with AsyncProducer(backend, spool=tmp_path, settings=FAST) as producer:
                future = await producer.publish(PersonCreated(person_id=1, name="a"))
                assert await producer.flush(30)
                assert isinstance(await future, PublishReceipt)
            return backend.records

        records = asyncio.run(scenario())
        assert _by_key(_records(50)) == _by_key([r for r in records if r.partition_key != "1"])
        assert 51 == len(records)
