"""Request parsers per operation: the compiled shape tables, plus a PutRecords fast path."""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from typing import Any, TypeAlias

from eventwire_emulator.wire import shapes
from eventwire_emulator.wire.validation import Structure, compile_shape, validate

Params: TypeAlias = dict[str, Any]
Parser: TypeAlias = Callable[[Any], Params]
Entry: TypeAlias = tuple[bytes, str, "str | None"]


def _parser(shape: Structure) -> Parser:
    checker = compile_shape(shape)
    return lambda body: validate(checker, body)


# PutRecords is the hot path: 500 entries per call. Entries that are plainly valid are
# checked by a tight loop built from the same shape constants; anything else goes
# through the generic checker, which alone decides what errors to report, so the
# fast path can only ever be stricter, never more lenient, than the table.
_PUT_RECORDS = shapes.OPERATIONS["PutRecords"]
_put_records_full = compile_shape(_PUT_RECORDS)
_put_records_top = compile_shape(
    Structure(
        {name: shape for name, shape in _PUT_RECORDS.members.items() if name != "Records"},
        required=tuple(name for name in _PUT_RECORDS.required if name != "Records"),
    )
)
_MIN_ENTRIES = shapes.PutRecordsRequestEntryList.min_len or 0
_MAX_ENTRIES = shapes.PutRecordsRequestEntryList.max_len or 0
_MIN_KEY, _MAX_KEY = shapes.PartitionKey.min_len or 0, shapes.PartitionKey.max_len or 0
_MAX_DATA = shapes.Data.max_len or 0
_hash_key_match = re.compile(shapes.HASH_KEY_PATTERN, re.ASCII).fullmatch


def _fast_entries(records: list[Any]) -> list[Entry] | None:
    """Convert plainly valid entries to model tuples, or return None to take the slow path."""
    decode = binascii.a2b_base64
    out: list[Entry] = []
    append = out.append
    for entry in records:
        if type(entry) is not dict:
            return None
        data = entry.get("Data")
        key = entry.get("PartitionKey")
        hash_key = entry.get("ExplicitHashKey")
        if type(data) is not str or type(key) is not str or not _MIN_KEY <= len(key) <= _MAX_KEY:
            return None
        if hash_key is not None and (type(hash_key) is not str or not _hash_key_match(hash_key)):
            return None
        try:
            raw = decode(data, strict_mode=True)
        except ValueError:
            return None
        if len(raw) > _MAX_DATA:
            return None
        append((raw, key, hash_key))
    return out


def parse_put_records(body: Any) -> Params:
    """Parse a PutRecords body; ``Records`` becomes a list of (data, key, hash key) tuples."""
    if type(body) is dict:
        records = body.get("Records")
        if type(records) is list and _MIN_ENTRIES <= len(records) <= _MAX_ENTRIES:
            entries = _fast_entries(records)
            if entries is not None:
                params = validate(_put_records_top, body)
                params["Records"] = entries
                return params
    params = validate(_put_records_full, body)
    params["Records"] = [
        (entry["Data"], entry["PartitionKey"], entry.get("ExplicitHashKey"))
        for entry in params["Records"]
    ]
    return params


#: Operation name -> parser turning a decoded JSON body into validated members.
PARSERS: dict[str, Parser] = {name: _parser(shape) for name, shape in shapes.OPERATIONS.items()}
PARSERS["PutRecords"] = parse_put_records
