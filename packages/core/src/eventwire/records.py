"""Wire-neutral values that travel between the Publisher and a backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Self

from eventwire.cloudevents import SPECVERSION, check_finite, encode_planned
from eventwire.errors import RecordTooLargeError
from eventwire.events import Event, not_an_event
from eventwire.keys import check_partition_key, explicit_hash_key_for
from eventwire.limits import (
    DEFAULT_MAX_RECORD_SIZE,
    MAX_PARTITION_KEY_LENGTH,
    MAX_RECORD_SIZE_LIMIT,
)
from eventwire.plans import plan_for

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from eventwire.errors import BackendError, EventwireError


class Record(NamedTuple):
    """One record ready for a stream: bytes plus the keys that route it (immutable).

    Backends see only records, never event objects, so every backend handles
    the same bytes the same way. A named tuple because one is built per event
    on the publish hot path, where it is several times cheaper than a frozen
    dataclass.

    Attributes:
        data: the encoded event (structured-mode CloudEvents JSON for eventwire events).
        partition_key: 1 to 256 Unicode characters; MD5 of its UTF-8 bytes picks the shard.
        explicit_hash_key: a decimal 128-bit integer that overrides the partition key hash.
        event_id: the id of the event this record carries, for receipts and failures.
        event_type: the event's CloudEvents ``type``.
        ordered: the event class asked for strict ordering per partition key.
    """

    data: bytes
    partition_key: str
    explicit_hash_key: str | None = None
    event_id: str = ""
    event_type: str = ""
    ordered: bool = False

    @property
    def size(self) -> int:
        """Bytes counted against the record size limit: data plus UTF-8 partition key."""
        return len(self.data) + len(self.partition_key.encode())


class PublishReceipt(NamedTuple):
    """Proof that a record was accepted by a stream (immutable; a named tuple for speed).

    Attributes:
        attempts: requests that carried the record, the successful one included.
        ambiguous: an earlier attempt failed in a way that may have written the
            record anyway (a time-out, a reset, a 5xx), so the stream may hold it twice.
    """

    event_id: str
    backend: str
    stream: str
    shard_id: str
    sequence_number: str
    attempts: int = 1
    ambiguous: bool = False

    @property
    def ok(self) -> Literal[True]:
        """Always true: a receipt means the record was delivered."""
        return True


@dataclass(frozen=True, slots=True)
class PublishFailure:
    """An event that was not delivered, and why.

    Attributes:
        event_id: the id of the event that failed.
        error: the eventwire error that explains the failure.
        attempts: how many times delivery was tried (0 if it never left the process).
        record: the record that was (or would have been) sent, when one was built.
    """

    event_id: str
    error: EventwireError
    attempts: int = 0
    record: Record | None = None

    @property
    def ok(self) -> Literal[False]:
        """Always false: a failure means the record was not delivered."""
        return False

    @property
    def code(self) -> str | None:
        """The service's error code when the backend reported one."""
        return getattr(self.error, "code", None)

    @property
    def message(self) -> str:
        """The error message."""
        return str(self.error)


class ShardInfo(NamedTuple):
    """An open shard of a stream and the inclusive range of hash keys it owns."""

    shard_id: str
    starting_hash_key: int
    ending_hash_key: int

    def owns(self, hash_key: int) -> bool:
        """Whether ``hash_key`` falls in this shard's range (inclusive at both ends)."""
        return self.starting_hash_key <= hash_key <= self.ending_hash_key


PublishResult = PublishReceipt | PublishFailure
"""One entry of ``publish_many``'s answer: a receipt or a failure, never nothing."""


def failure_from(record: Record, error: BackendError, attempts: int) -> PublishFailure:
    """Build the failure for ``record`` that a backend could not deliver."""
    return PublishFailure(event_id=record.event_id, error=error, attempts=attempts, record=record)


def record_for(
    event: Event,
    *,
    max_record_size: int = DEFAULT_MAX_RECORD_SIZE,
    source: str | None = None,
    extensions: Mapping[str, object] | None = None,
) -> Record:
    """Encode ``event`` into a record, checking its keys and size before it leaves the process.

    Raises:
        InvalidPartitionKeyError: the partition key breaks the Kinesis limits.
        InvalidHashKeyError: the explicit hash key is not a 128-bit decimal integer.
        RecordTooLargeError: data plus partition key exceed ``max_record_size``.
        InvalidEventError: neither the event nor ``source`` gives a source.
    """
    event_class = type(event)
    plan = event_class.__eventwire_plan__ or plan_for(event_class)
    key = plan.partition_key(event)
    # check_partition_key's first test, inlined for the usual key (short ASCII text).
    if not (type(key) is str and 0 < len(key) <= MAX_PARTITION_KEY_LENGTH and key.isascii()):
        key = check_partition_key(plan.event_type, key)
    data = encode_planned(event, plan, source, extensions)
    # A UTF-8 character takes at most 4 bytes: only encode the key when that bound is too big.
    if len(data) + 4 * len(key) > max_record_size:
        size = len(data) + len(key.encode())
        if size > max_record_size:
            raise RecordTooLargeError(plan.event_type, size, max_record_size)
    hash_key = None if plan.hash_key is None else explicit_hash_key_for(event)
    # One record per event on the publish path: tuple.__new__ skips the named tuple's
    # Python-level __new__ (a third of the cost); the fields are in declaration order.
    fields = (data, key, hash_key, event.id, plan.event_type, plan.ordered)
    record: Record = tuple.__new__(Record, fields)
    return record


