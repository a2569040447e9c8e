"""Real third-party clients, unchanged, against the server: AWS CLI, localstack-client, JS SDK."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eventwire_emulator.server import EmulatorServer
from tests.emulator.server.conftest import ARTIFACTS, BIN, ROOT, client_env

NODE_DIR = ARTIFACTS / "node"
JS_CLIENT = Path(__file__).with_name("js_client.cjs")


def run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    done = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )
    assert 0 == done.returncode, done.stderr
    return done.stdout


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
            [npm, "install", "--no-audit", "--no-fund", "@aws-sdk/client-kinesis"],
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
    """The AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis) under Node."""

    def test_sdk_round_trip(self, server: EmulatorServer, node_modules: Path) -> None:
        """Create, tag, put, list, read and a modeled error, all through the JS SDK."""
        out = run(
            ["node", str(JS_CLIENT), server.url],
            client_env(NODE_PATH=str(node_modules)),
        )
        result = json.loads(out)
        assert {
            "shardId": "shardId-000000000000",
            "failed": 0,
            "shards": ["shardId-000000000000", "shardId-000000000001"],
            "data": ["from-js", "batch-0", "batch-1", "batch-2"],
            "tags": ["sdk=js"],
            "openShards": 2,
            "missing": "ResourceNotFoundException",
        } == result
