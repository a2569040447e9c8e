"""Real third-party clients, unchanged, against the server: AWS CLI, localstack, JS SDK, curl."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from eventwire_emulator.wire import SubscriptionPolicy
from tests.emulator.server.conftest import ARTIFACTS, BIN, ROOT, client_env, make_client

NODE_DIR = ARTIFACTS / "node"
JS_CLIENT = Path(__file__).with_name("js_client.cjs")
JS_SUBSCRIBE = Path(__file__).with_name("js_subscribe.cjs")
# Long enough that a client which could not cancel would visibly wait for the end.
LONG_SUBSCRIPTION = SubscriptionPolicy(duration=60.0, poll_interval=0.05, heartbeat=0.2)


def run(args: list[str], env: dict[str, str], cwd: Path = ROOT, timeout: float = 180) -> str:
    done = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert 0 == done.returncode, done.stderr
    return done.stdout


# Pinned so every run tests the same client; raise it on purpose.
JS_SDK_VERSION = "3.1143.0"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """@aws-sdk/client-kinesis from npm, installed once into .artifacts/node/."""
    package = NODE_DIR / "node_modules" / "@aws-sdk" / "client-kinesis"
    if not package.is_dir():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        manifest = NODE_DIR / "package.json"
        if not manifest.exists():
            manifest.write_text('{"name": "eventwire-js-client", "private": true}\n')
        npm = shutil.which("npm")
        assert npm is not None, "npm is needed for the JavaScript SDK test"
        run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                f"@aws-sdk/client-kinesis@{JS_SDK_VERSION}",
            ],
            client_env(),
            NODE_DIR,
        )
    return NODE_DIR / "node_modules"


class TestAwsCli:
    """The AWS CLI (awscli from PyPI) works with --endpoint-url."""

    def aws(self, server: EmulatorServer, *args: str) -> dict[str, object]:
        out = run(
            [str(BIN / "aws"), "--endpoint-url", server.url, "--output", "json", *args],
            client_env(),
        )
        return json.loads(out) if out.strip() else {}

    def test_create_put_and_read(self, server: EmulatorServer) -> None:
        """create-stream, put-record, get-shard-iterator and get-records."""
        self.aws(server, "kinesis", "create-stream", "--stream-name", "cli", "--shard-count", "1")
        put = self.aws(
            server,
            "kinesis",
            "put-record",
            "--stream-name",
            "cli",
            "--partition-key",
            "k",
            "--data",
            "hello from the cli",
        )
        iterator = self.aws(
            server,
            "kinesis",
            "get-shard-iterator",
            "--stream-name",
            "cli",
            "--shard-id",
            str(put["ShardId"]),
            "--shard-iterator-type",
            "TRIM_HORIZON",
        )["ShardIterator"]
        got = self.aws(server, "kinesis", "get-records", "--shard-iterator", str(iterator))
        records = got["Records"]
        assert isinstance(records, list)
        assert [put["SequenceNumber"]] == [r["SequenceNumber"] for r in records]

    def test_errors_are_modeled(self, server: EmulatorServer) -> None:
        """A missing stream fails with ResourceNotFoundException and exit status 254/255."""
        done = subprocess.run(
            [str(BIN / "aws"), "--endpoint-url", server.url, "kinesis", "describe-stream-summary",
             "--stream-name", "missing"],
            env=client_env(), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert 0 != done.returncode
        assert "ResourceNotFoundException" in done.stderr


class TestLocalstackClient:
    """localstack-client finds the server through LOCALSTACK_HOST."""

    def test_client_from_localstack_host(self, server: EmulatorServer) -> None:
        """A script using localstack_client.session reaches the server unchanged."""
        script = (
            "import json, localstack_client.session as s\n"
            "c = s.Session().client('kinesis')\n"
            "c.create_stream(StreamName='ls', ShardCount=2)\n"
            "r = c.put_record(StreamName='ls', Data=b'ls', PartitionKey='k')\n"
            "print(json.dumps([c.list_streams()['StreamNames'], r['ShardId'],"
            " c.meta.endpoint_url]))\n"
        )
        out = run(
            [sys.executable, "-c", script],
            client_env(LOCALSTACK_HOST=f"{server.host}:{server.port}"),
        )
        names, shard_id, endpoint = json.loads(out)
        assert (["ls"], server.url) == (names, endpoint)
        assert shard_id.startswith("shardId-")


class TestJavaScriptSdk:
    """The AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis) under Node, default config."""

    def test_sdk_round_trip(self, server: EmulatorServer, node_modules: Path) -> None:
        """Create, tag, put, list, read and a modeled error, all over the SDK's HTTP/2."""
        out = run(
            ["node", str(JS_CLIENT), server.url],
            client_env(NODE_PATH=str(node_modules)),
        )
        result = json.loads(out)
        assert {
            "handler": "NodeHttp2Handler",
            "shardId": "shardId-000000000000",
            "failed": 0,
            "shards": ["shardId-000000000000", "shardId-000000000001"],
            "data": ["from-js", "batch-0", "batch-1", "batch-2"],
            "tags": ["sdk=js"],
            "openShards": 2,
            "missing": "ResourceNotFoundException",
        } == result

    def test_subscribe_to_shard(self, node_modules: Path) -> None:
        """SubscribeToShard streams over HTTP/2 next to other calls; cancelling releases it."""
        with EmulatorServer(Kinesis(), port=0, subscription=LONG_SUBSCRIPTION) as server:
            out = run(
                ["node", str(JS_SUBSCRIBE), server.url],
                client_env(NODE_PATH=str(node_modules)),
                timeout=30,  # far less than the subscription lasts: the cancel must work
            )
            result = json.loads(out)
            consumer = result.pop("consumerArn")
            assert {
                "handler": "NodeHttp2Handler",
                "data": ["before", "during"],
                "events": True,
                "streamStatus": "ACTIVE",
            } == result
            # A second subscription is refused while the first is held: it was released.
            time.sleep(1.1)  # one SubscribeToShard a second per consumer and shard
            client = make_client(server.url)
            try:
                again = client.subscribe_to_shard(
                    ConsumerARN=consumer,
                    ShardId="shardId-000000000000",
                    StartingPosition={"Type": "LATEST"},
                )["EventStream"]
                assert "SubscribeToShardEvent" in next(iter(again))
                again.close()
            finally:
                client.close()


