"""The viewer's JSON API and data rendering: counts, newest first, kinds, incremental reads."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from eventwire_emulator.server.decoding import MAX_HEX_BYTES, describe


def get(server: EmulatorServer, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


class TestDescribe:
    """Record data is classified and rendered as text."""

    @pytest.mark.parametrize(
        ("data", "kind", "summary"),
        [
            (b'{"specversion":"1.0","type":"t","source":"s","id":"1"}', "cloudevent", "t · s · 1"),
            (b'{"a": 1}', "json", '{   "a": 1 }'),
            (b"hello\nworld", "text", "hello"),
            (b"\xff\xfe", "binary", "2 bytes"),
            (b"bell\x07", "binary", "5 bytes"),
            (b"", "empty", "(no data)"),
        ],
        ids=["cloudevent", "json", "text", "not-utf8", "control-chars", "empty"],
    )
    def test_kinds(self, data: bytes, kind: str, summary: str) -> None:
        """Each kind of data gets its kind and one-line summary."""
        described = describe(data)
        assert (kind, summary) == (described["kind"], described["summary"])

    def test_hex_dump_is_capped(self) -> None:
        """Large binary data is dumped only up to the cap, with a note."""
        text = describe(b"\xff" * (MAX_HEX_BYTES + 10))["text"]
        assert text.endswith("(10 more bytes)")
        assert MAX_HEX_BYTES // 16 + 1 == len(text.splitlines())


class TestApi:
    """/viewer/api/streams and /viewer/api/records."""

    def test_streams_with_shards_and_counts(self, server: EmulatorServer, kinesis: Kinesis) -> None:
        """Shards list their hash ranges, state and record counts."""
        kinesis.create_stream("s", 2)
        kinesis.put_record("s", b"a", "k", explicit_hash_key="0")
        kinesis.put_record("s", b"b", "k", explicit_hash_key="0")
        status, document = get(server, "/viewer/api/streams")
        (stream,) = document["streams"]
        assert (200, "s") == (status, stream["name"])
        assert [2, 0] == [shard["records"] for shard in stream["shards"]]
        assert "0" == stream["shards"][0]["startingHashKey"]
        assert str(2**128 - 1) == stream["shards"][1]["endingHashKey"]

    def test_counts_grow_incrementally_and_survive_resharding(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """Later polls add only new records; a closed parent keeps its count."""
        kinesis.create_stream("s", 1)
        kinesis.put_record("s", b"a", "k")
        assert 1 == get(server, "/viewer/api/streams")[1]["streams"][0]["shards"][0]["records"]
        kinesis.put_record("s", b"b", "k")
        kinesis.split_shard("s", "shardId-000000000000", 2**127)
        kinesis.put_record("s", b"c", "k", explicit_hash_key="0")
        shards = get(server, "/viewer/api/streams")[1]["streams"][0]["shards"]
        assert [(2, False), (1, True), (0, True)] == [(s["records"], s["open"]) for s in shards]

    def test_records_newest_first(self, server: EmulatorServer, kinesis: Kinesis) -> None:
        """Records come newest first, limited, with their rendering."""
        kinesis.create_stream("s", 1)
        for n in range(5):
            kinesis.put_record("s", json.dumps({"n": n}).encode(), f"k{n}")
        status, document = get(
            server, "/viewer/api/records?stream=s&shard=shardId-000000000000&limit=3"
        )
        assert (200, 5) == (status, document["count"])
        assert ["k4", "k3", "k2"] == [r["partitionKey"] for r in document["records"]]
        assert {"json"} == {r["kind"] for r in document["records"]}

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("stream=s", (400, "ValidationException")),
            ("stream=s&shard=shardId-000000000000&limit=x", (400, "ValidationException")),
            ("stream=nope&shard=shardId-000000000000", (400, "ResourceNotFoundException")),
            ("stream=s&shard=shardId-000000000009", (400, "ResourceNotFoundException")),
        ],
        ids=["no-shard", "bad-limit", "no-stream", "no-such-shard"],
    )
    def test_bad_queries(
        self, server: EmulatorServer, kinesis: Kinesis, query: str, expected: tuple[int, str]
    ) -> None:
        """Bad queries get AWS-shaped 4xx answers."""
        kinesis.create_stream("s", 1)
        status, document = get(server, f"/viewer/api/records?{query}")
        assert expected == (status, document["__type"])

    def test_recreated_stream_starts_over(self, server: EmulatorServer, kinesis: Kinesis) -> None:
        """A stream deleted and created again under its name is counted afresh."""
        kinesis.create_stream("s", 1)
        kinesis.put_record("s", b"a", "k")
        get(server, "/viewer/api/streams")
        kinesis.delete_stream("s")
        kinesis.create_stream("s", 1)
        shards = get(server, "/viewer/api/streams")[1]["streams"][0]["shards"]
        assert [0] == [s["records"] for s in shards]
