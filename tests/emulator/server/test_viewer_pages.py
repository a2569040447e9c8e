"""The viewer's paging API: shard pages, the stream merged by arrival, filters, one record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.server import EmulatorServer
from eventwire_emulator.server.viewer_pages import MAX_SCAN
from tests.emulator.server.test_viewer_api import get


def document(n: int, kind: str) -> bytes:
    return json.dumps(
        {"specversion": "1.0", "type": kind, "source": "/t", "id": f"e-{n}", "data": {"n": n}}
    ).encode()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_800_000_000.0)


@pytest.fixture
def paged(clock: ManualClock) -> Iterator[EmulatorServer]:
    """A 3-shard stream of 60 records, one a second, keys k0..k5, two event types."""
    kinesis = Kinesis(clock=clock)
    kinesis.create_stream("s", 3)
    for n in range(60):
        kind = "com.example.even" if n % 2 == 0 else "com.example.odd"
        kinesis.put_record("s", document(n, kind), f"k{n % 6}")
        clock.advance(1.0)
    kinesis.put_record("s", b"\x00\xffraw", "k0")
    with EmulatorServer(kinesis, port=0) as running:
        yield running


def page(server: EmulatorServer, **query: Any) -> dict[str, Any]:
    status, answer = get(server, "/viewer/api/page?" + urlencode(query))
    assert 200 == status, answer
    return answer


def numbers(answer: dict[str, Any]) -> list[int]:
    return [
        json.loads(r["text"])["data"]["n"] for r in answer["records"] if r["kind"] == "cloudevent"
    ]


class TestShardPages:
    """Paging through one shard, oldest first, with a cursor the page hands back."""

    def test_pages_cover_the_shard_once_in_order(self, paged: EmulatorServer) -> None:
        shard = "shardId-000000000000"
        seen: list[str] = []
        after = None
        while True:
            query = {"stream": "s", "shard": shard, "limit": 4}
            answer = page(paged, **query, **({"after": after} if after else {}))
            seen += [r["sequenceNumber"] for r in answer["records"]]
            after = answer["next"]
            if after is None:
                break
        everything = page(paged, stream="s", shard=shard, limit=200)["records"]
        assert [r["sequenceNumber"] for r in everything] == seen
        assert len(seen) > 4  # more than one page
        assert seen == sorted(seen, key=int)

    def test_filters(self, paged: EmulatorServer) -> None:
        shards = [f"shardId-00000000000{i}" for i in range(3)]
        keyed = [page(paged, stream="s", shard=s, key="k3", limit=200) for s in shards]
        typed = [
            page(paged, stream="s", shard=s, type="com.example.odd", limit=200) for s in shards
        ]
        assert list(range(3, 60, 6)) == sorted(n for a in keyed for n in numbers(a))
        assert list(range(1, 60, 2)) == sorted(n for a in typed for n in numbers(a))


class TestStreamView:
    """The whole stream merged by arrival time."""

    def test_merged_by_arrival_across_pages(self, paged: EmulatorServer) -> None:
        got: list[int] = []
        after = None
        for _ in range(20):
            answer = page(paged, stream="s", limit=7, **({"after": after} if after else {}))
            got += numbers(answer)
            after = answer["next"]
            if after is None:
                break
        assert list(range(60)) == got
        assert {r["shardId"] for r in page(paged, stream="s", limit=200)["records"]} == {
            f"shardId-00000000000{i}" for i in range(3)
        }

    def test_filters_apply_to_the_merged_view(self, paged: EmulatorServer) -> None:
        answer = page(paged, stream="s", key="k0", type="com.example.even", limit=200)
        assert list(range(0, 60, 6)) == numbers(answer)
        assert None is answer["next"]

    def test_scan_is_bounded(self) -> None:
        """A filter that matches nothing reads MAX_SCAN records per shard, then hands a cursor."""
        kinesis = Kinesis()
        kinesis.create_stream("big", 1)
        for _ in range(0, MAX_SCAN + 10, 500):
            kinesis.put_records("big", [(b"x", "k", None)] * 500)
        with EmulatorServer(kinesis, port=0) as server:
            answer = page(server, stream="big", shard="shardId-000000000000", key="nope")
        assert ([], MAX_SCAN) == (answer["records"], answer["scanned"])
        assert answer["next"] is not None


class TestRecordJson:
    """One record as JSON, for copying."""

    def test_record_document(self, paged: EmulatorServer) -> None:
        first = page(paged, stream="s", limit=1)["records"][0]
        query = {"stream": "s", "shard": first["shardId"], "sequence": first["sequenceNumber"]}
        status, answer = get(paged, "/viewer/api/record?" + urlencode(query))
        assert 200 == status
        assert {"n": 0} == answer["data"]["data"]
        assert first["partitionKey"] == answer["partitionKey"]

    @pytest.mark.parametrize(
        ("query", "status"),
        [
            ({"stream": "s"}, 400),
            ({"stream": "s", "shard": "shardId-000000000000", "sequence": "1" * 56}, 400),
            ({"stream": "nope", "shard": "shardId-000000000000", "sequence": "1"}, 400),
        ],
    )
    def test_bad_queries_get_aws_shaped_errors(
        self, paged: EmulatorServer, query: dict[str, str], status: int
    ) -> None:
        got, answer = get(paged, "/viewer/api/record?" + urlencode(query))
        assert status == got
        assert answer["__type"]

    def test_bad_page_queries(self, paged: EmulatorServer) -> None:
        assert 400 == get(paged, "/viewer/api/page")[0]
        assert 400 == get(paged, "/viewer/api/page?stream=s&limit=x")[0]
        assert 400 == get(paged, "/viewer/api/page?stream=s&after=abc")[0]
