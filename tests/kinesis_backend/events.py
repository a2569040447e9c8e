"""Event classes shared by the Kinesis backend tests."""

from __future__ import annotations

from eventwire import Event
from eventwire.backends import Record, record_for


class Placed(Event, event_type="com.example.kinesis.placed", partition_key="customer"):
    customer: str
    n: int


class Step(Event, event_type="com.example.kinesis.step", partition_key="flow", ordered=True):
    flow: str
    step: int


class Pinned(
    Event,
    event_type="com.example.kinesis.pinned",
    partition_key=lambda e: f"pin-{e.n}",
    explicit_hash_key="hash_key",
):
    n: int
    hash_key: str


def rec(event: Event) -> Record:
    """The wire record for ``event``."""
    return record_for(event, source="tests")
