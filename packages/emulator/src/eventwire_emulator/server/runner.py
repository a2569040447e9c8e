"""EmulatorServer: a listening socket, a thread per connection up to a cap, a clean stop."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server.app import EmulatorApp
from eventwire_emulator.server.hosts import HostCheck, HostPolicy
from eventwire_emulator.server.http2 import Http2Connection
from eventwire_emulator.server.http11 import closing_response
from eventwire_emulator.server.limits import Limits
from eventwire_emulator.server.messages import App, error_response
from eventwire_emulator.server.protocol import serve
from eventwire_emulator.server.watch import Watchdog
from eventwire_emulator.wire import SubscriptionPolicy, Wire

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4567


def _refusal(limit: int) -> bytes:
    return closing_response(
        error_response(
            503,
            "ServiceUnavailableException",
            f"The emulator serves at most {limit} connections at once; retry later.",
        )
    )


class HttpServer:
    """Serve an app over HTTP/1.1 and h2c (HTTP/2, prior knowledge) on one port.

    ``port=0`` picks a free port; ``port`` tells which. Connections get a thread
    each for their keep-alive life (not one per request; HTTP/2 adds one per
    request stream), up to `Limits.max_connections`: past it a connection is
    answered 503 and closed. Requests whose Host is not this server's get 403
    (see `HostPolicy`; `allow_hosts` adds names, ``"*"`` any). ``stop()`` sends
    HTTP/2 clients GOAWAY, closes the listener and every open connection, and is
    safe to call twice.
    """

    def __init__(
        self,
        app: App,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        limits: Limits | None = None,
        allow_hosts: Iterable[str] = (),
    ) -> None:
        self.limits = limits if limits is not None else Limits()
        self.app: App = HostCheck(app, HostPolicy(host, allow_hosts))
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._listener.bind((host, port))
            self._listener.listen(128)
        except OSError:
            self._listener.close()
            raise
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self._wake_read, self._wake_write = socket.socketpair()
        self._connections: set[socket.socket] = set()
        self._http2: dict[socket.socket, Http2Connection] = {}
        self._watchdog = Watchdog()
        self._refusal = _refusal(self.limits.max_connections)
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._stopping = False
        #: Connections accepted so far; keep-alive clients make one for many requests.
        self.accepted = 0
        #: Connections refused for the connection cap.
        self.refused = 0
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"emulator-accept-{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL clients use, e.g. ``http://127.0.0.1:4567``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        """Start accepting connections; returns self."""
        self._watchdog.start()
        self._accept_thread.start()
        return self

    @property
    def connections(self) -> int:
        """How many connections are being served now."""
        return len(self._connections)

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stopping:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_read:
                        return
                    try:
                        conn, _ = self._listener.accept()
                    except OSError:
                        continue
                    self._spawn(conn)

    def _spawn(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(self.limits.idle_timeout)
        thread = threading.Thread(
            target=self._serve, args=(conn,), name="emulator-connection", daemon=True
        )
        with self._lock:
            if self._stopping:
                conn.close()
                return
            if len(self._connections) >= self.limits.max_connections:
                self.refused += 1
                self._refuse(conn)
                return
            self._connections.add(conn)
            self._threads.add(thread)
            self.accepted += 1
        thread.start()

    def _refuse(self, conn: socket.socket) -> None:
        """Answer 503 without blocking the accept loop, then close."""
        with contextlib.suppress(OSError):
            conn.send(self._refusal, socket.MSG_DONTWAIT)
            conn.shutdown(socket.SHUT_WR)
            # Read what already arrived, so closing does not reset the answer away.
            while conn.recv(64 * 1024, socket.MSG_DONTWAIT):
                pass
        conn.close()

    def _serve(self, conn: socket.socket) -> None:
        watch = self._watchdog.watch(conn)
        try:
            serve(conn, self.app, self.limits, watch, lambda http2: self._track(conn, http2))
        finally:
            self._watchdog.forget(watch)
            with self._lock:
                self._connections.discard(conn)
                self._http2.pop(conn, None)
                self._threads.discard(threading.current_thread())

    def _track(self, conn: socket.socket, http2: Http2Connection) -> None:
        with self._lock:
            self._http2[conn] = http2

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close open connections and wait up to `timeout` for threads."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            connections = list(self._connections)
            http2 = list(self._http2.values())
            threads = list(self._threads)
        # One deadline for every join: per-thread timeouts added up to minutes with many
        # connections open.
        deadline = time.monotonic() + timeout
        self._wake_write.send(b"x")
        if self._accept_thread.is_alive():
            self._accept_thread.join(timeout)
        self._listener.close()
        for connection in http2:
            connection.goaway()
        for conn in connections:
            # shutdown (not close) wakes a thread blocked in recv on this socket.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._watchdog.stop()
        self._wake_read.close()
        self._wake_write.close()

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmulatorServer(HttpServer):
    """The Kinesis HTTP API and the data viewer, served from one model.

    ``quotas`` switches the model's shard quotas (None leaves the model as it is);
    ``limits`` and ``allow_hosts`` are `HttpServer`'s.
    """

    def __init__(
        self,
        kinesis: Kinesis | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        quotas: bool | None = None,
        subscription: SubscriptionPolicy | None = None,
        limits: Limits | None = None,
        allow_hosts: Iterable[str] = (),
    ) -> None:
        self.kinesis = kinesis if kinesis is not None else Kinesis()
        if quotas is not None:
            self.kinesis.quotas = quotas
        self.wire = Wire(self.kinesis, subscription=subscription)
        super().__init__(
            EmulatorApp(self.wire), host=host, port=port, limits=limits, allow_hosts=allow_hosts
        )

    def start(self) -> EmulatorServer:
        """Start accepting connections; returns self."""
        super().start()
        return self

    def __enter__(self) -> EmulatorServer:
        return self.start()
