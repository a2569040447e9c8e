"""Event classes, in a registry of their own, for the schema tests."""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import BaseModel, Field

from eventwire import Event, EventRegistry

registry = EventRegistry()


class Plan(enum.Enum):
    FREE = "free"
    PRO = "pro"


class Address(BaseModel):
    street: str
    city: str


class AccountOpened(
    Event, event_type="com.example.account.opened", partition_key="account_id", registry=registry
):
    """An account was opened."""

    account_id: str = Field(min_length=1, max_length=64)
    plan: Plan
    address: Address
    seats: int = 1
    tags: list[str] = Field(default_factory=list)


class PaymentTaken(
    Event,
    event_type="com.example.payment.taken",
    version=2,
    partition_key="account_id",
    ordered=True,
    registry=registry,
):
    """Money arrived."""

    account_id: str
    amount: float
    currency: Literal["EUR", "USD"]
    note: str | None = None


def sample_events() -> list[Event]:
    """One of each, with every optional part set."""
    return [
        AccountOpened(
            account_id="a1",
            plan=Plan.PRO,
            address=Address(street="Main 1", city="Ghent"),
            tags=["x"],
            subject="accounts/a1",
            extensions={"tenantid": "acme", "retries": 2, "test": True},
        ),
        PaymentTaken(account_id="a1", amount=9.5, currency="EUR", note=None),
    ]
