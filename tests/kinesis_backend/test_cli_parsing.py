"""The tail's pieces on their own: GetRecords parsing, --from, the line reader, the decoder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import botocore.session
import pytest

from eventwire import ConfigurationError, InvalidEventError, MalformedRecordError, default_registry
from eventwire.backends import Record, aggregate, record_for
from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from eventwire_kinesis.cli.decoding import Decoder
from eventwire_kinesis.cli.fastparse import RecordsParserFactory
from eventwire_kinesis.cli.lines import LineReader
from eventwire_kinesis.cli.positions import Position
from eventwire_kinesis.cli.progress import count_lines
from tests.kinesis_backend.cli_events import Shipped


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    kinesis = Kinesis(quotas=False)
    kinesis.create_stream("p", 1)
    with EmulatorServer(kinesis, port=0) as running:
        yield running.url


def client(url: str, *, fast: bool):  # type: ignore[no-untyped-def]
    session = botocore.session.get_session()
    if fast:
        session.register_component("response_parser_factory", RecordsParserFactory())
    return boto3.session.Session(botocore_session=session).client(
        "kinesis",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


class TestFastParse:
    """The GetRecords fast path gives what botocore's own parser gives."""

    def test_same_records_as_botocore(self, url: str) -> None:
        plain, fast = client(url, fast=False), client(url, fast=True)
        plain.put_records(
            StreamName="p",
            Records=[{"Data": bytes([n, 0, 255]) * n, "PartitionKey": f"k{n}"} for n in range(50)],
        )
        shard = plain.list_shards(StreamName="p")["Shards"][0]["ShardId"]
        iterator = plain.get_shard_iterator(
            StreamName="p", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        expected = plain.get_records(ShardIterator=iterator)
        got = fast.get_records(ShardIterator=iterator)
        for answer in (expected, got):
            answer["ResponseMetadata"].pop("HTTPHeaders")
            answer["ResponseMetadata"].pop("RequestId")
            answer.pop("NextShardIterator")
        assert expected == got
        assert 50 == len(got["Records"])

    def test_errors_still_come_from_botocore(self, url: str) -> None:
        fast = client(url, fast=True)
        with pytest.raises(fast.exceptions.InvalidArgumentException):
            fast.get_records(ShardIterator="not-an-iterator" * 3)


NINE_THIRTY = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


class TestPosition:
    """--from values."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("trim-horizon", Position("TRIM_HORIZON")),
            ("TRIM_HORIZON", Position("TRIM_HORIZON")),
            ("latest", Position("LATEST")),
            ("2026-12-01T09:30:00Z", Position("AT_TIMESTAMP", NINE_THIRTY)),
            ("2026-12-01T09:30", Position("AT_TIMESTAMP", NINE_THIRTY)),
            ("4" * 56, Position("AT_SEQUENCE_NUMBER", sequence_number="4" * 56)),
        ],
    )  # fmt: skip
    def test_parses(self, text: str, expected: Position) -> None:
        assert expected == Position.parse(text)

    @pytest.mark.parametrize("text", ["", "soon", "2026-13-01", "12"])
    def test_rejects(self, text: str) -> None:
        with pytest.raises(ConfigurationError, match="--from"):
            Position.parse(text)


class TestLineReader:
    """Input lines become typed events (registered types) or records (others)."""

    def test_document_of_unregistered_type_is_sent_as_is(self) -> None:
        line = json.dumps(
            {"specversion": "1.0", "type": "x.y", "source": "s", "id": "1", "partitionkey": "p"}
        )
        record = LineReader().read(line)
        assert Record(line.encode(), "p", event_id="1", event_type="x.y") == record

    def test_document_of_registered_type_is_validated(self) -> None:
        document = {
            "specversion": "1.0",
            "type": Shipped.type,
            "source": "s",
            "id": "e-1",
            "data": {"order": "o-1", "items": 2},
        }
        decoded = LineReader().read(json.dumps(document))
        assert isinstance(decoded, Shipped)
        assert ("o-1", 2) == (decoded.order, decoded.items)

    def test_data_objects_with_type(self) -> None:
        typed = LineReader(event_type=Shipped.type, source="cli").read('{"order": "a", "items": 1}')
        untyped = LineReader(event_type="com.example.free", source="cli").read('{"a": 1}')
        assert isinstance(typed, Shipped)
        assert "cli" == typed.source
        assert isinstance(untyped, Record)
        assert {"a": 1} == json.loads(untyped.data)["data"]

    @pytest.mark.parametrize(
        ("line", "error", "match"),
        [
            ("{nope", MalformedRecordError, "not JSON"),
            ("[1]", MalformedRecordError, "JSON object"),
            ('{"specversion": "1.0", "type": "t", "source": "s"}', MalformedRecordError, "'id'"),
        ],
    )
    def test_bad_lines(self, line: str, error: type[Exception], match: str) -> None:
        with pytest.raises(error, match=match):
            LineReader().read(line)

    def test_bad_typed_data(self) -> None:
        with pytest.raises(InvalidEventError, match="items"):
            LineReader(event_type=Shipped.type).read('{"order": "a", "items": "x"}')


class TestDecoder:
    """Aggregated records are split; filters apply per user record."""

    def test_deaggregates_and_filters(self) -> None:
        events = [Shipped(order=f"o-{n}", items=n, source="s") for n in range(4)]
        packed = aggregate([record_for(e) for e in events])
        records = [
            {
                "SequenceNumber": "1",
                "ApproximateArrivalTimestamp": datetime(2026, 1, 1, tzinfo=UTC),
                "Data": packed.data,
                "PartitionKey": packed.partition_key,
            }
        ]
        # A hand-made GetRecords record; the stubs' TypedDict wants the optional keys too.
        decoder = Decoder(keys=("o-1", "o-3"))
        shown = list(decoder.decode("shardId-0", records))  # type: ignore[arg-type]
        assert ["o-1", "o-3"] == [s.key for s in shown]
        assert [1, 3] == [s.subsequence for s in shown]
        assert all(isinstance(s.event, Shipped) for s in shown)
        assert Shipped.type in default_registry

    @pytest.mark.parametrize(
        "data",
        [
            b'{"specversion":"1.0","type":"com.example.cli.shipped.v1","source":"s","id":"1",'
            b'"data":{"order":"x"}}',
            b'{"specversion": "1.0", "type": "com.example.cli.shipped.v1", "source": "s", '
            b'"id": "1", "data": {"order": "x", "items": "many"}}',
        ],
        ids=["compact", "spaced"],
    )
    def test_registered_type_that_does_not_fit_is_an_error(self, data: bytes) -> None:
        """Whether the quick path or the general one sees it, the failure is reported."""
        records = [
            {
                "SequenceNumber": "1",
                "ApproximateArrivalTimestamp": datetime(2026, 1, 1, tzinfo=UTC),
                "Data": data,
                "PartitionKey": "k",
            }
        ]
        decoder = Decoder()
        (shown,) = decoder.decode("shardId-0", records)  # type: ignore[arg-type]
        assert (None, 1) == (shown.event, decoder.failed)
        assert "items" in (shown.error or "")


class TestProgressTotal:
    """The progress bar's total is the file's line count; standard input has none."""

    def test_count_lines(self, tmp_path: Path) -> None:
        source = tmp_path / "in.jsonl"
        source.write_bytes(b"{}\n" * 2500)
        assert (2500, None, None) == (
            count_lines(str(source)),
            count_lines("-"),
            count_lines(str(tmp_path / "missing")),
        )


class TestPublicSurface:
    """eventwire_kinesis.cli's names change only on purpose."""

    def test_all(self) -> None:
        import eventwire_kinesis.cli

        assert ["COMMANDS", "publish", "streams", "tail"] == eventwire_kinesis.cli.__all__
        assert ["tail", "publish", "streams"] == [c.name for c in eventwire_kinesis.cli.COMMANDS]
