"""Interpreter exit: live producers deliver what they can, in bounded time, and say what they lost.

A ``Producer`` the program never closed would otherwise lose its buffer when
the interpreter exits (its sender threads are daemons). At exit each live one
is closed with ``settings.exit_timeout``; what could not be delivered in that
time is logged. An ``AsyncProducer`` cannot send any more once its event loop
is gone, so one left unclosed with records still held is only reported.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from typing import Protocol

from eventwire.producer.alerts import LOGGER


class _Closable(Protocol):
    def _close_at_exit(self) -> None: ...


_live: weakref.WeakSet[_Closable] = weakref.WeakSet()
_lock = threading.Lock()
_registered = False


def track(producer: _Closable) -> None:
    """Close ``producer`` at interpreter exit unless it is closed (or collected) first."""
    global _registered
    with _lock:
        _live.add(producer)
        if not _registered:
            # Registered after logging's own handler, so this runs first (atexit is LIFO).
            atexit.register(_close_all)
            _registered = True


def _close_all() -> None:
    with _lock:
        producers = list(_live)
        _live.clear()
    for producer in producers:
        try:
            producer._close_at_exit()
        except Exception:  # one broken producer must not keep the others from flushing
            LOGGER.exception("closing a producer at interpreter exit failed")
