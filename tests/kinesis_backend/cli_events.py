"""An event class the CLI tests load with ``--import tests.kinesis_backend.cli_events``."""

from __future__ import annotations

from eventwire import Event


class Shipped(Event, event_type="com.example.cli.shipped", partition_key="order"):
    """An order left the warehouse."""

    order: str
    items: int
