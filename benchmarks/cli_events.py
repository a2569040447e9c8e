"""The event class bench_cli decodes with ``eventwire tail --import benchmarks.cli_events``."""

from __future__ import annotations

from eventwire import Event


class Tick(Event, event_type="com.example.bench.tick", partition_key="key"):
    """A small event, like a click or a metric sample."""

    key: str
    n: int
    label: str
