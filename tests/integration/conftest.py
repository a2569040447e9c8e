"""Real LocalStack for integration tests: installed into its own venv, started once, stopped by PID.

The ``localstack`` fixture is session-scoped and reusable by any suite that
needs a real Kinesis-compatible endpoint: it yields a ``LocalStack`` with the
endpoint URL, the ``host:port`` for ``LOCALSTACK_HOST`` and a boto3 client
factory. LocalStack lives in ``.localstack-venv`` at the repository root (its
pins clash with ours, so it never enters the project's environment), is created
on first use, binds only to loopback, and is stopped by the PID this fixture
started. When it cannot be installed or started the requesting test fails with
the reason; it is never skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.postgres import (
    INSTALL_HINT,
    PostgresServer,
    PostgresUnavailable,
    find_bindir,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_kinesis import KinesisClient

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".localstack-venv"
DATA = ROOT / ".localstack-data"
HOST = "127.0.0.1"
PORT = int(os.environ.get("EVENTWIRE_LOCALSTACK_PORT", "4566"))
# The versions LOCALSTACK.md verified on Python 3.11; newer localstack-core needs 3.12+.
REQUIREMENTS = (
    "localstack-core[base-runtime]==4.6.0",
    "cbor2<5.7",
    "pyopenssl==24.2.1",
    "cryptography==43.0.3",
    "service-identity<24.3",
)
INSTALL_TIMEOUT = 900.0
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class LocalStack:
    """A running LocalStack this test session started.

    Attributes:
        host: ``host:port`` as ``LOCALSTACK_HOST`` expects it.
        endpoint_url: the edge endpoint every service answers on.
        region: the region clients use.
        pid: the LocalStack process.
        startup_seconds: from launching the process to a healthy answer.
    """

    host: str
    endpoint_url: str
    region: str
    pid: int
    startup_seconds: float

    def client(self, **config: Any) -> KinesisClient:
        """A boto3 Kinesis client for this LocalStack (dummy credentials)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "kinesis",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(**config),
        )


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def _installed() -> bool:
    python = _venv_python()
    if not python.exists():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import localstack.runtime.main"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"LocalStack could not be installed: {what} failed: {exc!r}")
    if done.returncode != 0:
        pytest.fail(
            f"LocalStack could not be installed: {what} exited with {done.returncode}:\n"
            f"{(done.stdout + done.stderr)[-4000:]}"
        )


def ensure_installed() -> Path:
    """Create ``.localstack-venv`` with the pinned LocalStack if missing; return its python."""
    DATA.mkdir(exist_ok=True)
    # A file lock, because several pytest processes may share one checkout.
    with open(DATA / "install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed():
            base = getattr(sys, "_base_executable", sys.executable)
            _run([base, "-m", "venv", "--clear", str(VENV)], "creating .localstack-venv")
            _run(
                [str(_venv_python()), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
                "pip install localstack-core",
            )
    return _venv_python()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _port_busy() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, PORT)) == 0


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-4000:]
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGTERM lets LocalStack shut down its engines; the process group (ours, by PID)
    # catches a kinesis-mock child left behind after a hard stop.
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def localstack() -> Iterator[LocalStack]:
    """Install (once) and start LocalStack on 127.0.0.1; stop it by PID at session end."""
    python = ensure_installed()
    if _port_busy():
        pytest.fail(
            f"cannot start LocalStack: {HOST}:{PORT} is already in use; stop what listens "
            "there or set EVENTWIRE_LOCALSTACK_PORT to a free port"
        )
    DATA.mkdir(exist_ok=True)
    log_path = DATA / f"localstack-{os.getpid()}.log"
    env = {
        **os.environ,
        "SERVICES": "kinesis",
        "GATEWAY_LISTEN": f"{HOST}:{PORT}",
        "LOCALSTACK_VOLUME_DIR": str(DATA),
        "DISABLE_EVENTS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
    }
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(python), "-m", "localstack.runtime.main"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
    try:
        health = f"http://{HOST}:{PORT}/_localstack/health"
        while not _answers(health):
            if process.poll() is not None:
                pytest.fail(
                    f"LocalStack exited with {process.returncode} before answering {health}:\n"
                    f"{_tail(log_path)}"
                )
            if time.monotonic() - started > READY_TIMEOUT:
                pytest.fail(
                    f"LocalStack did not answer {health} within {READY_TIMEOUT:.0f} s:\n"
                    f"{_tail(log_path)}"
                )
            time.sleep(0.2)
        yield LocalStack(
            host=f"{HOST}:{PORT}",
            endpoint_url=f"http://{HOST}:{PORT}",
            region="us-east-1",
            pid=process.pid,
            startup_seconds=time.monotonic() - started,
        )
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def localstack_endpoint(localstack: LocalStack) -> str:
    """The edge endpoint URL of the session's LocalStack."""
    return localstack.endpoint_url


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server this test session started (fails, never skips, without binaries)."""
    server = PostgresServer() if _pg_ready() else None
    if server is None:
        pytest.fail(INSTALL_HINT)
    try:
        server.start()
    except PostgresUnavailable as exc:
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """The SQLAlchemy URL of a fresh, empty database on the session's PostgreSQL."""
    return postgres.new_database()


def _pg_ready() -> bool:
    try:
        find_bindir()
    except PostgresUnavailable:
        return False
    return True
