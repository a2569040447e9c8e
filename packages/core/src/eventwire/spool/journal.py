"""``Journal``: the spool's append-only log, so ``publish`` is durable at one memory copy.

A SQLite commit costs tens of microseconds and a thread hand-off to share
it; measured, that capped a spooled ``publish`` far below the in-memory one.
Under the ``"batch"`` fsync policy a record only has to outlive the process,
which it does once it is in the kernel's page cache. The log files are
mapped shared (``mmap``), so an append is a memory copy into that cache: no
system call, and no release of the GIL that a busy process would make the
caller wait to get back (measured: a plain ``os.write`` cost 70 us per call
under load, most of it waiting for the GIL). The spool's committer thread moves
the records into SQLite in large transactions, then deletes the files it
emptied. After a crash, ``recover``
reads back what the log still holds; a torn last entry (the process died
mid-write) fails its length or CRC check and is dropped: its ``publish`` never
returned.

Records delivered before the committer got to them are never written to
SQLite: a removal entry (a tombstone) in the log cancels them, so a crash
does not bring them back.

Entry: ``<length u32><crc32 u32><payload>``. A record's payload is ``A`` then
``<seq u64>`` and its body: ``<ordered u8>``, four ``u32`` lengths (partition
key, explicit hash key + 1 or 0 for none, event id, event type), those UTF-8
strings, and the data. Its CRC runs over the body first and the sequence
number last, so the body's part is computed before the spool's lock is taken
and only the eight bytes of the number under it. A removal's payload is ``R``
then the removed sequence numbers as ``u64``, its CRC over all of it.
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib
from typing import TYPE_CHECKING

from eventwire.records import Record

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

_HEADER = struct.Struct("<II")
_SEQ = struct.Struct("<Q")
_FIXED = struct.Struct("<BIIII")
FILE_BYTES = 4 * 1024 * 1024
"""Size of a journal file (sparse until written)."""
PREFIX = "journal-"
SUFFIX = ".log"

Body = tuple[bytes, int]
"""A record's entry body and that body's running CRC, ready for a sequence number."""


def body(record: Record) -> Body:
    """The part of ``record``'s entry that does not depend on its sequence number."""
    key = record.partition_key.encode()
    hash_key = b"" if record.explicit_hash_key is None else record.explicit_hash_key.encode()
    event_id, event_type = record.event_id.encode(), record.event_type.encode()
    data = b"".join(
        (
            _FIXED.pack(
                record.ordered,
                len(key),
                0 if record.explicit_hash_key is None else len(hash_key) + 1,
                len(event_id),
                len(event_type),
            ),
            key,
            hash_key,
            event_id,
            event_type,
            record.data,
        )
    )
    return data, zlib.crc32(data, _RECORD_CRC)


_RECORD_CRC = zlib.crc32(b"A")
_RECORD, _REMOVAL = ord("A"), ord("R")


def numbered(seq: int, prepared: Body) -> bytes:
    """The whole entry of a record whose body is ``prepared``, numbered ``seq``."""
    data, crc = prepared
    number = _SEQ.pack(seq)
    return _HEADER.pack(len(data) + 9, zlib.crc32(number, crc)) + b"A" + number + data


def encode(seq: int, record: Record) -> bytes:
    """One journal entry for ``record`` numbered ``seq``."""
    return numbered(seq, body(record))


def encode_removal(seqs: list[int]) -> bytes:
    """One journal entry cancelling the records ``seqs``."""
    payload = b"R" + struct.pack(f"<{len(seqs)}Q", *seqs)
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def _intact(payload: memoryview, crc: int) -> bool:
    """Whether ``payload`` matches ``crc`` (a record's CRC runs over its number last)."""
    if payload[0] != _RECORD:
        return zlib.crc32(payload) == crc
    return len(payload) >= 9 + _FIXED.size and crc == zlib.crc32(
        payload[1:9], zlib.crc32(payload[9:], _RECORD_CRC)
    )


