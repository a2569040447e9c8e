"""The eventwire command line against real LocalStack: streams, publish a JSON-lines file, tail."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import LocalStack
from tests.kinesis_backend.cli_support import cli_env, documents, eventwire, jsonl


class TestCliOnLocalStack:
    """The same round trip as on the emulator server, on LocalStack's Kinesis."""

    def test_create_publish_tail_delete(self, localstack: LocalStack, tmp_path: Path) -> None:
        env = cli_env(AWS_ENDPOINT_URL_KINESIS=localstack.endpoint_url)
        created = eventwire("streams", "create", "cli-roundtrip", "--shards", "2", env=env)
        assert 0 == created.status, created.err
        try:
            sent = documents(200, keys=11)
            source = tmp_path / "events.jsonl"
            source.write_text(jsonl(sent), encoding="utf-8")
            published = eventwire("publish", "cli-roundtrip", str(source), "--aggregate", env=env)
            tailed = eventwire("tail", "cli-roundtrip", "--json", env=env)
            # --localstack alone: endpoint from LOCALSTACK_HOST, no region or credentials set.
            bare = {
                name: value
                for name, value in cli_env(LOCALSTACK_HOST=localstack.host).items()
                if not name.startswith("AWS_") or name.endswith(("_FILE", "_DISABLED"))
            }
            described = eventwire("streams", "describe", "cli-roundtrip", "--localstack", env=bare)
        finally:
            deleted = eventwire("streams", "delete", "cli-roundtrip", "--yes", env=env)
        assert 0 == published.status, published.err
        assert 0 == tailed.status, tailed.err
        lines = tailed.lines()
        assert sorted(sent, key=lambda d: d["id"]) == sorted(
            (line["event"] for line in lines), key=lambda d: d["id"]
        )
        assert {"shardId-000000000000", "shardId-000000000001"} == {line["shard"] for line in lines}
        assert 2 == described.out.count("shardId-"), described.err
        assert 0 == deleted.status, deleted.err
