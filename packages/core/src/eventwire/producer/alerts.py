"""Rate-limited warnings through stdlib ``logging`` while a producer's deliveries keep failing."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from eventwire.producer.engine import describe

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventwire.errors import EventwireError
    from eventwire.records import PublishFailure

LOGGER = logging.getLogger("eventwire.producer")
"""Where producers log: failures they retry, shard-map trouble, records they could not deliver."""

INTERVAL = 10.0
"""Seconds between two warnings about the same shard (or the endpoint, or the shard map)."""


class Alerts:
    """Logs a warning per trouble spot at most every ``interval`` seconds; not thread-safe.

    A shard or endpoint that keeps failing is worth a line every few seconds,
    with how many records failed meanwhile, not one per failed request.
    """

    def __init__(self, stream: str, interval: float = INTERVAL) -> None:
        self._stream = stream
        self._interval = interval
        self._last: dict[str, float] = {}
        self._since: dict[str, int] = {}

    def _due(self, where: str, records: int, now: float) -> int:
        """Count ``records`` failures at ``where``; the count to report if a warning is due."""
        count = self._since.get(where, 0) + records
        last = self._last.get(where)
        if last is not None and now - last < self._interval:
            self._since[where] = count
            return 0
        self._last[where] = now
        self._since[where] = 0
        return count

    def failed(self, where: str, records: int, error: EventwireError, now: float) -> None:
        """``records`` user records sent to ``where`` (a shard, or the endpoint) failed."""
        count = self._due(where, records, now)
        if count:
            LOGGER.warning(
                "stream %r: %d record(s) sent to %s failed since the last warning; "
                "the last error was %s",
                self._stream, count, where, describe(error),
            )  # fmt: skip

    def shard_map_failed(
        self, error: EventwireError, failures: int, retry_in: float, now: float
    ) -> None:
        """Reading the shard map failed (``failures`` times so far); it is read again later."""
        if self._due("the shard map", 1, now):
            LOGGER.warning(
                "stream %r: could not read the shard map (%s; %d failure(s) so far); records "
                "go out without per-shard pacing until it is read, next try in %.1f s",
                self._stream, describe(error), failures, retry_in,
            )  # fmt: skip

    def undelivered(self, failures: Sequence[PublishFailure], why: str) -> None:
        """Records left undelivered when the producer stopped (``why`` says how it stopped)."""
        if not failures:
            return
        LOGGER.warning(
            "stream %r: %d record(s) were not delivered %s; the first failure: %s",
            self._stream, len(failures), why, describe(failures[0].error),
        )  # fmt: skip
