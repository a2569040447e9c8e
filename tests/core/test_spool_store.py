"""The spool on its own: group commit, durability across a process kill, lock, cap, dead letters."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import TYPE_CHECKING

import pytest

from eventwire import ConfigurationError, SpoolError, SpoolLockedError
from eventwire.backends import Record
from eventwire.spool import Spool, SpoolSettings, store
from eventwire.spool.__main__ import main

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def _records(count: int, start: int = 0) -> list[Record]:
    return [
        Record(f"data-{i}".encode(), f"key-{i % 7}", event_id=f"id-{i}", event_type="t")
        for i in range(start, start + count)
    ]


class TestAppendAndRead:
    """Records come back in append order until removed."""

    def test_round_trip_and_removal(self, tmp_path: Path) -> None:
        with Spool(tmp_path) as spool:
            records = [*_records(5), Record(b"x", "k", "1" * 20, "e", "t", True)]
            seqs = spool.append(records)
            assert [seq for seq, _ in spool.read(0)] == seqs
            assert records == [record for _, record in spool.read(0)]
            spool.remove(seqs[:2])
            spool.sync()
            assert seqs[2:] == [seq for seq, _ in spool.read(0)]
            assert 4 == spool.counts().records
            assert sum(r.size for r in records[2:]) == spool.counts().nbytes

    def test_reopen_resumes_with_the_same_records_and_later_numbers(self, tmp_path: Path) -> None:
        with Spool(tmp_path) as spool:
            first = spool.append(_records(3))
        with Spool(tmp_path) as spool:
            assert first == [seq for seq, _ in spool.read(0)]
            assert first[-1] < spool.append(_records(1))[0]

    def test_threads_share_commits_and_keep_their_own_order(self, tmp_path: Path) -> None:
        with Spool(tmp_path) as spool:

            def publish(thread: int) -> None:
                for i in range(200):
                    spool.append([Record(f"{thread}:{i}".encode(), f"t{thread}")])

            threads = [threading.Thread(target=publish, args=(t,)) for t in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rows = spool.read(0, limit=10_000)
        assert 800 == len(rows)
        for number in range(4):
            mine = [r.data for _, r in rows if r.partition_key == f"t{number}"]
            assert [f"{number}:{i}".encode() for i in range(200)] == mine


class TestDurability:
    """An append that returned survives the process being SIGKILLed at once."""

    def test_sigkill_after_append(self, tmp_path: Path) -> None:
        script = textwrap.dedent(
            f"""
            import os, signal
            from eventwire.backends import Record
            from eventwire.spool import Spool
            spool = Spool({str(tmp_path)!r})
            spool.append([Record(b"kept-%d" % i, "k") for i in range(50)])
            os.kill(os.getpid(), signal.SIGKILL)
            """
        )
        done = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
        assert -signal.SIGKILL == done.returncode
        with Spool(tmp_path) as spool:
            assert [b"kept-%d" % i for i in range(50)] == [r.data for _, r in spool.read(0)]


class TestLock:
    """Two spools on one directory get a clear error, not a shared file."""

    def test_second_spool_in_process(self, tmp_path: Path) -> None:
        with Spool(tmp_path), pytest.raises(SpoolLockedError, match="in use by another producer"):
            Spool(tmp_path)

    def test_lock_is_released_on_close_and_names_the_owner(self, tmp_path: Path) -> None:
        Spool(tmp_path).close()
        owner = f"process {os.getpid()}"
        with Spool(tmp_path), pytest.raises(SpoolLockedError, match=owner) as info:
            Spool(tmp_path)
        assert str(tmp_path) == info.value.path

    def test_unusable_directory(self, tmp_path: Path) -> None:
        (tmp_path / "file").write_text("")
        with pytest.raises(SpoolError, match="cannot create spool directory"):
            Spool(tmp_path / "file" / "spool")


class TestCap:
    """The size cap admits records until full, then waits for removals."""

    def test_room(self, tmp_path: Path) -> None:
        with Spool(tmp_path, SpoolSettings(max_bytes=100)) as spool:
            assert spool.has_room(1000), "an empty spool takes any record"
            seqs = spool.append([Record(b"x" * 59, "k")])
            assert not spool.has_room(41)
            assert spool.has_room(40)
            assert not spool.wait_for_room(41, timeout=0.01)

            def free() -> None:
                spool.remove(seqs)
                spool.sync()

            threading.Timer(0.05, free).start()
            assert spool.wait_for_room(41, timeout=10)

    def test_settings_are_checked(self) -> None:
        with pytest.raises(ConfigurationError, match="fsync must be 'batch' or 'always'"):
            SpoolSettings(fsync="sometimes")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="max_bytes must be positive, got 0"):
            SpoolSettings(max_bytes=0)


class TestDeadLetters:
    """Buried records leave the queue with their error; replay puts them at the end."""

    def test_bury_list_replay_purge(self, tmp_path: Path) -> None:
        with Spool(tmp_path, SpoolSettings(fsync="always")) as spool:
            seqs = spool.append(_records(4))
            spool.bury(seqs[1], "StreamNotFoundError: no stream 'x'")
            spool.sync()
            assert [seqs[0], *seqs[2:]] == [seq for seq, _ in spool.read(0)]
            (letter,) = spool.dead_letters()
            assert (seqs[1], "id-1", "StreamNotFoundError: no stream 'x'") == (
                letter.seq, letter.record.event_id, letter.error
            )  # fmt: skip
            assert 1 == spool.counts().dead
            assert 1 == spool.replay_dead()
            assert ["id-0", "id-2", "id-3", "id-1"] == [r.event_id for _, r in spool.read(0)]
            assert 0 == spool.counts().dead
            spool.bury(spool.read(0)[0][0], "PermissionDeniedError: no")
            spool.sync()
            assert 1 == spool.purge_dead()
            assert 0 == spool.counts().dead

    def test_command_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        with Spool(tmp_path) as spool:
            seqs = spool.append(_records(3))
            spool.bury(seqs[0], "InvalidRecordError: bad")
            spool.sync()
            assert 2 == main(["show", str(tmp_path)]), "a running producer holds the lock"
            assert "in use by another producer" in capsys.readouterr().err
        assert 0 == main(["show", str(tmp_path)])
        assert "records=2 bytes=" in capsys.readouterr().out
        assert 0 == main(["dead", str(tmp_path)])
        assert "id-0\tkey-0\tInvalidRecordError: bad" in capsys.readouterr().out
        assert 0 == main(["replay", str(tmp_path)])
        assert "replayed=1" in capsys.readouterr().out
        assert 0 == main(["purge", str(tmp_path)])
        assert "purged=0" in capsys.readouterr().out


class TestJournal:
    """Under "batch" the journal alone carries a record until SQLite has it."""

    def test_removed_before_commit_stays_removed_after_a_kill(self, tmp_path: Path) -> None:
        script = textwrap.dedent(
            f"""
            import os, signal
            from eventwire.backends import Record
            from eventwire.spool import Spool
            spool = Spool({str(tmp_path)!r})
            seqs = spool.append([Record(b"r-%d" % i, "k") for i in range(10)])
            spool.remove(seqs[:4])
            os.kill(os.getpid(), signal.SIGKILL)
            """
        )
        done = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
        assert -signal.SIGKILL == done.returncode
        with Spool(tmp_path) as spool:
            assert [b"r-%d" % i for i in range(4, 10)] == [r.data for _, r in spool.read(0)]
            assert 6 == spool.counts().records

    def test_a_torn_last_entry_is_dropped(self) -> None:
        from eventwire.spool.journal import decode, encode, encode_removal

        first, second = Record(b"one", "k", "x" * 39, "id-1", "t", True), Record(b"two", "k")
        log = encode(1, first) + encode(2, second) + encode_removal([2]) + encode(3, first)
        found: dict[int, Record] = {}
        decode(log[:-1], found)
        assert {1: first} == found
        corrupt = bytearray(log)
        corrupt[10] ^= 0xFF
        found = {}
        decode(bytes(corrupt), found)
        assert {} == found


def _in_sqlite(spool: Spool) -> list[int]:
    """Sequence numbers of the records in the spool's database, not its journal.

    Read through the spool's own connection: the database is locked to it.
    """
    return [seq for seq, _ in spool._db.read(0, 1000)]


def _wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class TestCommitter:
    """Under "batch" the journal holds fresh records; the committer moves lingering ones."""

    def test_a_record_older_than_the_delay_moves_to_sqlite(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(store, "COMMIT_DELAY", 0.3)
        with Spool(tmp_path) as spool:
            (seq,) = spool.append(_records(1))
            assert _wait_until(lambda: [seq] == _in_sqlite(spool))
            assert 1 == spool.counts().records

    def test_the_delay_is_counted_from_each_record_not_from_the_first(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A record removed early must not start a clock that later records inherit.
        monkeypatch.setattr(store, "COMMIT_DELAY", 1.0)
        with Spool(tmp_path) as spool:
            (first,) = spool.append(_records(1))
            time.sleep(0.7)
            spool.remove([first])
            (second,) = spool.append(_records(1, start=1))
            appended = time.monotonic()
            time.sleep(0.5)
            # 1.2 s after the first record, 0.5 s after the second: still journaled.
            if time.monotonic() - appended < 0.9:  # a stall this long proves nothing
                assert [] == _in_sqlite(spool)
            assert _wait_until(lambda: [second] == _in_sqlite(spool))

    def test_journaled_bytes_past_the_cap_move_at_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(store, "COMMIT_DELAY", 60.0)
        monkeypatch.setattr(store, "COMMIT_BYTES", 1000)
        with Spool(tmp_path) as spool:
            seqs = spool.append([Record(b"x" * 600, "k") for _ in range(2)])
            assert _wait_until(lambda: seqs == _in_sqlite(spool), timeout=5)

    def test_delivered_records_never_reach_sqlite(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(store, "COMMIT_DELAY", 0.3)
        with Spool(tmp_path) as spool:
            kept = spool.append(_records(1))
            spool.remove(spool.append(_records(50, start=1)))
            assert _wait_until(lambda: kept == _in_sqlite(spool))
            assert 1 == spool.counts().records
