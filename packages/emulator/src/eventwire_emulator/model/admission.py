"""Where an API call starts: injected faults, call rates, and observers who skip both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from eventwire_emulator.model.account import Account
from eventwire_emulator.model.call_rates import CallRates, Counts
from eventwire_emulator.model.errors import LimitExceeded, ThroughputExceeded
from eventwire_emulator.model.savepoint import Savepoint
from eventwire_emulator.model.stream import Stream


class Admission:
    """Admits an account's API calls: faults, call rates, observers, rollback; thread-safe."""

    def __init__(self, account: Account) -> None:
        self._account = account
        self._call_rates = CallRates()
        self._observer = threading.local()

    @contextmanager
    def observing(self) -> Iterator[None]:
        """Read as an observer: within the block, this thread's calls are not API calls.

        Observations skip injected faults and latency, the control-plane call rates
        and the per-shard read quotas, and count toward none of them, so a data
        viewer or a test reading a stream back never throttles the code under test
        nor takes a fault scripted for it. Writes made inside the block (PutRecord,
        PutRecords) are still API calls. Nests; other threads are unaffected.
        """
        depth = getattr(self._observer, "depth", 0)
        self._observer.depth = depth + 1
        try:
            yield
        finally:
            self._observer.depth = depth

    def api_call(self, operation: str) -> bool:
        """Start one call of `operation`: apply injected faults; return whether quotas apply.

        Raises:
            InjectedFault: a scripted failure matched.
        """
        if getattr(self._observer, "depth", 0):
            return False
        self._account.faults.before_call(operation, self._account.clock)
        return self._account.quotas

    @contextmanager
    def changing(self, stream: Stream, operation: str) -> Iterator[None]:
        """Run a change of `stream` (its lock held) that is undone if anything escapes it.

        A `break_midway` fault for `operation` fires after the change, inside the block.
        """
        saved = Savepoint.take(stream)
        try:
            yield
            self._account.faults.midway(operation)
            if stream.journal is not None:
                stream.journal.changed(stream)
        except BaseException:
            saved.restore(stream)
            raise

    def limit_rate(
        self,
        operation: str,
        now: float,
        stream: Stream | None = None,
        shard_id: str = "",
        *,
        counts: Counts = "calls",
    ) -> None:
        """Count one call against the documented rates of `operation` (see `call_rates`).

        Raises:
            LimitExceeded: a rate is exhausted.
            ThroughputExceeded: GetShardIterator's per-shard rate is exhausted.
        """
        rate = self._call_rates.admit(
            operation,
            now,
            stream_serial=stream.serial if stream is not None else 0,
            shard_id=shard_id,
            counts=counts,
        )
        if rate is None:
            return
        if stream is None or rate.scope == "account":
            where = f"account {self._account.account_id}"
        elif rate.scope == "shard":
            where = (
                f"shard {shard_id} in stream {stream.name} under account {self._account.account_id}"
            )
        else:
            where = f"stream {stream.name} under account {self._account.account_id}"
        message = f"Rate exceeded for {operation} on {where}: the limit is {rate.describe()}."
        if rate.error == "ThroughputExceeded":
            raise ThroughputExceeded(message, shard_id)
        raise LimitExceeded(message)
