"""PutRecord parameters, sequence-number chaining, receipts and the stream address."""

from __future__ import annotations

from typing import Any

import pytest

from eventwire import PublishReceipt
from eventwire.backends import records_for
from eventwire_emulator.model import Kinesis
from eventwire_kinesis import KinesisBackend
from tests.kinesis_backend.conftest import STREAM
from tests.kinesis_backend.events import Pinned, Placed, Step, rec


class TestPutRecordParameters:
    """publish sends exactly the walkthrough's put_record parameters."""

    def test_data_and_partition_key(self, backend: KinesisBackend, sent: list[Any]) -> None:
        """Data is the encoded event, PartitionKey its key; nothing else for a plain event."""
        record = rec(Placed(customer="ada", n=1))
        backend.publish(record)
        assert [
            ("PutRecord", {"StreamName": STREAM, "Data": record.data, "PartitionKey": "ada"})
        ] == sent

    def test_explicit_hash_key(self, backend: KinesisBackend, sent: list[Any]) -> None:
        """An event's explicit hash key becomes ExplicitHashKey."""
        backend.publish(rec(Pinned(n=1, hash_key="12345")))
        assert "12345" == sent[0][1]["ExplicitHashKey"]

    @pytest.mark.parametrize("checked", [False, True], ids=["list", "checked"])
    def test_explicit_hash_key_in_a_batch(
        self, backend: KinesisBackend, sent: list[Any], checked: bool
    ) -> None:
        """PutRecords entries carry ExplicitHashKey for the records that have one, only."""
        events = [Placed(customer="ada", n=1), Pinned(n=2, hash_key="12345")]
        records = records_for(events, source="tests") if checked else [rec(e) for e in events]
        backend.publish_many(records)
        [(operation, params)] = sent
        assert "PutRecords" == operation
        assert [None, "12345"] == [e.get("ExplicitHashKey") for e in params["Records"]]
        assert ["ada", "pin-2"] == [e["PartitionKey"] for e in params["Records"]]

    def test_ordered_events_chain_sequence_numbers(
        self, backend: KinesisBackend, sent: list[Any]
    ) -> None:
        """Each ordered record names the previous sequence number of its key, per key."""
        a1 = backend.publish(rec(Step(flow="a", step=1)))
        b1 = backend.publish(rec(Step(flow="b", step=1)))
        a2 = backend.publish(rec(Step(flow="a", step=2)))
        backend.publish(rec(Step(flow="a", step=3)))
        backend.publish(rec(Step(flow="b", step=2)))
        chained = [params.get("SequenceNumberForOrdering") for _, params in sent]
        assert [None, None, a1.sequence_number, a2.sequence_number, b1.sequence_number] == chained

    def test_unordered_events_carry_no_ordering(
        self, backend: KinesisBackend, sent: list[Any]
    ) -> None:
        """Events that did not ask for ordering never send SequenceNumberForOrdering."""
        backend.publish(rec(Placed(customer="ada", n=1)))
        backend.publish(rec(Placed(customer="ada", n=2)))
        assert [False, False] == ["SequenceNumberForOrdering" in p for _, p in sent]

    def test_batch_deliveries_extend_the_chain(
        self, backend: KinesisBackend, sent: list[Any]
    ) -> None:
        """An ordered record sent by publish_many becomes the predecessor of the next publish."""
        results = backend.publish_many([rec(Step(flow="a", step=n)) for n in range(3)])
        backend.publish(rec(Step(flow="a", step=3)))
        last = results[-1]
        assert isinstance(last, PublishReceipt)
        assert last.sequence_number == sent[-1][1]["SequenceNumberForOrdering"]


class TestStreamAddress:
    """The stream is addressed by name or by ARN."""

    def test_arn_is_sent_as_stream_arn(self, boto: Any, kinesis: Kinesis, sent: list[Any]) -> None:
        """Given an ARN, requests carry StreamARN and receipts the stream name."""
        backend = KinesisBackend(kinesis.stream_arn(STREAM), client=boto)
        receipt = backend.publish(rec(Placed(customer="ada", n=1)))
        backend.publish_many([rec(Placed(customer="ada", n=2))])
        assert [kinesis.stream_arn(STREAM)] * 2 == [p["StreamARN"] for _, p in sent]
        assert (STREAM, "us-east-1") == (receipt.stream, backend.region)


class TestReceipts:
    """Receipts carry where the record landed and how many attempts it took."""

    def test_receipt_fields(self, backend: KinesisBackend, kinesis: Kinesis) -> None:
        """Event id, backend, stream, shard, sequence number and one attempt."""
        record = rec(Placed(customer="ada", n=1))
        receipt = backend.publish(record)
        stored = kinesis.get_records(
            kinesis.get_shard_iterator(STREAM, receipt.shard_id, "TRIM_HORIZON")
        ).records
        assert (record.event_id, "kinesis", STREAM, 1) == (
            receipt.event_id,
            receipt.backend,
            receipt.stream,
            receipt.attempts,
        )
        assert [receipt.sequence_number] == [r.sequence_number for r in stored]
