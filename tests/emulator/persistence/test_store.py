"""The SQLite journal: a model rebuilt from it equals the model that wrote it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from eventwire_emulator.model import FaultInjector, InjectedBug, Kinesis, ManualClock
from eventwire_emulator.persistence import DataDir, DataDirError, SqliteJournal
from eventwire_emulator.wire import Wire

POLICY = json.dumps(
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kinesis:*", "Resource": "*"}]}
)


def _model(clock: ManualClock, path: Path, **kwargs: object) -> tuple[Kinesis, SqliteJournal]:
    kinesis = Kinesis(clock=clock, **kwargs)  # type: ignore[arg-type]
    journal = SqliteJournal(path)
    kinesis.account.journal = journal
    journal.restore(Wire(kinesis).cloud.get)
    return kinesis, journal


def _everything(k: Kinesis, name: str = "s") -> tuple[object, ...]:
    summary = k.describe_stream_summary(name)
    shards = k.list_shards(name).shards
    records = []
    for shard in shards:
        iterator = k.get_shard_iterator(name, shard.shard_id, "TRIM_HORIZON")
        records.append(
            [(r.sequence_number, r.data, r.partition_key) for r in k.get_records(iterator).records]
        )
    consumers = k.list_stream_consumers(summary.stream_arn).consumers
    return (
        summary,
        shards,
        records,
        k.list_tags_for_stream(name),
        [c.consumer_arn for c in consumers],
        k.get_resource_policy(summary.stream_arn),
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


class TestRoundTrip:
    """Streams, shards, records, tags, consumers and policies survive a restart."""

    def test_restart(self, clock: ManualClock, tmp_path: Path) -> None:
        path = tmp_path / "db.sqlite3"
        k, journal = _model(clock, path)
        k.create_stream("s", 2, tags={"team": "core"})
        k.put_records("s", [(f"r{n}".encode(), f"key-{n}", None) for n in range(20)])
        k.split_shard("s", "shardId-000000000000", str(2**126))
        k.put_record("s", b"after-split", "key-1", sequence_number_for_ordering="9" * 70)
        arn = k.describe_stream_summary("s").stream_arn
        k.register_stream_consumer(arn, "c")
        k.put_resource_policy(arn, POLICY)
        k.add_tags_to_stream("s", {"env": "test"})
        k.create_stream("gone", 1)
        k.delete_stream("gone")
        before = _everything(k)
        journal.close()

        again, journal = _model(clock, path)
        assert before == _everything(again)
        assert ["s"] == again.list_streams().stream_names
        # The counter carries on past the restored numbers.
        last = max(int(r[0]) for shard in before[2] for r in shard)  # type: ignore[union-attr]
        assert int(again.put_record("s", b"next", "key-1").sequence_number) > last
        journal.close()

    def test_regions_and_accounts_are_kept_apart(self, clock: ManualClock, tmp_path: Path) -> None:
        path = tmp_path / "db.sqlite3"
        k, journal = _model(clock, path)
        wire = Wire(k)
        wire.cloud.get("111122223333", "eu-west-1").create_stream("s", 1)
        k.create_stream("s", 3)
        journal.close()
        again = Kinesis(clock=clock)
        journal = SqliteJournal(path)
        again.account.journal = journal
        cloud = Wire(again).cloud
        journal.restore(cloud.get)
        assert 3 == len(again.list_shards("s").shards)
        assert 1 == len(cloud.get("111122223333", "eu-west-1").list_shards("s").shards)
        journal.close()

    def test_a_failed_put_leaves_nothing_on_disk(self, clock: ManualClock, tmp_path: Path) -> None:
        path = tmp_path / "db.sqlite3"
        faults = FaultInjector()
        k, journal = _model(clock, path, faults=faults)
        k.create_stream("s", 1)
        k.put_record("s", b"kept", "k")
        faults.break_midway("PutRecords")
        with pytest.raises(InjectedBug):
            k.put_records("s", [(b"lost", "k", None)])
        journal.close()
        again, journal = _model(clock, path)
        iterator = again.get_shard_iterator("s", "shardId-000000000000", "TRIM_HORIZON")
        assert [b"kept"] == [r.data for r in again.get_records(iterator).records]
        journal.close()


class TestRetention:
    """Records past retention are deleted from the database too."""

    def test_trimmed_on_disk(self, clock: ManualClock, tmp_path: Path) -> None:
        path = tmp_path / "db.sqlite3"
        k, journal = _model(clock, path)
        k.create_stream("s", 1)
        k.put_records("s", [(b"old", "k", None)] * 10)
        clock.advance(25 * 3600)
        k.put_record("s", b"new", "k")
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT data FROM records").fetchall()
        assert [(b"new",)] == rows
        journal.close()


class TestDataDir:
    """One server at a time per data directory."""

    def test_second_holder_is_refused(self, tmp_path: Path) -> None:
        with (
            DataDir(tmp_path / "data"),
            pytest.raises(DataDirError, match="in use by another emulator server"),
        ):
            DataDir(tmp_path / "data")
        with DataDir(tmp_path / "data") as again:  # released on close
            assert again.database.parent == tmp_path / "data"
