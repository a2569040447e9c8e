"""Records as ``eventwire tail`` shows them: de-aggregated, filtered, decoded by the registry."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from eventwire import EventRegistry, EventwireError, default_registry
from eventwire.backends import deaggregate

if TYPE_CHECKING:
    from mypy_boto3_kinesis.type_defs import RecordTypeDef

    from eventwire import Event


class Shown(NamedTuple):
    """One user record, ready to print.

    Attributes:
        shard: the shard id.
        sequence: the Kinesis record's sequence number.
        subsequence: the position inside an aggregated record, or None for a plain record.
        key: the user record's partition key.
        arrival: when Kinesis accepted the record.
        data: the user record's bytes.
        document: the CloudEvents document, when the data is one.
        event: the typed event, when its type is registered (``--import``).
        error: why a registered type did not decode.
    """

    shard: str
    sequence: str
    subsequence: int | None
    key: str
    arrival: datetime
    data: bytes
    document: dict[str, Any] | None
    event: Event | None
    error: str | None


_TYPE_NEAR_START = re.compile(rb'^\{"specversion":"1\.0","type":"([^"\\]{1,200})"')


def _matcher(patterns: Iterable[str]) -> Any:
    """A predicate on text: any of the exact values or ``fnmatch`` patterns; None matches all."""
    patterns = tuple(patterns)
    if not patterns:
        return None
    exact = frozenset(p for p in patterns if not any(c in p for c in "*?["))
    globs = tuple(p for p in patterns if p not in exact)
    if not globs:
        return exact.__contains__
    return lambda text: text in exact or any(fnmatch.fnmatchcase(text, g) for g in globs)


def _document(data: bytes) -> dict[str, Any] | None:
    # Only JSON objects with the attributes CloudEvents requires count as events.
    if not data.startswith(b"{"):
        return None
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    if isinstance(parsed, dict) and isinstance(parsed.get("type"), str) and "specversion" in parsed:
        return parsed
    return None


@dataclass
class Decoder:
    """Turns GetRecords answers into ``Shown`` records; counts what did not decode.

    Args:
        types: CloudEvents types (or ``fnmatch`` patterns) to keep; empty keeps all.
        keys: partition keys (or patterns) to keep; empty keeps all.
        registry: where event classes are looked up.
    """

    types: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    registry: EventRegistry = default_registry
    failed: int = 0

    def __post_init__(self) -> None:
        self._type_ok = _matcher(self.types)
        self._key_ok = _matcher(self.keys)

    def _typed(self, data: bytes) -> Event | None:
        """The typed event, parsing once, when the data names a registered type early on.

        eventwire writes ``type`` second in every document, so a look at the first
        bytes finds it without parsing. Anything unexpected returns None, and the
        caller takes the general path, which decides.
        """
        match = _TYPE_NEAR_START.search(data, 0, 200)
        if match is None:
            return None
        try:
            if match.group(1).decode() not in self.registry:
                return None
            return self.registry.decode(data)
        except (EventwireError, UnicodeDecodeError):
            return None

    def decode(self, shard: str, records: list[RecordTypeDef]) -> Iterator[Shown]:
        """The user records of ``records`` that pass the filters, in stream order."""
        type_ok, key_ok, registry = self._type_ok, self._key_ok, self.registry
        for record in records:
            sequence = record["SequenceNumber"]
            arrival = record["ApproximateArrivalTimestamp"]
            data = record["Data"]
            for user in deaggregate(data, record["PartitionKey"]):
                if key_ok is not None and not key_ok(user.partition_key):
                    continue
                event = self._typed(user.data)
                document: dict[str, Any] | None = None
                error: str | None = None
                if event is None:
                    document = _document(user.data)
                    kind = document["type"] if document is not None else None
                else:
                    kind = type(event).type
                if type_ok is not None and (kind is None or not type_ok(kind)):
                    continue
                if document is not None and kind in registry:
                    # A registered type the quick path missed: decode it to say why it fails.
                    try:
                        event = registry.decode(user.data)
                    except EventwireError as exc:
                        error = str(exc)
                        self.failed += 1
                yield Shown(
                    shard,
                    sequence,
                    user.sub_sequence_number if user.aggregated else None,
                    user.partition_key,
                    arrival,
                    user.data,
                    document,
                    event,
                    error,
                )
