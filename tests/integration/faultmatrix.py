"""The fault matrix's harness: an emulator server to break, clients to run, and the checks.

Each scenario runs one client (``Publisher``, ``Producer`` or ``AsyncProducer``,
each through ``KinesisBackend`` on its shipped client configuration) against
the emulator's HTTP server with quotas on, while a fault is applied, then
checks the promise: every event has a receipt or a failure that names its
cause, and the stream holds exactly the events that got receipts, plus
duplicates only for events an ambiguous failure touched. The benchmarks reuse
it to time recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import selectors
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventwire import (
    AsyncProducer,
    Event,
    Producer,
    ProducerSettings,
    Publisher,
    PublishFailure,
    PublishReceipt,
)
from eventwire_emulator.model import Kinesis
from eventwire_emulator.reading import read_records
from eventwire_emulator.server.runner import EmulatorServer
from eventwire_kinesis import KinesisBackend

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from eventwire.records import PublishResult

STREAM = "matrix"
SHARDS = 4
MiB = 1024 * 1024
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
"""Dummy credentials for the emulator (set in the environment by the callers)."""


class Tick(Event, event_type="com.example.matrix.tick", partition_key="key"):
    """One event of a fault-matrix run."""

    key: str
    n: int
    blob: str = ""


def make_events(count: int, keys: int = 400) -> list[Tick]:
    """``count`` small events over ``keys`` partition keys."""
    return [Tick(key=f"key-{i % keys}", n=i) for i in range(count)]


def large_event(size: int) -> Tick:
    """One event of about ``size`` bytes."""
    return Tick(key="large", n=-1, blob="L" * size)


# -- the server and the network ---------------------------------------------------------


class Server:
    """An emulator server on a fixed port over one model, that can be killed and restarted.

    Restarting serves the same model again: the stream keeps what it had, as a
    real service keeps its data across a frontend's restart.
    """

    def __init__(self, kinesis: Kinesis | None = None) -> None:
        self.kinesis = kinesis or Kinesis()
        self._server: EmulatorServer | None = EmulatorServer(self.kinesis, port=0, quotas=True)
        self._server.start()
        self.port = self._server.port
        self.url = self._server.url

    def kill(self) -> None:
        """Stop listening and cut every open connection."""
        if self._server is not None:
            self._server.stop(timeout=1.0)
            self._server = None

    def restart(self) -> None:
        """Listen again on the same port, over the same model."""
        deadline = time.monotonic() + 10.0
        while True:
            try:
                self._server = EmulatorServer(self.kinesis, port=self.port, quotas=True)
                break
            except OSError:  # the old socket may linger for a moment
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._server.start()

    def close(self) -> None:
        """Stop for good."""
        self.kill()


class ResettingProxy:
    """A loopback TCP proxy that cuts responses short with a reset while ``resetting``.

    Every ``every``-th response (counted over all connections) gets half its
    first chunk and then an RST, so the server has done the work and the
    client cannot know: an ambiguous failure.
    """

    def __init__(self, upstream_port: int, every: int = 10) -> None:
        self.upstream_port = upstream_port
        self.every = every
        self.resetting = False
        self.resets = 0
        self._responses = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True, name="reset-proxy").start()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(
                target=self._pump, args=(client, upstream), daemon=True, name="reset-proxy-pump"
            ).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        """Forward both ways in one thread, so a reset closes sockets no other thread holds."""
        waiting = False  # a request went up and its response has not started yet
        with selectors.DefaultSelector() as selector, contextlib.suppress(OSError):
            selector.register(client, selectors.EVENT_READ)
            selector.register(upstream, selectors.EVENT_READ)
            while not self._stopped:
                for key, _ in selector.select(timeout=1.0):
                    source = key.fileobj
                    assert isinstance(source, socket.socket)
                    chunk = source.recv(65536)
                    if not chunk:
                        self._drop(client, upstream)
                        return
                    if source is client:
                        waiting = True
                        upstream.sendall(chunk)
                        continue
                    if waiting:
                        waiting = False
                        with self._lock:
                            self._responses += 1
                            cut = self.resetting and self._responses % self.every == 0
                            if cut:
                                self.resets += 1
                        if cut:
                            client.sendall(chunk[: len(chunk) // 2])
                            _reset(client)
                            self._drop(client, upstream)
                            return
                    client.sendall(chunk)
        self._drop(client, upstream)

    def _drop(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
            with self._lock:
                self._sockets.discard(sock)

    def close(self) -> None:
        """Stop accepting and cut every connection."""
        self._stopped = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        self._drop(*sockets)


def _reset(sock: socket.socket) -> None:
    """Close ``sock`` with an RST rather than a FIN (SO_LINGER with a zero timeout)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


