"""A real PostgreSQL server for tests and benchmarks: a temp-dir cluster on a loopback port.

Debian's ``postgresql-15`` package keeps ``initdb`` and ``pg_ctl`` in its own
bin directory (``/usr/lib/postgresql/15/bin``), off PATH, and both refuse to
run as root, so as root they run as the ``postgres`` user through ``runuser``.
A machine without the binaries gets a ``PostgresUnavailable`` that says what to
install; the fixture turns it into a test failure, never a skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

BINDIR_ENV = "EVENTWIRE_PG_BINDIR"
INSTALL_HINT = (
    "the PostgreSQL server binaries (initdb, pg_ctl) were not found: install Debian's "
    "postgresql-15 package (`apt-get install postgresql-15`) or point "
    f"{BINDIR_ENV} at a directory holding initdb and pg_ctl"
)
START_TIMEOUT = 60


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing or the server would not start (the message says why)."""


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``."""
    candidates = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(os.environ[BINDIR_ENV])
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, check=True)
            candidates.append(out.stdout.decode().strip())
    candidates.extend(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True))
    for candidate in candidates:
        path = Path(candidate)
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    raise PostgresUnavailable(INSTALL_HINT)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One throwaway PostgreSQL cluster on a loopback port (``start``/``stop``)."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.port = 0
        self._root: Path | None = None
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the ``postgres`` database (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if self._as_postgres:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            command = [runuser, "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, timeout=START_TIMEOUT, check=False)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace").strip()
            raise PostgresUnavailable(f"{' '.join(command)} failed ({done.returncode}): {output}")

    def start(self) -> None:
        """Create a cluster in a temp dir and start it on a free loopback port."""
        if self._as_postgres:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root but there is no `postgres` user to run initdb as; "
                    "the postgresql-15 package creates it"
                ) from None
        self._root = Path(tempfile.mkdtemp(prefix="eventwire-pg-"))
        if self._as_postgres:
            os.chown(self._root, user.pw_uid, user.pw_gid)
        data = self._root / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        self.port = _free_port()
        options = (
            f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=100"
        )
        self._run("pg_ctl", "-D", str(data), "-l", str(self._root / "log"), "-o", options,
                  "-w", "-t", str(START_TIMEOUT), "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server and remove its directory (idempotent)."""
        if self._root is None:
            return
        with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self._root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._root, ignore_errors=True)
        self._root = None

    def new_database(self) -> str:
        """Create an empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"db_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + f"/{name}"


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started ``PostgresServer``, stopped on exit."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
