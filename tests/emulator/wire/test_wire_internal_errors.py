"""An unexpected error inside one request is that request's 500, and nothing else's."""

from __future__ import annotations

import base64

import pytest

from eventwire_emulator.model import Kinesis
from tests.emulator.wire.conftest import Client


def _data(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _records(client: Client) -> list[bytes]:
    iterator = client.ok(
        "GetShardIterator",
        StreamName="s",
        ShardId="shardId-000000000000",
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    return [
        base64.b64decode(r["Data"])
        for r in client.ok("GetRecords", ShardIterator=iterator)["Records"]
    ]


class TestInternalErrors:
    """A bug midway through a request answers 500 InternalFailure and keeps the stream whole."""

    @pytest.fixture(autouse=True)
    def _stream(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)

    def test_put_record(
        self, client: Client, kinesis: Kinesis, caplog: pytest.LogCaptureFixture
    ) -> None:
        client.ok("PutRecord", StreamName="s", Data=_data("one"), PartitionKey="k")
        kinesis.faults.break_midway("PutRecord")
        status, code, _ = client.error(
            "PutRecord", StreamName="s", Data=_data("lost"), PartitionKey="k"
        )
        assert (500, "InternalFailure") == (status, code)
        assert "emulator bug" in caplog.text
        client.ok("PutRecord", StreamName="s", Data=_data("two"), PartitionKey="k")
        assert [b"one", b"two"] == _records(client)

    def test_put_records(
        self, client: Client, kinesis: Kinesis, caplog: pytest.LogCaptureFixture
    ) -> None:
        kinesis.faults.break_midway("PutRecords")
        entries = [{"Data": _data(f"lost{n}"), "PartitionKey": "k"} for n in range(5)]
        status, code, _ = client.error("PutRecords", StreamName="s", Records=entries)
        assert (500, "InternalFailure") == (status, code)
        document = client.ok(
            "PutRecords", StreamName="s", Records=[{"Data": _data("kept"), "PartitionKey": "k"}]
        )
        assert 0 == document["FailedRecordCount"]
        assert [b"kept"] == _records(client)

    def test_api_reference_ordering_value(self, client: Client) -> None:
        # The API reference's PutRecord example sends a SequenceNumberForOrdering; a value
        # beyond any number the stream issued must not break later puts.
        for value in ("21269319989652663814458848515492872193", "9" * 128):
            put = client.ok(
                "PutRecord",
                StreamName="s",
                Data=_data("x"),
                PartitionKey="k",
                SequenceNumberForOrdering=value,
            )
            assert int(put["SequenceNumber"]) > int(value)
            client.ok("PutRecord", StreamName="s", Data=_data("y"), PartitionKey="k")
