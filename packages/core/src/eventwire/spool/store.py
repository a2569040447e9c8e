"""``Spool``: undelivered records on disk (journal, then SQLite), group commit, dead letters."""

from __future__ import annotations

import collections
import contextlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from eventwire.errors import SpoolError
from eventwire.records import Record
from eventwire.spool.database import SpoolDatabase
from eventwire.spool.journal import Journal, body, encode_removal, numbered, recover
from eventwire.spool.lock import DirectoryLock
from eventwire.spool.settings import SpoolSettings
from eventwire.yielding import YieldingLock, condition_on

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")

DATABASE = "spool.db"
COMMIT_DELAY = 1.0
"""Seconds a journaled record may wait before the committer writes it to SQLite.

Long enough that a burst the senders take a moment to catch up with is
delivered from the journal: measured at 0.2 s, four threads publishing 40,000
records had 35,000 of them inserted into SQLite and deleted again, a fifth
of the process's CPU.
"""
COMMIT_RECORDS = 100_000
"""Journaled records that make the committer write at once."""
COMMIT_BYTES = 64 * 1024 * 1024
"""Bytes of journaled records that make the committer write at once (they are held in memory)."""
COMMIT_POLL = 0.05
"""Seconds between the committer's looks at what is journaled."""


@dataclass(frozen=True, slots=True)
class SpoolCounts:
    """How much a spool holds: undelivered records and their bytes, dead letters and theirs."""

    records: int
    nbytes: int
    dead: int
    dead_bytes: int = 0


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record that failed for good, with its error and when it failed (epoch seconds)."""

    seq: int
    record: Record
    error: str
    failed_at: float


class Spool:
    """Undelivered records in ``<directory>/spool.db``, owned by one process at a time.

    ``append`` returns once its records are durable. Under ``fsync="always"``
    that is a SQLite commit, shared by the threads appending at the same time
    (group commit: the first waiting thread writes everyone's records while the
    others wait). Under ``"batch"`` it is a copy into the journal (see
    ``eventwire.spool.journal``), and a committer thread moves records that
    are still there after ``COMMIT_DELAY`` into SQLite; ``remove`` cancels a
    journaled record in the journal itself. Removals and dead-lettering ride
    along with the next commit (or ``sync``). An exclusive lock on
    ``<directory>/lock`` keeps a second spool (in this or any process) off the
    directory. Thread-safe.

    Raises:
        SpoolLockedError: another spool holds the directory.
        SpoolError: the directory or database cannot be used (the cause says why).
    """

    def __init__(
        self, directory: str | os.PathLike[str], settings: SpoolSettings | None = None
    ) -> None:
        self.settings = settings or SpoolSettings()
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpoolError(
                f"cannot create spool directory {str(self.directory)!r}: {exc}",
                path=str(self.directory),
            ) from exc
        self._lock_file = DirectoryLock(self.directory)
        try:
            self._db = SpoolDatabase(self.directory / DATABASE, self.settings.fsync)
        except sqlite3.Error as exc:
            self._lock_file.release()
            raise self._error("cannot open", exc) from exc
        try:
            entries, removed, last = recover(self.directory)
            if entries or removed:
                self._db.restore(entries, removed)
            if last:
                Journal.discard(self.directory, last)
            self._records, self._bytes, top, self._dead_bytes = self._db.totals()
            self._journal = Journal(self.directory) if self.settings.fsync == "batch" else None
        except (sqlite3.Error, OSError) as exc:
            self._db.close()
            self._lock_file.release()
            raise self._error("cannot open", exc) from exc
        self._next_seq = top + 1
        self._mutex = YieldingLock()
        self._changed = condition_on(self._mutex)
        self._pending: dict[int, Record] = {}  # numbered, not yet in SQLite
        self._pending_bytes = 0
        # (when, next sequence number then), one per committer poll over COMMIT_DELAY.
        self._marks: collections.deque[tuple[float, int]] = collections.deque(
            maxlen=int(COMMIT_DELAY / COMMIT_POLL) + 4
        )
        self._pending_since = 0.0
        self._removals: list[int] = []
        self._burials: list[tuple[int, str]] = []
        self._writing = False
        self._queued_ticket = 0
        self._done_ticket = 0
        self._failed: dict[int, SpoolError] = {}
        self._closed = False
        self.on_commit: Callable[[], None] | None = None
        """Called (from the committing thread) after new records became readable."""
        self._committer: threading.Thread | None = None
        if self._journal is not None:
            self._committer = threading.Thread(
                target=self._commit_loop, name="eventwire-spool-commit", daemon=True
            )
            self._committer.start()

    @property
    def lock(self) -> threading.Condition:
        """The lock ``append`` calls ``on_assigned`` under; hold it briefly, never calling in."""
        return self._changed

    @property
    def next_seq(self) -> int:
        """The sequence number the next appended record gets."""
        with self._mutex:
            return self._next_seq

    # -- writing ----------------------------------------------------------------------

    def has_room(self, nbytes: int) -> bool:
        """Whether ``nbytes`` more fit under ``max_bytes`` (an empty spool takes anything).

        Dead letters count: they stay until replayed or purged, and the cap
        bounds the directory, not only the queue.
        """
        # Read without the lock: an admission check, and the lock is the hot one.
        held = self._bytes + self._dead_bytes
        return held == 0 or held + nbytes <= self.settings.max_bytes

    def wait_for_room(self, nbytes: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until ``nbytes`` fit; whether they do."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (held := self._bytes + self._dead_bytes) and (
                held + nbytes > self.settings.max_bytes
            ):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return False
                self._changed.wait(remaining)
            return True

    def append_one(
        self,
        record: Record,
        on_assigned: Callable[[int, Record, T], None],
        context: T,
    ) -> int:
        """``append`` for one record, the publishing hot path; its sequence number.

        ``on_assigned(seq, record, context)`` is called as ``append`` calls its
        own. Under ``"always"`` this is ``append``.

        Raises:
            SpoolError: the commit failed, or the spool is closed.
        """
        journal = self._journal
        if journal is None:
            (seq,) = self.append((record,), lambda added: on_assigned(*added[0], context))
            return seq
        part, size = body(record), record.size
        mutex = self._mutex
        # The lock itself, not the Condition around it: one Python frame less on the
        # hot path (every wait on the Condition re-takes this same lock).
        mutex.acquire()
        try:
            self._check_open()
            seq = self._next_seq
            try:
                journal.write_one(numbered(seq, part))
            except OSError as exc:
                raise self._journal_error(exc) from exc
            self._next_seq = seq + 1
            self._note_queued()
            self._pending[seq] = record
            self._count_in(1, size)
            on_assigned(seq, record, context)
        finally:
            mutex.release()
        return seq

    def append(
        self,
        records: Sequence[Record],
        on_assigned: Callable[[list[tuple[int, Record]]], None] | None = None,
    ) -> list[int]:
        """Store ``records``; their sequence numbers, once durable (in call order).

        ``on_assigned`` is called with the numbered records under the spool's
        lock (``lock``), so calls come in sequence-number order and before
        anyone can read the records back; it must not call the spool.

        Raises:
            SpoolError: the commit failed, or the spool is closed.
        """
        # Everything but the numbering is done before the lock: publishers share it.
        bodies = [body(record) for record in records] if self._journal is not None else None
        nbytes = sum(record.size for record in records)
        with self._changed:
            self._check_open()
            first = self._next_seq
            seqs = list(range(first, first + len(records)))
            added = list(zip(seqs, records, strict=True))
            if self._journal is not None and bodies is not None:
                try:
                    self._journal.write(
                        [numbered(seq, part) for seq, part in zip(seqs, bodies, strict=True)]
                    )
                except OSError as exc:
                    raise self._journal_error(exc) from exc
            self._next_seq = first + len(records)
            self._note_queued()
            self._pending.update(added)
            self._count_in(len(records), nbytes)
            if on_assigned is not None:
                on_assigned(added)
            if self._journal is not None:
                # Durable now; the committer moves it into SQLite unless delivered first.
                return seqs
            self._queued_ticket += 1
            self._commit_through(self._queued_ticket)
        return seqs

    def _count_in(self, records: int, nbytes: int) -> None:
        """Count newly numbered records, now pending a commit (lock held)."""
        self._pending_bytes += nbytes
        self._records += records
        self._bytes += nbytes

    def _commit_loop(self) -> None:
        """Under ``"batch"``: move journaled records into SQLite once they linger, until closed.

        A record delivered within ``COMMIT_DELAY`` never reaches SQLite at all
        (``remove`` cancels it in the journal), which spares most records an
        insert and a delete.
        """
        with self._changed:
            while True:
                while not self._closed and not self._due():
                    self._changed.wait(COMMIT_POLL)
                if self._closed and not self._queued():
                    return
                self._queued_ticket += 1
                try:
                    self._commit_through(self._queued_ticket)
                except SpoolError:
                    # The records stay journaled and queued; try again shortly.
                    self._changed.wait(0.1)

    def _due(self) -> bool:
        """Whether the committer should write now (lock held; called every ``COMMIT_POLL``).

        That is when the journaled records grow past the caps, when the oldest
        of them is ``COMMIT_DELAY`` old (known from marks of the next sequence
        number taken at each poll), or when a removal or burial has waited as
        long.
        """
        if len(self._pending) >= COMMIT_RECORDS or self._pending_bytes >= COMMIT_BYTES:
            return True
        now, marks = time.monotonic(), self._marks
        if not marks or now - marks[-1][0] >= COMMIT_POLL / 2:
            marks.append((now, self._next_seq))
        while len(marks) > 1 and marks[1][0] <= now - COMMIT_DELAY:
            marks.popleft()
        marked_at, next_then = marks[0]
        # Dicts keep insertion order, and records are added in sequence order.
        pending = self._pending
        if pending and marked_at <= now - COMMIT_DELAY and next(iter(pending)) < next_then:
            return True
        return bool(self._removals or self._burials) and now - self._pending_since >= COMMIT_DELAY

    def _queued(self) -> bool:
        """Whether anything waits for a commit (lock held)."""
        return bool(self._pending or self._removals or self._burials)

    def _note_queued(self) -> None:
        """Start the commit delay if nothing was waiting (lock held)."""
        if not self._queued():
            self._pending_since = time.monotonic()

    @property
    def commits_in_background(self) -> bool:
        """Whether a committer thread writes removals and burials (``"batch"``) or ``sync`` must."""
        return self._committer is not None

    def remove(self, seqs: Sequence[int]) -> None:
        """Forget delivered records, at once under ``"batch"``.

        Under ``"batch"`` a tombstone in the journal makes the removal durable
        immediately: a journaled record is cancelled there and never reaches
        SQLite; one already in SQLite is deleted with the next commit, and a
        crash before that commit replays the tombstone. Without it a crash in
        that window would send the record again. Under ``"always"`` the
        removal waits for the next commit (``sync``).
        """
        if not seqs:
            return
        with self._changed:
            self._note_queued()
            if self._journal is None:
                self._removals.extend(seqs)
                return
            try:
                self._journal.write([encode_removal(list(seqs))])
            except OSError:
                # Without the tombstone they must go through SQLite (insert, then delete).
                self._removals.extend(seqs)
                return
            pending = self._pending
            cancelled = 0
            for seq in seqs:
                record = pending.pop(seq, None)
                if record is None:
                    self._removals.append(seq)
                else:
                    self._bytes -= record.size
                    self._pending_bytes -= record.size
                    cancelled += 1
            if cancelled:
                self._records -= cancelled
                self._changed.notify_all()

    def bury(self, seq: int, error: str) -> None:
        """Move a record that failed for good to the dead letters (with the next commit)."""
        with self._mutex:
            self._note_queued()
            self._burials.append((seq, error))

    def sync(self) -> None:
        """Commit queued removals and burials now."""
        with self._changed:
            if self._closed or not (self._removals or self._burials or self._pending):
                return
            self._queued_ticket += 1
            self._commit_through(self._queued_ticket)

    def _commit_through(self, ticket: int) -> None:
        """Wait (mutex held) until ``ticket``'s work is committed, writing it if nobody is."""
        while self._done_ticket < ticket:
            if self._writing:
                self._changed.wait()
                continue
            self._writing = True
            upto = self._queued_ticket
            pending, self._pending = self._pending, {}
            pending_bytes, self._pending_bytes = self._pending_bytes, 0
            removals, self._removals = self._removals, []
            burials, self._burials = self._burials, []
            journaled = 0
            if pending and self._journal is not None:
                journaled = self._journal.rotate()
            self._mutex.release()
            error: SpoolError | None = None
            try:
                freed = self._db.write(pending, removals, burials)
                if journaled:
                    # Before anyone can read (and so deliver and remove) these records.
                    Journal.discard(self.directory, journaled)
                if pending and self.on_commit is not None:
                    self.on_commit()
            except (sqlite3.Error, OSError) as exc:
                error = self._error("cannot write to", exc)
                freed = (0, 0, 0)
            finally:
                self._mutex.acquire()
            self._writing = False
            self._records -= freed[0]
            self._bytes -= freed[1]
            self._dead_bytes += freed[2]
            if error is not None:
                # The records never reached the disk: their appenders get the error.
                # Removals and burials wait for the next commit.
                self._removals[:0] = removals
                self._burials[:0] = burials
                if self._journal is not None:
                    # Journaled records are durable already: keep them for the next try.
                    self._pending = {**pending, **self._pending}
                    self._pending_bytes += pending_bytes
                else:
                    self._records -= len(pending)
                    self._bytes -= sum(record.size for record in pending.values())
                for failed in range(self._done_ticket + 1, upto + 1):
                    self._failed[failed] = error
            self._done_ticket = upto
            self._changed.notify_all()
        error = self._failed.pop(ticket, None)
        if error is not None:
            raise error

    # -- reading ----------------------------------------------------------------------

    def read(self, after: int, limit: int | None = None) -> list[tuple[int, Record]]:
        """Records with a sequence number above ``after``, oldest first (journaled ones too)."""
        limit = limit or self.settings.read_batch
        with self._mutex:
            journaled = bool(self._pending)
        if journaled:
            self.sync()
        try:
            return self._db.read(after, limit)
        except sqlite3.Error as exc:
            raise self._error("cannot read from", exc) from exc

    def counts(self) -> SpoolCounts:
        """What the spool holds now (records committed or being committed)."""
        try:
            dead = self._db.dead_count()
        except sqlite3.Error as exc:
            raise self._error("cannot read from", exc) from exc
        with self._mutex:
            return SpoolCounts(self._records, self._bytes, dead, self._dead_bytes)

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """The oldest ``limit`` dead letters."""
        try:
            return [DeadLetter(*letter) for letter in self._db.dead_letters(limit)]
        except sqlite3.Error as exc:
            raise self._error("cannot read from", exc) from exc

    def replay_dead(self) -> int:
        """Move every dead letter back to the records, after everything already queued."""
        letters = self.dead_letters(limit=1_000_000_000)
        if not letters:
            return 0
        self.append([letter.record for letter in letters])
        self._purge_dead([letter.seq for letter in letters])
        return len(letters)

    def purge_dead(self) -> int:
        """Delete every dead letter; how many there were."""
        return self._purge_dead(None)

    def _purge_dead(self, seqs: list[int] | None) -> int:
        with self._changed:
            self._check_open()
            # Not inside a commit: the committer's transaction holds the connection.
            while self._writing:
                self._changed.wait()
            self._writing = True
        deleted = nbytes = 0
        try:
            deleted, nbytes = self._db.delete_dead(seqs)
        except sqlite3.Error as exc:
            raise self._error("cannot write to", exc) from exc
        finally:
            with self._changed:
                self._writing = False
                self._dead_bytes -= nbytes
                self._changed.notify_all()
        return deleted

    # -- lifecycle --------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise SpoolError(
                f"the spool at {str(self.directory)!r} is closed", path=str(self.directory)
            )

    def _journal_error(self, exc: OSError) -> SpoolError:
        return SpoolError(
            f"cannot write to the spool journal in {str(self.directory)!r}: {exc}",
            path=str(self.directory),
        )

    def _error(self, doing: str, exc: sqlite3.Error | OSError) -> SpoolError:
        return SpoolError(
            f"{doing} the spool at {str(self.directory)!r}: {exc}", path=str(self.directory)
        )

    def close(self) -> None:
        """Commit what is queued, close the database and release the directory. Idempotent."""
        if self._closed:
            return
        with contextlib.suppress(SpoolError):
            self.sync()
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._committer is not None:
            self._committer.join()
        with self._changed:
            while self._writing:
                self._changed.wait()
        if self._journal is not None:
            self._journal.close()
        self._db.close()
        self._lock_file.release()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Spool {str(self.directory)!r} records={self._records} bytes={self._bytes}>"
