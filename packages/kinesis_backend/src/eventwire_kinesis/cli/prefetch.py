"""Fetch the next GetRecords answers on a thread while the current ones are printed.

While tail decodes and writes one batch, the server is already encoding the
next: on the emulator server this overlap is most of tail's speed-up over a
plain loop (see benchmarks/bench_cli.py).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

DEPTH = 4
"""Batches held ahead at most (each up to 10,000 records)."""

_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(source: Iterable[T], depth: int = DEPTH) -> Iterator[T]:
    """Iterate ``source`` on a daemon thread, at most ``depth`` items ahead of the caller.

    An exception in ``source`` is raised here, in the caller's thread. When the
    caller stops early, the thread stops at its next item.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def pump() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        items.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(_END)
        except BaseException as exc:
            items.put(_Failed(exc))

    thread = threading.Thread(target=pump, name="eventwire-tail-fetch", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]  # everything else came from source
    finally:
        stop.set()
