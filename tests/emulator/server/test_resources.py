"""Hostile clients for a few seconds each against a server process: its RSS stays bounded.

The server runs as a subprocess (``eventwire-emulator serve``), so the memory
measured is its own. Each hostile client runs for a few seconds while another
client keeps calling ListStreams; every one of those calls must be answered.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.emulator.server.conftest import client_env, make_client
from tests.emulator.server.h2_client import (
    ErrorCode,
    Flag,
    FrameType,
    H2Client,
    encode,
    frame,
    kinesis_fields,
    rst_stream,
    settings,
)

#: The server process's resident memory must stay under this through every attack below.
#: Unbounded, the unread-responses attack alone holds 4 x 99 GetRecords answers of
#: 6.7 MB (2.6 GB); bounded, each connection holds at most 16 MiB of unsent answers
#: plus the 2 being built (about 20 MB each at their peak): about 65 MB a connection,
#: on a process of about 150 MB, with room for the allocator's fragmentation.
RSS_BOUND = 640 * 1024 * 1024
SECONDS = 3.0
#: Threads of an idle server: main, accept, watchdog, and a few to spare.
IDLE_THREADS = 8
TARGET = "Kinesis_20131202."


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    url: str
    rss: list[int] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def sample(self) -> None:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        threads = re.search(r"Threads:\s+(\d+)", status)
        assert rss is not None
        assert threads is not None
        self.rss.append(int(rss.group(1)) * 1024)
        self.threads.append(int(threads.group(1)))


@pytest.fixture(scope="module")
def server_process() -> Iterator[ServerProcess]:
    command = ["serve", "--port", "0", "--quotas", "off", "--create-delay", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "eventwire_emulator", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=client_env(),
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        match = re.search(r"on (http://[\d.]+:\d+) ", line)
        assert match is not None, line
        running = ServerProcess(process, match.group(1))
        client = make_client(running.url)
        try:
            client.create_stream(StreamName="big", ShardCount=1)
            for n in range(5):
                data = b"x" * (1024 * 1024 - 10)
                client.put_record(StreamName="big", Data=data, PartitionKey=str(n))
        finally:
            client.close()
        yield running
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def _iterator(url: str) -> str:
    client = make_client(url)
    try:
        return client.get_shard_iterator(
            StreamName="big", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
    finally:
        client.close()


def _list_streams(address: tuple[str, int]) -> int:
    body = b"{}"
    raw = (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data[9:12])


def _run(server: ServerProcess, attack: Callable[[threading.Event], None]) -> list[int]:
    """Run `attack` for `SECONDS` while sampling RSS and calling ListStreams; the statuses."""
    stop = threading.Event()
    attacker = threading.Thread(target=attack, args=(stop,), daemon=True)
    attacker.start()
    statuses = []
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        server.sample()
        statuses.append(_list_streams(server.address))
        time.sleep(0.1)
    stop.set()
    attacker.join(15)
    server.sample()
    return statuses


def _threads_after(server: ServerProcess, seconds: float = 15.0) -> int:
    """The server's thread count once the hostile clients have gone (waiting for it to drop)."""
    deadline = time.monotonic() + seconds
    while True:
        server.sample()
        if server.threads[-1] <= IDLE_THREADS or time.monotonic() > deadline:
            return server.threads[-1]
        time.sleep(0.2)


def _quietly(action: Callable[[], object]) -> None:
    # The server ending a hostile connection is the point, not a failure.
    with contextlib.suppress(OSError, EOFError, AssertionError):
        action()


def unfinished_uploads(server: ServerProcess) -> Callable[[threading.Event], None]:
    """Connections opening streams whose 16 MiB bodies never end."""

    def attack(stop: threading.Event) -> None:
        clients = []
        while not stop.is_set() and len(clients) < 8:
            h2 = H2Client(server.url)
            clients.append(h2)
            fields = [f for f in kinesis_fields("PutRecord", b"") if f[0] != "content-length"]
            chunk = b"x" * 16_000
            for _ in range(20):
                stream = h2.open(fields)
                h2.sock.settimeout(0.2)
                try:
                    for _ in range(1024):
                        h2.send(frame(FrameType.DATA, 0, stream, chunk))
                except OSError:
                    continue  # the window is shut: the server buffers no more
        stop.wait()
        for h2 in clients:
            h2.close()

    return attack