def curl(*args: str) -> list[str]:
    """Run curl over h2c with prior knowledge; stdout lines, the HTTP version last."""
    path = shutil.which("curl")
    assert path is not None, "curl is needed for the curl test"
    out = run(
        [path, "--silent", "--show-error", "--http2-prior-knowledge",
         "--write-out", "\\n%{http_version} %{http_code}", *args],
        client_env(),
    )  # fmt: skip
    return out.splitlines()


class TestCurl:
    """curl (built with nghttp2) with --http2-prior-knowledge: a second HTTP/2 client."""

    def kinesis(self, url: str, operation: str, body: str) -> list[str]:
        return curl(
            "--request", "POST", f"{url}/",
            "--header", f"X-Amz-Target: Kinesis_20131202.{operation}",
            "--header", "Content-Type: application/x-amz-json-1.1",
            "--data-binary", body,
        )  # fmt: skip

    def test_kinesis_calls(self, server: EmulatorServer) -> None:
        """CreateStream and ListStreams answer over HTTP/2."""
        url = server.url
        created = self.kinesis(url, "CreateStream", '{"StreamName":"curl","ShardCount":1}')
        listed = self.kinesis(url, "ListStreams", "{}")
        assert "2 200" == created[-1]
        assert (["curl"], "2 200") == (json.loads(listed[0])["StreamNames"], listed[-1])

    def test_modeled_error(self, server: EmulatorServer) -> None:
        """A missing stream is a 400 ResourceNotFoundException, as over HTTP/1.1."""
        out = self.kinesis(server.url, "DescribeStream", '{"StreamName":"missing"}')
        assert ("ResourceNotFoundException", "2 400") == (json.loads(out[0])["__type"], out[-1])

    def test_viewer(self, server: EmulatorServer) -> None:
        """The viewer's API answers over HTTP/2."""
        out = curl(f"{server.url}/viewer/api/streams")
        assert ({"streams": []}, "2 200") == (json.loads(out[0]), out[-1])
