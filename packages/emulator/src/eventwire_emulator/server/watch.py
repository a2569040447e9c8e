"""A deadline for each request head, kept by one thread for every connection.

Socket timeouts bound each read, not a whole head: a client sending one byte
every few seconds would hold its connection for ever. The connection loop arms
its `HeadWatch` when a head starts and disarms it when the head is read; the
`Watchdog` answers a late one with 408 and shuts the socket, which ends the
loop's read. Arming costs the hot path two attribute writes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from eventwire_emulator.server.http11 import closing_response
from eventwire_emulator.server.messages import error_response

#: How often the watchdog looks for late heads.
PERIOD = 0.25


_LATE = closing_response(
    error_response(408, "RequestTimeoutException", "The request head did not arrive in time.")
)


class HeadWatch:
    """One connection's head deadline; `arm` and `disarm` from its own thread only."""

    __slots__ = ("deadline", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.deadline: float | None = None

    def arm(self, seconds: float) -> None:
        """Start the clock: the head must be read within `seconds`."""
        self.deadline = time.monotonic() + seconds

    def disarm(self) -> None:
        """Stop the clock."""
        self.deadline = None


class Watchdog:
    """Ends connections whose request head is late; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: set[HeadWatch] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emulator-watchdog", daemon=True)
        #: Connections ended for a late head.
        self.late = 0

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def watch(self, sock: socket.socket) -> HeadWatch:
        """A watch for `sock`, to `forget` when its connection ends."""
        watch = HeadWatch(sock)
        with self._lock:
            self._watches.add(watch)
        return watch

    def forget(self, watch: HeadWatch) -> None:
        """Stop watching a connection."""
        with self._lock:
            self._watches.discard(watch)

    def _run(self) -> None:
        while not self._stop.wait(PERIOD):
            now = time.monotonic()
            with self._lock:
                late = [w for w in self._watches if w.deadline is not None and w.deadline < now]
            for watch in late:
                watch.deadline = None
                self.late += 1
                with contextlib.suppress(OSError):
                    # Never block the watchdog on a client that does not read.
                    watch.sock.send(_LATE, socket.MSG_DONTWAIT)
                    watch.sock.shutdown(socket.SHUT_RDWR)
