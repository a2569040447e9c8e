"""``eventwire publish``'s Rich progress bar: lines done of the total, counts and rate."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Protocol


class Counts(Protocol):
    """What the bar shows: records published and failed so far."""

    sent: int
    failed: int


def count_lines(source: str) -> int | None:
    """Lines in the file ``source``, or None for standard input (``-``) or an unreadable file."""
    if source == "-":
        return None
    try:
        with Path(source).open("rb") as raw:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
    except OSError:
        return None  # click.open_file reports the problem with its own message


class PublishProgress:
    """A progress bar on standard error; nothing when quiet or when stderr is not a terminal."""

    def __init__(self, *, quiet: bool, total: int | None) -> None:
        self._on = not quiet and sys.stderr.isatty()
        self._total = total
        self._bar: Any = None
        self._task: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> PublishProgress:
        if not self._on:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("published [green]{task.fields[sent]}[/]"),
            TextColumn("failed [red]{task.fields[failed]}[/]"),
            TextColumn("{task.fields[rate]:,.0f} records/s"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("publish", total=self._total, sent=0, failed=0, rate=0.0)
        return self

    def update(self, counts: Counts) -> None:
        """Show the latest counts."""
        if self._bar is None:
            return
        rate = counts.sent / max(time.monotonic() - self._started, 1e-9)
        self._bar.update(
            self._task,
            completed=counts.sent + counts.failed,
            sent=counts.sent,
            failed=counts.failed,
            rate=rate,
        )

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
