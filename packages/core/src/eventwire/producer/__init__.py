"""The high-throughput producers: buffered, batched, shard-paced publishing with futures."""

from __future__ import annotations

from eventwire.producer.aio import AsyncProducer
from eventwire.producer.clock import Clock, ManualClock, MonotonicClock
from eventwire.producer.settings import FullPolicy, ProducerSettings
from eventwire.producer.stats import ProducerStats
from eventwire.producer.threaded import Producer

__all__ = [
    "AsyncProducer",
    "Clock",
    "FullPolicy",
    "ManualClock",
    "MonotonicClock",
    "Producer",
    "ProducerSettings",
    "ProducerStats",
]
