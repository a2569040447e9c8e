"""The producer's item types: a user record in flight (``Pending``), a request (``Batch``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventwire.errors import EventwireError
    from eventwire.events import Event
    from eventwire.records import PublishResult, Record

Resolved = list[tuple["Pending", "PublishResult"]]
"""User records whose outcome is settled, with their results, for the caller to hand out."""


class Pending:
    """One user record in the producer: its record, future and delivery bookkeeping."""

    __slots__ = (
        "ambiguous",
        "attempts",
        "deadline",
        "done",
        "event",
        "future",
        "hash_key",
        "last_error",
        "published_at",
        "queue",
        "record",
        "seq",
        "size",
        "tag",
    )

    def __init__(
        self,
        record: Record,
        future: Any,
        published_at: float,
        event: Event | None = None,
        size: int | None = None,
    ) -> None:
        self.record = record
        self.future = future
        self.event = event
        self.published_at = published_at
        self.size = record.size if size is None else size
        self.seq = 0
        self.attempts = 0
        self.deadline: float | None = None
        self.queue: str | None = None
        self.done = False
        self.ambiguous = False
        self.last_error: EventwireError | None = None  # kept for the failure that gives up
        self.hash_key: int | None = None  # computed once, when a shard map first needs it
        self.tag = 0  # the spool's sequence number of a spooled record


class Batch:
    """One PutRecords request: the Kinesis records, and the user records each one carries."""

    __slots__ = ("groups", "queues", "records", "shards")

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.groups: list[list[Pending]] = []
        self.shards: list[str | None] = []
        self.queues: set[str | None] = set()  # the queues it took from: busy until it settles

    @property
    def user_records(self) -> int:
        """How many user records the request carries."""
        return sum(len(group) for group in self.groups)

    def pending(self) -> list[Pending]:
        """Every user record in the request."""
        return [item for group in self.groups for item in group]
