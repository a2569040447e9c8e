"""The transactional outbox on a real PostgreSQL 15: transactions, concurrent relays, crashes."""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from eventwire import AsyncProducer, Event, Producer, ProducerSettings
from eventwire.outbox import AsyncOutboxRelay, Outbox, OutboxRelay
from eventwire.outbox.claims import Claims
from eventwire.testing import RecordingBackend
from eventwire_emulator.model import Kinesis
from eventwire_emulator.reading import read_records
from eventwire_emulator.server import EmulatorServer
from tests.emulator.server.conftest import client_env

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

    from eventwire.backends import Record

STREAM = "orders"
FAST = ProducerSettings(linger=0.002, pace=False, retry_base=0.001, retry_cap=0.01)


class Step(Event, event_type="tests.outbox.step", partition_key="key"):
    key: str
    n: int


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_url, pool_size=10)
    yield engine
    engine.dispose()


@pytest.fixture
def outbox(engine: Engine) -> Outbox:
    outbox = Outbox(source="tests")
    outbox.create(engine)
    return outbox


def _steps(count: int, keys: int) -> list[Step]:
    return [Step(key=f"k{i % keys}", n=i) for i in range(count)]


def _by_key(ids: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for key, event_id in ids:
        grouped[key].append(event_id)
    return grouped


def _rows(engine: Engine, outbox: Outbox) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(outbox.tables.events)) or 0)


class TestTransactions:
    """An event exists if and only if the business change committed."""

    def test_commit_and_rollback(self, engine: Engine, outbox: Outbox) -> None:
        kept, dropped = Step(key="a", n=1), Step(key="a", n=2)
        with Session(engine) as session, session.begin():
            outbox.add(session, kept)
        with Session(engine) as session, session.begin():
            outbox.add(session, dropped)
            session.rollback()
        with engine.connect() as connection:
            ids = connection.scalars(select(outbox.tables.events.c.event_id)).all()
        assert [kept.id] == ids


class TestConcurrentRelays:
    """Relays on PostgreSQL share the work without duplicates or reordering."""

    def test_two_relays_while_writers_add(self, engine: Engine, outbox: Outbox) -> None:
        """Every event once, in insertion order per key, with writers racing the relays."""
        backend = RecordingBackend(STREAM)
        steps = _steps(4000, keys=37)
        producers = [Producer(backend, settings=FAST) for _ in range(2)]
        relays = [OutboxRelay(engine, p, outbox=outbox, batch_size=200, poll_interval=0.01)
                  for p in producers]  # fmt: skip
        threads = [threading.Thread(target=relay.run) for relay in relays]
        for thread in threads:
            thread.start()
        try:
            # Each key is written by one writer, so insertion order per key is defined.
            def write(part: int) -> None:
                mine = [step for step in steps if int(step.key[1:]) % 2 == part]
                for start in range(0, len(mine), 50):
                    with Session(engine) as session, session.begin():
                        outbox.add_many(session, mine[start : start + 50])

            writers = [threading.Thread(target=write, args=(part,)) for part in (0, 1)]
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join()
            deadline = time.monotonic() + 60
            while _rows(engine, outbox) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            for relay in relays:
                relay.stop()
            for thread in threads:
                thread.join(30)
            for producer in producers:
                producer.close()
        assert 0 == _rows(engine, outbox)
        sent = [(record.partition_key, record.event_id) for record in backend.records]
        assert len(steps) == len(sent), "no event lost, none sent twice"
        assert _by_key([(step.key, step.id) for step in steps]) == _by_key(sent)
        assert all(relay.stats.delivered > 0 for relay in relays), "both relays worked"
        assert 0 == sum(relay.stats.redelivered for relay in relays)

    def test_a_claimed_bucket_is_skipped_by_other_relays(
        self, engine: Engine, outbox: Outbox
    ) -> None:
        with engine.begin() as connection:
            outbox.add_many(connection, _steps(10, keys=1))
        backend = RecordingBackend(STREAM)
        with Producer(backend, settings=FAST) as producer, engine.connect() as holder:
            holder.begin()
            # What a relay holds while it publishes: the lock on its buckets.
            held = holder.execute(Claims(outbox.tables, 500, 64).claim()).scalars().all()
            assert 1 == len(held)
            other = OutboxRelay(engine, producer, outbox=outbox)
            assert 0 == other.run_once()
            holder.rollback()
            assert 10 == other.run_once()
        assert 10 == len(backend.records)


