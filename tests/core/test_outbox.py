"""The transactional outbox on SQLite: writes in the caller's transaction, one relay."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from eventwire import (
    ConfigurationError,
    InvalidEventError,
    OutboxError,
    PermissionDeniedError,
    Producer,
    ProducerSettings,
)
from eventwire.outbox import BUCKETS, Outbox, OutboxRelay, bucket_for, revive_dead
from eventwire.testing import RecordingBackend
from tests.core.sample_events import PersonCreated

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import pluggy


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def outbox(engine: Engine, plugin_manager: pluggy.PluginManager) -> Outbox:
    outbox = Outbox(plugin_manager=plugin_manager, source="tests")
    outbox.create(engine)
    return outbox


@pytest.fixture
def backend() -> RecordingBackend:
    return RecordingBackend()


@pytest.fixture
def producer(backend: RecordingBackend, plugin_manager: pluggy.PluginManager) -> Iterator[Producer]:
    settings = ProducerSettings(linger=0.001, pace=False, retry_base=0.001, retry_cap=0.01)
    with Producer(backend, plugin_manager=plugin_manager, settings=settings) as producer:
        yield producer


def _count(engine: Engine, outbox: Outbox) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(outbox.tables.events)) or 0)


class TestAdd:
    """An event row exists exactly when the caller's transaction commits."""

    def test_commit_writes_the_encoded_record(self, engine: Engine, outbox: Outbox) -> None:
        event = PersonCreated(person_id=7, name="Ada")
        with Session(engine) as session, session.begin():
            session.execute(text("CREATE TABLE IF NOT EXISTS people (id INTEGER)"))
            session.execute(text("INSERT INTO people VALUES (7)"))
            outbox.add(session, event)
        with engine.connect() as connection:
            row = connection.execute(select(outbox.tables.events)).one()
        assert event.id == row.event_id
        assert "7" == row.partition_key
        assert bucket_for("7") == row.bucket
        assert b'"name":"Ada"' in row.data
        assert 0 == row.attempts

    def test_rollback_leaves_no_event(self, engine: Engine, outbox: Outbox) -> None:
        with Session(engine) as session, session.begin():
            outbox.add(session, PersonCreated(person_id=1, name="x"))
            session.rollback()
        with engine.connect() as connection:
            connection.begin()
            outbox.add(connection, PersonCreated(person_id=2, name="y"))
            connection.rollback()
        assert 0 == _count(engine, outbox)

    def test_invalid_event_raises_and_writes_nothing(self, engine: Engine, outbox: Outbox) -> None:
        with engine.begin() as connection, pytest.raises(InvalidEventError, match="only eventwire"):
            outbox.add_many(connection, [PersonCreated(person_id=1, name="a"), "nope"])  # type: ignore[list-item]
        assert 0 == _count(engine, outbox)

    def test_missing_table_is_an_outbox_error(self, engine: Engine) -> None:
        outbox = Outbox(table="never_created", source="tests")
        with (
            engine.begin() as connection,
            pytest.raises(OutboxError, match="never_created") as info,
        ):
            outbox.add(connection, PersonCreated(person_id=1, name="a"))
        assert "never_created" == info.value.table
        assert info.value.__cause__ is not None

    def test_create_is_idempotent_and_fills_every_bucket(
        self, engine: Engine, outbox: Outbox
    ) -> None:
        outbox.create(engine)
        with engine.connect() as connection:
            buckets = connection.scalars(select(outbox.tables.buckets.c.bucket)).all()
        assert list(range(BUCKETS)) == sorted(buckets)

    def test_bad_names_are_configuration_errors(self) -> None:
        with pytest.raises(ConfigurationError, match="plain SQL identifier"):
            Outbox(table="drop table x;")
        with pytest.raises(ConfigurationError, match="no DDL for dialect 'oracle'"):
            Outbox().tables.ddl("oracle")


