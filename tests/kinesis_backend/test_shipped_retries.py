"""The one retry layer, on the client configuration eventwire ships, against real sockets.

Every other test of this package turns botocore's retries off on an in-process
client; these build the backend exactly as users get it (botocore single
attempts, default timeouts and retry policy) and point it at an emulator server
in another process that is frozen with SIGSTOP, or at a port nobody listens on.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from eventwire import BackendConnectionError, PublishFailure, PublishReceipt
from eventwire.backends import Record
from eventwire_kinesis import KinesisBackend, RetryPolicy

SLACK = 1.0
"""Seconds a call may run past its deadline for thread wake-ups on a busy machine."""


@pytest.fixture(autouse=True)
def dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """An emulator server in its own process (so SIGSTOP freezes it whole) and its URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eventwire_emulator",
            "serve",
            "--port",
            "0",
            "--stream",
            "orders:2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    url = line.split("Kinesis API on ")[1].split()[0]
    try:
        yield process, url
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture
def closed_url() -> str:
    """A loopback URL whose port refuses connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def counted(backend: KinesisBackend) -> list[str]:
    """The HTTP requests the backend's client sends, seen through botocore's events."""
    sent: list[str] = []

    def count(request: Any, **_: Any) -> None:
        sent.append(request.url)

    backend.client.meta.events.register("before-send.kinesis", count)
    return sent


def record(n: int = 0) -> Record:
    return Record(b'{"n":%d}' % n, f"key-{n}", event_id=f"e-{n}")


class TestShippedConfiguration:
    """Clients eventwire builds leave retrying to the backend."""

    def test_botocore_makes_one_attempt_per_call(self, closed_url: str) -> None:
        """The built client's retry configuration is a single attempt."""
        with KinesisBackend("orders", endpoint_url=closed_url, region="us-east-1") as backend:
            assert 1 == backend.client.meta.config.retries["total_max_attempts"]
            assert 5.0 == backend.client.meta.config.connect_timeout
            assert 15.0 == backend.client.meta.config.read_timeout

    def test_delivers_with_one_request(self, server: tuple[subprocess.Popen[str], str]) -> None:
        """Against a live server a record takes one request and says so."""
        with KinesisBackend("orders", endpoint_url=server[1], region="us-east-1") as backend:
            sent = counted(backend)
            receipt = backend.publish(record())
        assert isinstance(receipt, PublishReceipt)
        assert 1 == receipt.attempts == len(sent)


class TestClosedPort:
    """Connection refused: retried by the backend, counted truly, the cause kept."""

    def test_publish(self, closed_url: str) -> None:
        """max_attempts requests, then a BackendConnectionError caused by botocore's error."""
        with KinesisBackend("orders", endpoint_url=closed_url, region="us-east-1") as backend:
            sent = counted(backend)
            started = time.monotonic()
            with pytest.raises(BackendConnectionError):
                backend.publish(record())
            elapsed = time.monotonic() - started
            assert 5 == len(sent)
            [result] = backend.publish_many([record()])
        assert isinstance(result, PublishFailure)
        assert isinstance(result.error, BackendConnectionError)
        assert isinstance(result.error.__cause__, EndpointConnectionError)
        assert "Could not connect" in result.message
        assert "gave up after 5 attempt(s)" in result.message
        assert not result.error.ambiguous  # nothing was ever sent
        assert 5 == result.attempts == len(sent) - 5
        assert elapsed < RetryPolicy().deadline

    def test_publish_many(self, closed_url: str) -> None:
        """Every record fails with the connection error as its cause; attempts match requests."""
        with KinesisBackend("orders", endpoint_url=closed_url, region="us-east-1") as backend:
            sent = counted(backend)
            results = backend.publish_many([record(n) for n in range(3)])
        assert [False] * 3 == [result.ok for result in results]
        for result in results:
            assert isinstance(result, PublishFailure)
            assert isinstance(result.error, BackendConnectionError)
            assert isinstance(result.error.__cause__, EndpointConnectionError)
            assert 5 == result.attempts
        assert 5 == len(sent)  # one request a round carries all three


class TestFrozenServer:
    """A server that accepts connections but never answers: the deadline bounds the call."""

    def test_default_settings(self, server: tuple[subprocess.Popen[str], str]) -> None:
        """With every default, publish() ends within the 30 s deadline; the cause: a time-out."""
        process, url = server
        with KinesisBackend("orders", endpoint_url=url, region="us-east-1") as backend:
            sent = counted(backend)
            process.send_signal(signal.SIGSTOP)
            started = time.monotonic()
            with pytest.raises(BackendConnectionError) as info:
                backend.publish(record())
            elapsed = time.monotonic() - started
        assert elapsed <= RetryPolicy().deadline + SLACK
        assert isinstance(info.value.__cause__, ReadTimeoutError)
        assert info.value.ambiguous  # the request was sent; its answer never came
        assert "another attempt could take" in str(info.value)
        assert 1 == len(sent)

    def test_short_deadline(self, server: tuple[subprocess.Popen[str], str]) -> None:
        """Short timeouts allow retries, each a request, all within the deadline."""
        process, url = server
        options: dict[str, Any] = {
            "endpoint_url": url,
            "region": "us-east-1",
            "connect_timeout": 0.5,
            "read_timeout": 1.0,
        }
        policy = RetryPolicy(deadline=3.5)
        with KinesisBackend("orders", retry=policy, **options) as backend:
            sent = counted(backend)
            process.send_signal(signal.SIGSTOP)
            started = time.monotonic()
            results = backend.publish_many([record(n) for n in range(3)])
            elapsed = time.monotonic() - started
        assert elapsed <= policy.deadline + SLACK
        failures = [result for result in results if isinstance(result, PublishFailure)]
        assert 3 == len(failures)
        assert all(isinstance(f.error.__cause__, ReadTimeoutError) for f in failures)
        assert all(f.error.ambiguous for f in failures)
        assert 2 <= failures[0].attempts == len(sent)

    def test_timeouts_are_fitted_to_a_deadline_shorter_than_them(
        self, server: tuple[subprocess.Popen[str], str]
    ) -> None:
        """A deadline below connect + read timeout shrinks them, so even one attempt fits."""
        process, url = server
        policy = RetryPolicy(deadline=2.0)
        with KinesisBackend(
            "orders", endpoint_url=url, region="us-east-1", retry=policy
        ) as backend:
            config = backend.client.meta.config
            assert config.connect_timeout + config.read_timeout <= policy.deadline
            process.send_signal(signal.SIGSTOP)
            started = time.monotonic()
            with pytest.raises(BackendConnectionError):
                backend.publish(record())
        assert time.monotonic() - started <= policy.deadline + SLACK