# -- running the clients ----------------------------------------------------------------


@dataclass
class Run:
    """What one client run produced."""

    client: str
    events: list[Tick]
    results: list[PublishResult]
    seconds: float
    ambiguous_records: int | None = None  # the producers count them
    stats: Any = None
    done_at: list[float] = field(default_factory=list)  # monotonic time of each receipt


def _backend(url: str) -> KinesisBackend:
    # The shipped client configuration: eventwire builds the client; only where it goes changes.
    return KinesisBackend(STREAM, endpoint_url=url, region="us-east-1")


def run_publisher(url: str, events: Sequence[Tick], chunk: int = 500) -> Run:
    """Publish ``events`` with ``Publisher.publish_many``, ``chunk`` at a time."""
    start = time.monotonic()
    results: list[PublishResult] = []
    done_at: list[float] = []
    with Publisher(_backend(url), source="matrix", max_record_size=10 * MiB) as publisher:
        for at in range(0, len(events), chunk):
            results.extend(publisher.publish_many(events[at : at + chunk]))
            done_at.extend([time.monotonic()] * (len(results) - len(done_at)))
    return Run("Publisher", list(events), results, time.monotonic() - start, done_at=done_at)


def run_producer(url: str, events: Sequence[Tick], settings: ProducerSettings | None = None) -> Run:
    """Publish ``events`` with a background ``Producer`` and wait for every future."""
    start = time.monotonic()
    done_at: list[float] = []
    producer = Producer(_backend(url), source="matrix", max_record_size=10 * MiB, settings=settings)
    with producer:
        futures = [producer.publish(event) for event in events]
        for future in futures:
            future.add_done_callback(lambda _: done_at.append(time.monotonic()))
        producer.flush()
    results = [future.result() for future in futures]
    stats = producer.stats
    return Run(
        "Producer", list(events), results, time.monotonic() - start,
        stats.ambiguous_records, stats, sorted(done_at),
    )  # fmt: skip


def run_async_producer(
    url: str, events: Sequence[Tick], settings: ProducerSettings | None = None
) -> Run:
    """Publish ``events`` with an ``AsyncProducer`` (backend calls in threads)."""

    async def main() -> Run:
        start = time.monotonic()
        done_at: list[float] = []
        producer = AsyncProducer(
            _backend(url), source="matrix", max_record_size=10 * MiB, settings=settings
        )
        async with producer:
            futures = [await producer.publish(event) for event in events]
            for future in futures:
                future.add_done_callback(lambda _: done_at.append(time.monotonic()))
            await producer.flush()
        results = [await future for future in futures]
        stats = producer.stats
        return Run(
            "AsyncProducer", list(events), results, time.monotonic() - start,
            stats.ambiguous_records, stats, sorted(done_at),
        )  # fmt: skip

    return asyncio.run(main())


CLIENTS: dict[str, Callable[[str, Sequence[Tick]], Run]] = {
    "Publisher": run_publisher,
    "Producer": run_producer,
    "AsyncProducer": run_async_producer,
}


