"""Control-plane call rates from the Kinesis API reference: one table, checked on the model clock.

Each operation maps to every rate its page in the Kinesis API reference documents
(quoted next to it); all of them apply. A rate admits at most `limit` calls in any
sliding `window` of seconds, counted per account, per stream or per shard, the way
the per-shard quotas count (see `quotas.CallWindow`). A refused call counts toward
nothing. Rates count calls, except UpdateShardCount's daily rate, which counts
scalings: calls that changed the shard count.

Not modelled, because the model has no CREATING state (streams and consumers are
ACTIVE at once): "more than five streams in the CREATING state" (CreateStream) and
"more than 5 consumers in a CREATING status" (RegisterStreamConsumer).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from eventwire_emulator.model.quotas import CallWindow

Scope = Literal["account", "stream", "shard"]
Counts = Literal["calls", "successes"]
DAY_SECONDS = 86_400.0
#: How often windows with no call left in them are forgotten, in model seconds.
SWEEP_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class CallRate:
    """At most `limit` calls (or successes) in any `window` seconds, per `scope`.

    `error` names the model error a refused call raises: LimitExceeded for the
    control plane, ThroughputExceeded where AWS answers
    ProvisionedThroughputExceededException (GetShardIterator).
    """

    scope: Scope
    limit: int
    window: float = 1.0
    counts: Counts = "calls"
    error: Literal["LimitExceeded", "ThroughputExceeded"] = "LimitExceeded"

    def describe(self) -> str:
        """The rate in words, for error messages."""
        noun = "call" if self.counts == "calls" else "successful call"
        noun += "" if self.limit == 1 else "s"
        span = {1.0: "second", DAY_SECONDS: "rolling 24 hours"}.get(self.window)
        return f"{self.limit} {noun} per {span or f'{self.window:g} seconds'} per {self.scope}"


_FIVE_PER_ACCOUNT = (CallRate("account", 5),)

#: Operation -> its documented rates. Operations not listed have no call rate here
#: (PutRecord(s) and GetRecords have per-shard quotas, SubscribeToShard its own rule).
CALL_RATES: Mapping[str, tuple[CallRate, ...]] = MappingProxyType(
    {
        # "GetShardIterator has a limit of five transactions per second per account per
        # open shard." / "If a GetShardIterator request is made too often, you receive a
        # ProvisionedThroughputExceededException."
        "GetShardIterator": (CallRate("shard", 5, error="ThroughputExceeded"),),
        # "This operation has a limit of 1000 transactions per second per data stream."
        # (Older editions of the reference said 100.)
        "ListShards": (CallRate("stream", 1000),),
        # "This operation has a limit of 10 transactions per second per account."
        "DescribeStream": (CallRate("account", 10),),
        # "DescribeStreamSummary has a limit of 20 transactions per second per account."
        "DescribeStreamSummary": (CallRate("account", 20),),
        # "ListStreams has a limit of five transactions per second per account."
        "ListStreams": _FIVE_PER_ACCOUNT,
        # "This operation has a limit of one transaction per second per account."
        "DescribeLimits": (CallRate("account", 1),),
        # "CreateStream has a limit of five transactions per second per account."
        "CreateStream": _FIVE_PER_ACCOUNT,
        # "DeleteStream has a limit of five transactions per second per account."
        "DeleteStream": _FIVE_PER_ACCOUNT,
        # "SplitShard has a limit of five transactions per second per account."
        "SplitShard": _FIVE_PER_ACCOUNT,
        # "MergeShards has a limit of five transactions per second per account."
        "MergeShards": _FIVE_PER_ACCOUNT,
        # "By default, you cannot do the following: Scale more than ten times per rolling
        # 24-hour period per stream [...] Make over 10 TPS. TPS over 10 will trigger the
        # LimitExceededException". The page gives no scope for the TPS; per account here.
        "UpdateShardCount": (
            CallRate("account", 10),
            CallRate("stream", 10, DAY_SECONDS, counts="successes"),
        ),
        # "The use of this operation has a limit of five transactions per second per account."
        "RegisterStreamConsumer": _FIVE_PER_ACCOUNT,
        # "This operation has a limit of five transactions per second per stream."
        "DeregisterStreamConsumer": (CallRate("stream", 5),),
        # "This operation has a limit of 20 transactions per second per stream."
        "DescribeStreamConsumer": (CallRate("stream", 20),),
        # "This operation has a limit of 5 transactions per second per stream."
        "ListStreamConsumers": (CallRate("stream", 5),),
        # "AddTagsToStream has a limit of five transactions per second per account."
        "AddTagsToStream": _FIVE_PER_ACCOUNT,
        # "RemoveTagsFromStream has a limit of five transactions per second per account."
        "RemoveTagsFromStream": _FIVE_PER_ACCOUNT,
        # "This operation has a limit of five transactions per second per account."
        "ListTagsForStream": _FIVE_PER_ACCOUNT,
    }
)

# (operation, index of the rate in its tuple, stream serial or 0, shard id or "")
_Key = tuple[str, int, int, str]


class CallRates:
    """The sliding windows behind a rate table, made on first use; thread-safe."""

    def __init__(self, table: Mapping[str, tuple[CallRate, ...]] = CALL_RATES) -> None:
        self.table = table
        self._lock = threading.Lock()
        self._windows: dict[_Key, CallWindow] = {}
        self._next_sweep = float("-inf")

    def __len__(self) -> int:
        """The number of windows held (idle ones are forgotten every minute of model time)."""
        with self._lock:
            return len(self._windows)

    def admit(
        self,
        operation: str,
        now: float,
        *,
        stream_serial: int = 0,
        shard_id: str = "",
        counts: Counts = "calls",
    ) -> CallRate | None:
        """Count one call of `operation` against its rates of kind `counts`, if all have room.

        Streams are told apart by serial, so a stream created again under an old name
        starts with fresh windows.

        Returns:
            None if the call was admitted and counted; else the first full rate, and
            nothing was counted.
        """
        rates = self.table.get(operation, ())
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            windows: list[CallWindow] = []
            for index, rate in enumerate(rates):
                if rate.counts != counts:
                    continue
                window = self._window(operation, index, rate, stream_serial, shard_id)
                if not window.has_room(now):
                    return rate
                windows.append(window)
            for window in windows:
                window.record(now)
        return None

    def _window(
        self, operation: str, index: int, rate: CallRate, serial: int, shard_id: str
    ) -> CallWindow:
        key = (
            operation,
            index,
            0 if rate.scope == "account" else serial,
            shard_id if rate.scope == "shard" else "",
        )
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = CallWindow(rate.limit, rate.window)
        return window

    def _sweep(self, now: float) -> None:
        # Windows of deleted streams and closed shards would otherwise stay forever.
        idle = [key for key, window in self._windows.items() if window.is_idle(now)]
        for key in idle:
            del self._windows[key]
        self._next_sweep = now + SWEEP_EVERY_SECONDS