class TestRelay:
    """A relay publishes committed rows in order per key and deletes them."""

    def test_delivers_everything_in_order_and_empties_the_table(
        self, engine: Engine, outbox: Outbox, producer: Producer, backend: RecordingBackend
    ) -> None:
        events = [PersonCreated(person_id=i % 13, name=f"n{i}") for i in range(1200)]
        with engine.begin() as connection:
            outbox.add_many(connection, events)
        relay = OutboxRelay(engine, producer, outbox=outbox, batch_size=100)
        assert 1200 == relay.drain()
        assert 0 == _count(engine, outbox)
        by_key: dict[str, list[str]] = defaultdict(list)
        for record in backend.records:
            by_key[record.partition_key].append(record.event_id)
        expected: dict[str, list[str]] = defaultdict(list)
        for event in events:
            expected[str(event.person_id)].append(event.id)
        assert expected == by_key
        stats = relay.stats
        assert (1200, 0, 0) == (stats.delivered, stats.dead, stats.redelivered)

    def test_rows_left_marked_by_a_dead_relay_are_counted_as_redelivered(
        self, engine: Engine, outbox: Outbox, producer: Producer
    ) -> None:
        with engine.begin() as connection:
            outbox.add_many(connection, [PersonCreated(person_id=i, name="a") for i in range(5)])
            # What a relay killed between publishing and deleting leaves behind.
            connection.execute(
                outbox.tables.events.update()
                .where(outbox.tables.events.c.id <= 2)
                .values(attempts=1)
            )
        relay = OutboxRelay(engine, producer, outbox=outbox)
        assert 5 == relay.drain()
        assert 2 == relay.stats.redelivered

    def test_permanent_failures_become_dead_letters_and_can_be_revived(
        self, engine: Engine, outbox: Outbox, producer: Producer, backend: RecordingBackend
    ) -> None:
        with engine.begin() as connection:
            outbox.add_many(connection, [PersonCreated(person_id=i, name="a") for i in range(3)])
        backend.fail_next(PermissionDeniedError("no write access", backend="memory"), count=3)
        relay = OutboxRelay(engine, producer, outbox=outbox)
        assert 0 == relay.drain()
        assert 3 == relay.stats.dead
        with engine.connect() as connection:
            errors = connection.scalars(select(outbox.tables.events.c.error)).all()
        assert 3 == len(errors)
        assert all("PermissionDeniedError: no write access" in str(error) for error in errors)
        assert 3 == revive_dead(engine, outbox)
        assert 3 == relay.drain()
        assert 3 == len(backend.records)

    def test_stop_does_not_wait_for_a_stream_that_refuses(
        self, engine: Engine, outbox: Outbox, producer: Producer
    ) -> None:
        import threading
        import time

        from eventwire import ThrottledError

        with engine.begin() as connection:
            outbox.add_many(connection, [PersonCreated(person_id=i, name="a") for i in range(4)])
        stuck = RecordingBackend()
        stuck.fail_next(ThrottledError("slow down", backend="memory"), count=1_000_000)
        with Producer(stuck, settings=ProducerSettings(linger=0.001, pace=False)) as blocked:
            relay = OutboxRelay(engine, blocked, outbox=outbox)
            runner = threading.Thread(target=relay.run)
            runner.start()
            time.sleep(0.3)
            started = time.monotonic()
            relay.stop()
            runner.join(10)
            assert not runner.is_alive()
            assert time.monotonic() - started < 5
            blocked.close(timeout=0.1)
        assert 4 == _count(engine, outbox), "unsettled rows stay in the outbox"
        relay.close()
        again = OutboxRelay(engine, producer, outbox=outbox)
        assert 4 == again.drain()
        assert 4 == again.stats.redelivered, "they may have reached the stream: counted"

    def test_one_relay_per_sqlite_table(
        self, engine: Engine, outbox: Outbox, producer: Producer, tmp_path: Path
    ) -> None:
        # SQLite has no row locks: two relays would both claim (and publish) every row.
        import os
        import subprocess
        import sys

        with OutboxRelay(engine, producer, outbox=outbox):
            with pytest.raises(OutboxError, match=f"another relay \\(process {os.getpid()}\\)"):
                OutboxRelay(engine, producer, outbox=outbox)
            other = Outbox(table="other_outbox", source="t")
            OutboxRelay(engine, producer, outbox=other).close()  # another table is free
        OutboxRelay(create_engine("sqlite://"), producer, outbox=outbox).close()  # in memory
        child = subprocess.Popen(
            [sys.executable, "-c", (
                "import sys, sqlalchemy\n"
                "from eventwire import Producer\n"
                "from eventwire.outbox import Outbox, OutboxRelay\n"
                "from eventwire.testing import RecordingBackend\n"
                f"engine = sqlalchemy.create_engine({str(engine.url)!r})\n"
                f"relay = OutboxRelay(engine, Producer(RecordingBackend()), "
                f"outbox=Outbox(table={outbox.table!r}))\n"
                "print('ready', flush=True)\n"
                "sys.stdin.read()\n"
            )],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert child.stdout is not None
            assert "ready\n" == child.stdout.readline()
            with pytest.raises(OutboxError, match=f"process {child.pid}.*use PostgreSQL"):
                OutboxRelay(engine, producer, outbox=outbox)
        finally:
            child.communicate("", timeout=30)
        OutboxRelay(engine, producer, outbox=outbox).close()  # its lock died with it

    def test_relay_settings_are_checked(self, engine: Engine, producer: Producer) -> None:
        with pytest.raises(ConfigurationError, match="batch_size must be 1 to 10000, got 0"):
            OutboxRelay(engine, producer, batch_size=0)
        with pytest.raises(ConfigurationError, match="buckets_per_claim must be 1 to 64"):
            OutboxRelay(engine, producer, buckets_per_claim=65)
        with pytest.raises(ConfigurationError, match="batch_size must be a whole number"):
            OutboxRelay(engine, producer, batch_size="500")  # type: ignore[arg-type]

    def test_missing_tables_are_an_outbox_error(self, engine: Engine, producer: Producer) -> None:
        relay = OutboxRelay(engine, producer, outbox=Outbox(table="absent", source="t"))
        with pytest.raises(OutboxError, match="outbox relay on table 'absent' failed"):
            relay.run_once()


class TestCommandLine:
    """python -m eventwire.outbox: DDL, create, relay, revive; bad input exits 2 with a reason."""

    def test_without_sqlalchemy_the_commands_say_how_to_get_it(self) -> None:
        import subprocess
        import sys

        script = (
            "import sys; sys.modules['sqlalchemy'] = None\n"
            "from eventwire.cli import run\n"
            "raise SystemExit(run(['outbox', 'ddl']))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
        )
        assert 3 == done.returncode  # ExitCode.CONFIGURATION
        assert "pip install 'eventwire-core[outbox]'" in done.stderr
        assert "Traceback" not in done.stderr

    def test_ddl_create_and_drain(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        from eventwire.outbox.__main__ import main

        assert 0 == main(["ddl", "--dialect", "sqlite"])
        assert "CREATE TABLE eventwire_outbox" in capsys.readouterr().out
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        assert 0 == main(["create", "--url", url])
        engine = create_engine(url)
        with engine.begin() as connection:
            Outbox(source="tests").add_many(
                connection, [PersonCreated(person_id=i, name="a") for i in range(3)]
            )
        engine.dispose()
        assert 0 == main(["relay", "--url", url, "--backend", "memory", "--drain"])
        assert "delivered=3 dead=0 redelivered=0" in capsys.readouterr().out
        assert 0 == main(["revive", "--url", url])
        assert "revived=0" in capsys.readouterr().out

    def test_bad_url_and_option(self, capsys: pytest.CaptureFixture[str]) -> None:
        from eventwire.outbox.__main__ import main

        assert 2 == main(["create", "--url", "nosuchdb://x"])
        assert "cannot use database URL 'nosuchdb://x'" in capsys.readouterr().err
        assert 2 == main(["relay", "--url", "sqlite://", "--option", "oops"])
        assert "--option 'oops' must look like KEY=VALUE" in capsys.readouterr().err
