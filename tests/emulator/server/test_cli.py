"""The serve command: binds loopback, pre-creates streams, switches quotas, stops on signals."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.emulator.server.conftest import BIN, client_env, make_client


@contextmanager
def serving(
    *args: str, command: list[str] | None = None, env: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """Run the server command on a free port; yield the process, its URL and first line."""
    base = command or [sys.executable, "-m", "eventwire_emulator"]
    process = subprocess.Popen(
        [*base, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=client_env(**(env or {})),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        line = process.stdout.readline()
        match = re.search(r"http://[\d.]+:\d+", line)
        assert match is not None, line + process.stderr.read()
        yield process, match.group(0), line
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        process.stdout.close()
        process.stderr.close()


def _health(host: str, port: int, name: str) -> bytes:
    """GET /health with Host `name`; its status, waiting out the cap of one connection."""
    deadline = time.monotonic() + 10
    while True:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(
                f"GET /health HTTP/1.1\r\nHost: {name}:{port}\r\nConnection: close\r\n\r\n".encode()
            )
            status = sock.recv(65536).split(b" ", 2)[1]
        if status != b"503" or time.monotonic() > deadline:
            return status
        time.sleep(0.1)  # the previous connection's thread is still ending


class TestServe:
    """eventwire-emulator serve, as python -m and as the console script."""

    @pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
    def test_serves_streams_and_stops_on_signal(self, sig: signal.Signals) -> None:
        """Pre-created streams are served; a signal stops it with status 0."""
        with serving("--stream", "orders:2", "--stream", "audit:1") as (process, url, line):
            client = make_client(url)
            try:
                names = client.list_streams()["StreamNames"]
                shards = client.list_shards(StreamName="orders")["Shards"]
            finally:
                client.close()
            process.send_signal(sig)
            assert 0 == process.wait(10)
            assert process.stdout is not None
            rest = process.stdout.read()
        assert (["audit", "orders"], 2) == (names, len(shards))
        assert url.startswith("http://127.0.0.1:")
        assert f"{url}/viewer" in line
        assert "stopped" in rest

    def test_console_script(self) -> None:
        """The eventwire-emulator script runs the same command."""
        with serving(command=[str(BIN / "eventwire-emulator")]) as (process, url, _):
            client = make_client(url)
            try:
                assert [] == client.list_streams()["StreamNames"]
            finally:
                client.close()
            process.terminate()
            assert 0 == process.wait(10)

    def test_eventwire_serve_is_the_same_command(self) -> None:
        """The eventwire serve subcommand takes the same options and serves the same API."""
        with serving(
            "--stream", "orders:2", "--quotas", "off", command=[str(BIN / "eventwire")]
        ) as (
            process,
            url,
            line,
        ):
            client = make_client(url)
            try:
                shards = client.list_shards(StreamName="orders")["Shards"]
            finally:
                client.close()
            process.send_signal(signal.SIGINT)
            assert 0 == process.wait(10)
        assert 2 == len(shards)
        assert "quotas off" in line

    def test_eventwire_serve_help_and_usage_errors(self) -> None:
        """Its help shows the options and examples; a bad option exits 2 naming the program."""
        run = [str(BIN / "eventwire"), "serve"]
        shown = subprocess.run(
            [*run, "--help"], env=client_env(), capture_output=True, text=True, timeout=60,
            check=False,
        )  # fmt: skip
        bad = subprocess.run(
            [*run, "--stream", "s:0"], env=client_env(), capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert (0, 2) == (shown.returncode, bad.returncode)
        assert "--stream NAME:SHARDS" in shown.stdout
        assert "eventwire serve --stream orders:4" in shown.stdout
        assert "eventwire serve: error:" in bad.stderr

    @pytest.mark.parametrize(
        ("args", "env", "expected"),
        [
            ((), {}, "quotas on"),
            ((), {"EVENTWIRE_EMULATOR_QUOTAS": "off"}, "quotas off"),
            (("--quotas", "on"), {"EVENTWIRE_EMULATOR_QUOTAS": "off"}, "quotas on"),
            (("--quotas", "off"), {}, "quotas off"),
        ],
        ids=["default", "env-off", "flag-beats-env", "flag-off"],
    )
    def test_quotas_switch(self, args: tuple[str, ...], env: dict[str, str], expected: str) -> None:
        """Quotas are on unless --quotas off or EVENTWIRE_EMULATOR_QUOTAS=off says otherwise."""
        with serving(*args, env=env) as (process, _, line):
            process.terminate()
            process.wait(10)
        assert expected in line

    def test_stream_states_by_default(self) -> None:
        """The server's streams pass through CREATING and DELETING (0.5 s each by default)."""
        with serving("--stream", "early:1") as (process, url, _):
            client = make_client(url)
            try:
                early = client.describe_stream_summary(StreamName="early")
                client.create_stream(StreamName="late", ShardCount=1)
                created = client.describe_stream_summary(StreamName="late")
                client.get_waiter("stream_exists").wait(
                    StreamName="late", WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
                )
                client.delete_stream(StreamName="late")
                deleting = client.describe_stream_summary(StreamName="late")
            finally:
                client.close()
            process.terminate()
            assert 0 == process.wait(10)
        # --stream streams are ready at start; CreateStream answers while CREATING.
        assert ("ACTIVE", "CREATING", "DELETING") == (
            early["StreamDescriptionSummary"]["StreamStatus"],
            created["StreamDescriptionSummary"]["StreamStatus"],
            deleting["StreamDescriptionSummary"]["StreamStatus"],
        )

    def test_no_delays(self) -> None:
        """--create-delay 0 makes a stream ACTIVE as CreateStream returns."""
        with serving("--create-delay", "0") as (process, url, _):
            client = make_client(url)
            try:
                client.create_stream(StreamName="s", ShardCount=1)
                summary = client.describe_stream_summary(StreamName="s")
            finally:
                client.close()
            process.terminate()
            assert 0 == process.wait(10)
        assert "ACTIVE" == summary["StreamDescriptionSummary"]["StreamStatus"]

    def test_auth_sigv4(self) -> None:
        """--auth sigv4 serves the right secret and refuses a wrong one, over HTTP."""
        with serving("--auth", "sigv4", "--credentials", "test:test:111122223333") as (
            process,
            url,
            line,
        ):
            good = make_client(url)
            bad = boto3.session.Session().client(
                "kinesis",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="test",
                aws_secret_access_key="wrong",
                config=Config(retries={"total_max_attempts": 1}),
            )
            try:
                good.create_stream(StreamName="s", ShardCount=1)
                arn = good.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
                    "StreamARN"
                ]
                with pytest.raises(ClientError) as caught:
                    bad.list_streams()
            finally:
                good.close()
                bad.close()
            process.terminate()
            assert 0 == process.wait(10)
        assert "auth sigv4" in line
        assert arn.startswith("arn:aws:kinesis:us-east-1:111122223333:stream/")
        assert "InvalidSignatureException" == caught.value.response["Error"]["Code"]

    def test_quotas_off_really_off(self) -> None:
        """With quotas off, 2 MiB into one shard within a second is accepted."""
        with serving("--quotas", "off", "--stream", "q:1") as (process, url, _):
            client = make_client(url)
            try:
                for _ in range(4):
                    client.put_record(StreamName="q", Data=b"x" * 512 * 1024, PartitionKey="k")
            finally:
                client.close()
            process.terminate()
            assert 0 == process.wait(10)

    @pytest.mark.parametrize(
        ("args", "env", "message"),
        [
            (("--stream", "nameonly"), {}, "NAME:SHARDS"),
            (("--stream", "s:0"), {}, "NAME:SHARDS"),
            (("--stream", "bad name!:1"), {}, "--stream bad name!:1"),
            (("--quotas", "maybe"), {}, "on or off"),
            (("--max-connections", "0"), {}, "positive integer"),
            (("--max-connections", "\u00b2"), {}, "positive integer"),
            (("--create-delay", "-1"), {}, "seconds from 0 to 3600"),
            (("--auth", "sigv4"), {}, "needs at least one --credentials"),
            ((), {"EVENTWIRE_EMULATOR_QUOTAS": "perhaps"}, "EVENTWIRE_EMULATOR_QUOTAS"),
        ],
        ids=[
            "no-shards",
            "zero-shards",
            "invalid-name",
            "bad-quotas",
            "no-connections",
            "superscript-connections",
            "bad-delay",
            "no-keys",
            "bad-env",
        ],
    )
    def test_bad_arguments_exit_2(
        self, args: tuple[str, ...], env: dict[str, str], message: str
    ) -> None:
        """Usage errors exit with status 2 and say what was wrong."""
        done = subprocess.run(
            [sys.executable, "-m", "eventwire_emulator", "serve", "--port", "0", *args],
            env=client_env(**env), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert 2 == done.returncode
        assert message in done.stderr

    def test_allow_host_and_connection_cap(self) -> None:
        """--allow-host admits a name other than loopback's; --max-connections caps."""
        with serving("--allow-host", "kinesis", "--max-connections", "1") as (process, url, _):
            host, port = url.removeprefix("http://").rsplit(":", 1)
            answers = [_health(host, int(port), name) for name in ("kinesis", "evil.example")]
            time.sleep(0.5)  # the closed connections' threads end
            with socket.create_connection((host, int(port)), timeout=10) as held:
                held.sendall(b"GET")  # one connection held open: the cap is reached
                time.sleep(1.0)
                with socket.create_connection((host, int(port)), timeout=10) as refused:
                    answers.append(refused.recv(65536).split(b" ", 2)[1])
            process.terminate()
            process.wait(10)
        assert [b"200", b"403", b"503"] == answers

    def test_port_in_use_exits_1(self) -> None:
        """A port already taken is reported, with status 1."""
        with serving() as (process, url, _):
            port = url.rsplit(":", 1)[1]
            done = subprocess.run(
                [sys.executable, "-m", "eventwire_emulator", "serve", "--port", port],
                env=client_env(), capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            process.terminate()
            process.wait(10)
        assert 1 == done.returncode
        assert "cannot listen" in done.stderr
