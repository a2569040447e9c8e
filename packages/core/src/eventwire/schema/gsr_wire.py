"""The AWS Glue Schema Registry wire format: an 18-byte header before the serialized document.

Byte 0 is the header version (3), byte 1 the compression (0 none, 5 zlib),
bytes 2-17 the schema version's UUID; the (possibly compressed) document
follows. The layout is the one AWS's Glue Schema Registry serializers write.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple
from uuid import UUID

from eventwire.errors import MalformedRecordError

HEADER_VERSION = 3
COMPRESSION_NONE = 0
COMPRESSION_ZLIB = 5
HEADER_SIZE = 18


class Framed(NamedTuple):
    """A record's schema version and its document, decompressed."""

    schema_version_id: UUID
    document: bytes
    compressed: bool


def frame(document: bytes, schema_version_id: UUID, *, compress: bool = False) -> bytes:
    """``document`` behind the Glue Schema Registry header, zlib-compressed when asked."""
    if compress:
        return (
            bytes((HEADER_VERSION, COMPRESSION_ZLIB))
            + schema_version_id.bytes
            + zlib.compress(document)
        )
    return bytes((HEADER_VERSION, COMPRESSION_NONE)) + schema_version_id.bytes + document


def is_framed(data: bytes) -> bool:
    """Whether ``data`` starts like a Glue Schema Registry record (JSON never starts with 0x03)."""
    return data[:1] == b"\x03"


def unframe(data: bytes, *, max_size: int) -> Framed:
    """Split a framed record into its schema version and document.

    Args:
        data: the record's bytes, header included.
        max_size: the most bytes a compressed document may inflate to.

    Raises:
        MalformedRecordError: the header is short or unknown, or the document does not inflate.
    """
    if len(data) < HEADER_SIZE or data[0] != HEADER_VERSION:
        raise MalformedRecordError(
            f"record is not in the Glue Schema Registry format: it needs {HEADER_SIZE} header "
            f"bytes starting with {HEADER_VERSION}, got {bytes(data[:HEADER_SIZE])!r}"
        )
    compression = data[1]
    version_id = UUID(bytes=bytes(data[2:HEADER_SIZE]))
    body = bytes(data[HEADER_SIZE:])
    if compression == COMPRESSION_NONE:
        return Framed(version_id, body, False)
    if compression != COMPRESSION_ZLIB:
        raise MalformedRecordError(
            f"Glue Schema Registry record has compression byte {compression}; "
            f"eventwire reads {COMPRESSION_NONE} (none) and {COMPRESSION_ZLIB} (zlib)"
        )
    inflater = zlib.decompressobj()
    try:
        # Bounded: a small record must not inflate into unbounded memory.
        document = inflater.decompress(body, max_size)
    except zlib.error as exc:
        raise MalformedRecordError(f"Glue Schema Registry record does not inflate: {exc}") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise MalformedRecordError(
            f"Glue Schema Registry record inflates to more than {max_size} bytes or is truncated"
        )
    return Framed(version_id, document, True)