def run_with_deadline(function: Callable[[], Run], deadline: float) -> Run:
    """Run ``function`` in a thread; fail if it has not returned within ``deadline`` seconds."""
    box: list[Run | BaseException] = []

    def target() -> None:
        try:
            box.append(function())
        except BaseException as exc:  # handed to the caller's thread below
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True, name="fault-matrix-client")
    thread.start()
    thread.join(deadline)
    if thread.is_alive():
        raise AssertionError(f"the client did not finish within {deadline} s: it hangs")
    outcome = box[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


@contextlib.contextmanager
def _meanwhile(fault: Callable[[threading.Event], None]) -> Iterator[None]:
    """Run ``fault`` in a thread while the body runs; it should return once told to stop."""
    stop = threading.Event()
    thread = threading.Thread(target=fault, args=(stop,), daemon=True, name="fault-matrix-fault")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def after(seconds: float, action: Callable[[], None]) -> contextlib.AbstractContextManager[None]:
    """Do ``action`` ``seconds`` from now, while the body runs."""

    def fault(stop: threading.Event) -> None:
        if not stop.wait(seconds):
            action()

    return _meanwhile(fault)


def once_stored(
    kinesis: Kinesis, count: int, action: Callable[[], None]
) -> contextlib.AbstractContextManager[None]:
    """Do ``action`` once the stream holds ``count`` records, while the body runs."""

    def fault(stop: threading.Event) -> None:
        while not stop.wait(0.02):
            if len(read_records(kinesis, STREAM)) >= count:
                action()
                return

    return _meanwhile(fault)


# -- the checks -----------------------------------------------------------------------------


def stored_ids(kinesis: Kinesis) -> Counter[str]:
    """How many times the stream holds each event id."""
    return Counter(json.loads(record.data)["id"] for record in read_records(kinesis, STREAM))


def is_ambiguous(failure: PublishFailure) -> bool:
    """Whether the failure says its record may have been delivered all the same."""
    error = failure.error
    return bool(getattr(error, "ambiguous", False)) or isinstance(error, ConnectionError)


@dataclass
class Verdict:
    """What the checks found, for the assertion message and the benchmark."""

    receipts: int
    failures: Counter[str]
    duplicates: int


QUOTA_CAUSE = "ProvisionedThroughputExceededException"


def check(run: Run, stored: Counter[str] | None, causes: Sequence[str] = ()) -> Verdict:
    """Check the promise for ``run``; ``stored`` is the stream read back (None: it is gone).

    ``causes`` are words one of which every failure's message must contain (an
    AWS code, a connection error): a failure must name what went wrong.
    """
    assert len(run.events) == len(run.results), "one result per event"
    received: set[str] = set()
    touched: set[str] = set()  # an ambiguous attempt: may have been written more than once
    failures: Counter[str] = Counter()
    for event, result in zip(run.events, run.results, strict=True):
        if isinstance(result, PublishReceipt):
            assert event.id == result.event_id
            received.add(event.id)
            if result.ambiguous:
                touched.add(event.id)
            continue
        assert isinstance(result, PublishFailure), f"not a result: {result!r}"
        message = str(result.error)
        # The server enforces the shard quotas throughout, so a record may also run
        # out of retries on throttling (a Publisher retries for well under a second):
        # that names its cause too.
        assert any(word in message for word in (*causes, QUOTA_CAUSE)), (
            f"{run.client}: a failure that does not name a cause {causes}: {message}"
        )
        failures[result.code or type(result.error).__name__] += 1
        if is_ambiguous(result):
            touched.add(event.id)
    duplicates = 0
    if stored is not None:
        ours = {event.id for event in run.events}
        assert set(stored) <= ours, "the stream holds events nobody published"
        missing = received - set(stored)
        assert not missing, f"{run.client}: {len(missing)} events got receipts but are not stored"
        unexplained = set(stored) - received - touched
        assert not unexplained, (
            f"{run.client}: {len(unexplained)} events are stored without a receipt "
            "or an ambiguous failure"
        )
        doubled = {key for key, count in stored.items() if count > 1}
        assert doubled <= touched, (
            f"{run.client}: {len(doubled - touched)} events were stored twice without "
            "an ambiguous attempt"
        )
        duplicates = sum(stored[key] - 1 for key in doubled)
        if run.ambiguous_records is not None:
            assert len(doubled) <= run.ambiguous_records, (
                f"{run.client}: {len(doubled)} events duplicated, "
                f"{run.ambiguous_records} counted ambiguous"
            )
    return Verdict(len(received), failures, duplicates)