class TestAsyncio:
    """The asyncio writer and relay work the same on an AsyncEngine."""

    def test_add_async_and_relay(self, pg_url: str, outbox: Outbox) -> None:
        async def scenario() -> list[Record]:
            engine = create_async_engine(pg_url)
            backend = RecordingBackend(STREAM)
            steps = _steps(300, keys=7)
            async with AsyncSession(engine) as session, session.begin():
                for step in steps[:150]:
                    await outbox.add_async(session, step)
            async with engine.begin() as connection:
                await outbox.add_many_async(connection, steps[150:])
            async with AsyncSession(engine) as session, session.begin():
                await outbox.add_async(session, Step(key="gone", n=-1))
                await session.rollback()
            async with AsyncProducer(backend, settings=FAST) as producer:
                relay = AsyncOutboxRelay(engine, producer, outbox=outbox, batch_size=64)
                assert 300 == await relay.drain()
            await engine.dispose()
            assert _by_key([(s.key, s.id) for s in steps]) == _by_key(
                [(r.partition_key, r.event_id) for r in backend.records]
            )
            return backend.records

        assert 300 == len(asyncio.run(scenario()))


class TestCrash:
    """A relay SIGKILLed mid-batch loses nothing; what it resends is counted and bounded."""

    KILLS = 5
    BATCH = 200

    def test_kill_and_restart(self, pg_url: str, engine: Engine, outbox: Outbox) -> None:
        kinesis = Kinesis(quotas=True)
        kinesis.create_stream(STREAM, 4)
        steps = _steps(5000, keys=40)
        with engine.begin() as connection:
            outbox.add_many(connection, steps)
        with Session(engine) as session, session.begin():
            outbox.add(session, Step(key="k0", n=-1))
            session.rollback()
        rng = random.Random()
        resent = 0
        with EmulatorServer(kinesis, port=0) as server:
            command = [
                sys.executable, "-m", "eventwire.outbox", "relay", "--url", pg_url,
                "--backend", "kinesis", "--stream", STREAM,
                "--option", f"endpoint_url={server.url}", "--batch-size", str(self.BATCH),
            ]  # fmt: skip
            for _ in range(self.KILLS):
                child = subprocess.Popen(
                    command, env=client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
                )
                # Kill only once this relay has deleted a batch, so it is busy, and
                # at a random moment of a later batch.
                _wait_for_progress(engine, outbox, _rows(engine, outbox) - self.BATCH)
                time.sleep(rng.uniform(0.0, 0.2))
                child.send_signal(signal.SIGKILL)
                _, err = child.communicate(timeout=30)
                resent += _last_count(err.decode())
            done = subprocess.run(
                [*command, "--drain"], env=client_env(), capture_output=True, timeout=120,
                check=False,
            )  # fmt: skip
            assert 0 == done.returncode, done.stderr.decode()
            resent += _last_count(done.stderr.decode())
        assert 0 == _rows(engine, outbox)
        kinesis.quotas = False
        stored = [
            (record.partition_key, json.loads(record.data)["id"])
            for record in read_records(kinesis, STREAM)
        ]
        ids = [event_id for _, event_id in stored]
        duplicates = len(ids) - len(set(ids))
        print(f"outbox crash test: {len(ids)} records, {duplicates} duplicates, {resent} resent")
        assert {step.id for step in steps} == set(ids), "every committed event, nothing else"
        assert duplicates <= resent <= self.KILLS * self.BATCH
        # Each kill lands inside a batch far more often than not (publishing is most
        # of a batch's time): over five kills, none resending would be a broken mark.
        assert resent > 0
        first: dict[str, list[str]] = defaultdict(list)
        seen: set[str] = set()
        for key, event_id in stored:
            if event_id not in seen:
                seen.add(event_id)
                first[key].append(event_id)
        assert _by_key([(step.key, step.id) for step in steps]) == first


def _wait_for_progress(engine: Engine, outbox: Outbox, rows: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _rows(engine, outbox) > max(rows, 0):
        if time.monotonic() > deadline:
            raise AssertionError(f"the relay did not get the outbox down to {rows} rows")
        time.sleep(0.01)


def _last_count(stderr: str) -> int:
    """The redelivered total a relay process logged last (0 if it resent nothing)."""
    counts = re.findall(r"redelivered=(\d+)", stderr)
    return int(counts[-1]) if counts else 0
