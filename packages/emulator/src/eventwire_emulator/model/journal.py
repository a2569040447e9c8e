"""What the model tells a durable store: the contract, so the model needs no storage code.

The model calls these while it holds the stream's lock, inside the operation,
so that a store that fails rolls the operation back like any other error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from eventwire_emulator.model.stream import Stream


class Journal(Protocol):
    """Receives every change to an account's streams, in the order they happen."""

    def appended(self, stream: Stream, since_counter: int) -> None:
        """Records with counters above `since_counter` were appended to open shards."""

    def changed(self, stream: Stream) -> None:
        """The stream was created, or its shards, settings, tags, consumers or policies changed."""

    def dropped(self, stream: Stream) -> None:
        """The stream no longer exists."""

    def trimmed(self, stream: Stream, cutoff: float) -> None:
        """Records that arrived before `cutoff` passed the retention period."""