def unread_responses(server: ServerProcess) -> Callable[[threading.Event], None]:
    """Connections asking for 5 MiB GetRecords responses and granting no window."""
    iterator = _iterator(server.url)

    def attack(stop: threading.Event) -> None:
        clients = []
        for _ in range(4):
            h2 = H2Client(server.url, window=0)
            clients.append(h2)
            for _ in range(99):
                _quietly(lambda h2=h2: h2.request("GetRecords", {"ShardIterator": iterator}))
        stop.wait()
        for h2 in clients:
            h2.close()

    return attack


def repeated_headers(server: ServerProcess) -> Callable[[threading.Event], None]:
    """HTTP/1.1 requests repeating one header 8,000 times."""
    raw = (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
        + "X-A: 1\r\n" * 8000
        + "Content-Length: 2\r\n\r\n{}"
    ).encode()

    def attack(stop: threading.Event) -> None:
        while not stop.is_set():

            def one() -> None:
                with socket.create_connection(server.address, timeout=5) as sock:
                    sock.sendall(raw)
                    sock.recv(65536)

            _quietly(one)

    return attack


def slowloris(server: ServerProcess) -> Callable[[threading.Event], None]:
    """200 connections sending a request head a byte at a time."""

    def attack(stop: threading.Event) -> None:
        socks = []
        for _ in range(200):
            with_socket = socket.create_connection(server.address, timeout=5)
            with_socket.sendall(b"POST / HTTP/1.1\r\n")
            socks.append(with_socket)
        while not stop.wait(0.5):
            for sock in socks:
                _quietly(lambda sock=sock: sock.sendall(b"X"))
        for sock in socks:
            sock.close()

    return attack


def control_flood(server: ServerProcess) -> Callable[[threading.Event], None]:
    """PING and SETTINGS floods and rapid resets, reconnecting whenever cut off."""
    block = encode(kinesis_fields("PutRecord", b"{}"))
    payload = json.dumps(
        {"StreamName": "big", "PartitionKey": "k", "Data": base64.b64encode(b"r").decode()}
    ).encode()

    def attack(stop: threading.Event) -> None:
        kind = 0
        while not stop.is_set():
            kind += 1

            def one(kind: int = kind) -> None:
                h2 = H2Client(server.url)
                try:
                    if kind % 3 == 0:
                        h2.send(frame(FrameType.PING, 0, 0, b"12345678") * 20_000)
                    elif kind % 3 == 1:
                        h2.send(settings({}) * 20_000)
                    else:
                        burst = b""
                        for n in range(2000):
                            stream = 2 * n + 1
                            burst += frame(FrameType.HEADERS, Flag.END_HEADERS, stream, block)
                            burst += frame(FrameType.DATA, Flag.END_STREAM, stream, payload)
                            burst += rst_stream(stream, ErrorCode.CANCEL)
                        h2.send(burst)
                    h2.goaway()
                finally:
                    h2.close()

            _quietly(one)

    return attack


ATTACKS = {
    "unfinished uploads": unfinished_uploads,
    "unread responses": unread_responses,
    "repeated headers": repeated_headers,
    "slowloris": slowloris,
    "control floods": control_flood,
}


class TestResources:
    """Each hostile client leaves the server under the RSS bound and still serving."""

    @pytest.mark.parametrize("name", list(ATTACKS))
    def test_bounded(self, server_process: ServerProcess, name: str) -> None:
        statuses = _run(server_process, ATTACKS[name](server_process))
        print(
            f"\n{name}: max RSS {max(server_process.rss) / 2**20:.0f} MiB, "
            f"max threads {max(server_process.threads)}, {len(statuses)} ListStreams answered"
        )
        assert max(server_process.rss) < RSS_BOUND
        assert len(statuses) >= 5
        assert {200} == set(statuses)
        # What the clients made the server hold goes when they do.
        assert _threads_after(server_process) <= IDLE_THREADS