def records_for(
    events: Iterable[object],
    *,
    max_record_size: int = DEFAULT_MAX_RECORD_SIZE,
    source: str | None = None,
    extensions: Mapping[str, object] | None = None,
) -> CheckedRecords | list[Record]:
    """``record_for`` over a batch: the same records, in order, from one call.

    A batch usually holds plain events of one class, a short ASCII key each and
    the publisher's source: for those the loop below does ``record_for``'s work
    inline (the class's plan read once per run of one class, the document's
    members written as in ``encode_planned``), which spares about a third of
    the Python cost per event on ``publish_many``. Any other event goes through
    ``record_for`` itself, so both give the same bytes and the same errors.

    The answer is ``CheckedRecords`` (so a backend need not check the records
    again) unless ``max_record_size`` is above what Kinesis allows, in which
    case it is a list.

    Raises:
        InvalidEventError: an item is not an ``Event``.
        EventwireError: as ``record_for``, for the first event that fails.
    """
    records: list[Record] = []
    append = records.append
    new = tuple.__new__
    last_class: type[Event] | None = None
    ordered = hash_keys = False
    # The document's members, in order: one dict whose values change per event, as
    # filling four slots costs half of building a dict of seven (pydantic-core reads it
    # during to_json and keeps nothing).
    members: dict[str, Any] = dict.fromkeys(
        ("specversion", "type", "id", "time", "datacontenttype", "source", "data")
    )
    members["specversion"], members["source"] = SPECVERSION, source
    # Any, not object: each class is checked to be an Event once per run, not per item.
    items: Iterable[Any] = events
    for event in items:
        event_class = type(event)
        if event_class is not last_class:
            if not issubclass(event_class, Event):
                raise not_an_event(event)
            plan = event_class.__eventwire_plan__ or plan_for(event_class)
            last_class = event_class
            event_class_ordered = plan.ordered
            ordered = ordered or event_class_ordered
            hash_keys = hash_keys or plan.hash_key is not None
            event_type, key_of, document, floats = (
                plan.event_type, plan.partition_key, plan.document, plan.floats
            )  # fmt: skip
            members["type"] = event_type
            usual_class = (
                document is not None and plan.hash_key is None and bool(source) and not extensions
            )
        fields = event.__dict__
        key = key_of(event)
        if not (
            usual_class
            and fields["source"] is None
            and fields["subject"] is None
            and not fields["extensions"]
            and type(key) is str
            and 0 < len(key) <= MAX_PARTITION_KEY_LENGTH
            and key.isascii()
        ):
            append(record_for(event, max_record_size=max_record_size, source=source,
                              extensions=extensions))  # fmt: skip
            continue
        members["id"], members["time"] = fields["id"], fields["time"]
        members["datacontenttype"], members["data"] = fields["datacontenttype"], fields
        try:
            data = document.to_json(members)  # type: ignore[union-attr]  # usual_class: not None
        except ValueError:
            # record_for's general path names what could not be encoded.
            append(record_for(event, max_record_size=max_record_size, source=source))
            continue
        if floats:
            check_finite(event, data)
        if len(data) + len(key) > max_record_size:  # an ASCII key: one byte a character
            raise RecordTooLargeError(event_type, len(data) + len(key), max_record_size)
        append(new(Record, (data, key, None, fields["id"], event_type, event_class_ordered)))
    if max_record_size > MAX_RECORD_SIZE_LIMIT:
        return records
    return CheckedRecords(records, ordered=ordered, explicit_hash_keys=hash_keys)


class CheckedRecords(tuple[Record, ...]):
    """An immutable batch of records that ``records_for`` built and checked.

    Each record passed ``record_for``'s checks against a maximum record size
    within the Kinesis limit, so ``local_problem`` finds nothing in any of
    them: a backend may skip that check, a Python loop over every record of
    every batch. Being a tuple of named tuples, it cannot change after the
    check. ``ordered`` and ``explicit_hash_keys`` say whether any of its
    records asks for strict ordering or carries an explicit hash key, so a
    backend need not look at each record to learn that none does.
    """

    ordered: bool
    explicit_hash_keys: bool

    def __new__(cls, records: Iterable[Record], *, ordered: bool, explicit_hash_keys: bool) -> Self:
        """Hold ``records``, with whether any is ordered or has an explicit hash key."""
        checked = super().__new__(cls, records)
        checked.ordered = ordered
        checked.explicit_hash_keys = explicit_hash_keys
        return checked