def decode(buffer: bytes, records: dict[int, Record], removed: set[int] | None = None) -> None:
    """Apply the whole entries at the start of ``buffer`` to ``records``, in order.

    A removal cancels a record of ``records``; one of a record not there (it was
    in SQLite already) goes to ``removed``. Stops at the first torn or corrupt
    entry, or at the zeros after the last one.
    """
    view = memoryview(buffer)
    offset = 0
    while offset + _HEADER.size <= len(buffer):
        length, crc = _HEADER.unpack_from(buffer, offset)
        start = offset + _HEADER.size
        payload = view[start : start + length]
        if len(payload) != length or length < 1 or not _intact(payload, crc):
            break
        offset = start + length
        if payload[0] == _REMOVAL:
            for (seq,) in struct.iter_unpack("<Q", payload[1:]):
                if records.pop(seq, None) is None and removed is not None:
                    removed.add(seq)
            continue
        (seq,) = _SEQ.unpack_from(payload, 1)
        ordered, key_len, hash_len, id_len, type_len = _FIXED.unpack_from(payload, 9)
        at = 9 + _FIXED.size
        fields = []
        for size in (key_len, max(hash_len - 1, 0), id_len, type_len):
            fields.append(bytes(payload[at : at + size]).decode())
            at += size
        records[seq] = Record(
            data=bytes(payload[at:]),
            partition_key=fields[0],
            explicit_hash_key=fields[1] if hash_len else None,
            event_id=fields[2],
            event_type=fields[3],
            ordered=bool(ordered),
        )


class Journal:
    """The mapped file new entries go to, and the older files not yet emptied; not thread-safe.

    The spool calls it under its own lock. Files are created at
    ``FILE_BYTES`` (sparse, zero-filled: a zero length ends the entries) and
    a new one is started when the next entry does not fit.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        numbers = [number for number, _ in _files(directory)]
        self._number = max(numbers, default=0) + 1
        self._map = self._open(self._number, FILE_BYTES)
        self._offset = 0

    def _open(self, number: int, size: int) -> mmap.mmap:
        path = self.directory / f"{PREFIX}{number:010d}{SUFFIX}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.ftruncate(fd, size)
            return mmap.mmap(fd, size)
        finally:
            os.close(fd)

    def write(self, entries: Iterable[bytes]) -> None:
        """Copy ``entries`` into the page cache (raises ``OSError`` if a file cannot be made)."""
        self.write_one(b"".join(entries))

    def write_one(self, data: bytes) -> None:
        """Copy one entry (or several joined) into the page cache; ``OSError`` as ``write``."""
        if self._offset + len(data) > len(self._map):
            self._next(len(data))
        self._map[self._offset : self._offset + len(data)] = data
        self._offset += len(data)

    def _next(self, room: int) -> None:
        self._map.close()
        self._number += 1
        self._map = self._open(self._number, max(FILE_BYTES, room))
        self._offset = 0

    def rotate(self) -> int:
        """Start a new file; the number of the last file whose entries are all taken."""
        finished = self._number
        self._next(0)
        return finished

    @staticmethod
    def discard(directory: Path, number: int) -> None:
        """Delete the files up to ``number``: their entries are committed to SQLite."""
        for found, path in _files(directory):
            if found <= number:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """Unmap the open file (idempotent)."""
        if not self._map.closed:
            self._map.close()


def recover(directory: Path) -> tuple[list[tuple[int, Record]], set[int], int]:
    """What the log still holds, and the number of its last file.

    That is the records not cancelled (oldest first) and the removals of
    records that were already in SQLite.
    """
    records: dict[int, Record] = {}
    removed: set[int] = set()
    last = 0
    for number, path in _files(directory):
        decode(path.read_bytes(), records, removed)
        last = number
    return sorted(records.items()), removed, last


def _files(directory: Path) -> list[tuple[int, Path]]:
    found = []
    for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
        digits = path.name[len(PREFIX) : -len(SUFFIX)]
        if digits.isdigit():
            found.append((int(digits), path))
    return sorted(found)
