"""Event classes shared by the core tests."""

from __future__ import annotations

from pydantic import Field

from eventwire import Event


class PersonCreated(Event, event_type="com.example.person.created", partition_key="person_id"):
    person_id: int
    name: str


class OrderPlaced(Event, event_type="com.example.order.placed", version=2):
    order_id: str
    amount_cents: int
    tags: list[str] = Field(default_factory=list)


class Routed(Event, explicit_hash_key="hash_key", partition_key=lambda e: f"r-{e.n}"):
    n: int
    hash_key: str | int | None = None
