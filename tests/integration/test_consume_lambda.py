"""Lambda events built from what the emulator stored decode like aws-kinesis-agg reads them."""

from __future__ import annotations

import base64
import json

import aws_kinesis_agg.deaggregator

from eventwire import Event, EventRegistry
from eventwire.backends import Record, aggregate, record_for
from eventwire.consume import from_lambda_event
from eventwire_emulator import EmulatorBackend, Kinesis, ManualClock, lambda_events, read_records

registry = EventRegistry()


class Shipped(Event, event_type="com.example.shipped", partition_key="order", registry=registry):
    order: str
    items: int


def _stored_stream() -> Kinesis:
    kinesis = Kinesis(clock=ManualClock())
    kinesis.create_stream("orders", 2)
    records = [record_for(Shipped(order=f"o{n}", items=n), source="test") for n in range(12)]
    plain, grouped = records[:4], records[4:]
    with EmulatorBackend(kinesis, stream="orders") as backend:
        sent = backend.publish_many(
            [*plain, aggregate(grouped[:5]), aggregate(grouped[5:]), Record(b"junk", "j")]
        )
    assert all(result.ok for result in sent)
    return kinesis


class TestLambdaEventsFromTheEmulator:
    """Typed consumption of emulator-stored records, aggregated and not."""

    def test_events_and_metadata_match_what_was_stored(self) -> None:
        """Every user record comes back once, with the shard, sequence and sub-sequence stored."""
        kinesis = _stored_stream()
        documents = lambda_events(kinesis, "orders", batch_size=3)
        # Round trip through JSON: Lambda hands the function parsed JSON, nothing richer.
        batches = [from_lambda_event(json.loads(json.dumps(d)), registry) for d in documents]
        events = [c for batch in batches for c in batch.events]
        failures = [f for batch in batches for f in batch.failures]
        stored = read_records(kinesis, "orders")
        assert [(s.shard_id, s.sequence_number, s.sub_sequence_number, s.partition_key)
                for s in stored if s.data != b"junk"] == [
            (c.metadata.shard_id, c.metadata.sequence_number, c.metadata.sub_sequence_number,
             c.metadata.partition_key) for c in events
        ]  # fmt: skip
        assert sorted(f"o{n}" for n in range(12)) == sorted(c.event.order for c in events)  # type: ignore[attr-defined]
        assert 8 == sum(c.metadata.aggregated for c in events)
        assert [b"junk"] == [f.data for f in failures]
        junk_sequence = next(s.sequence_number for s in stored if s.data == b"junk")
        responses = [b.batch_item_failures() for b in batches if b.failures]
        assert [{"batchItemFailures": [{"itemIdentifier": junk_sequence}]}] == responses

    def test_same_user_records_as_aws_kinesis_agg(self) -> None:
        """aws-kinesis-agg's Lambda deaggregation of the same documents yields the same records."""
        documents = lambda_events(_stored_stream(), "orders")
        for document in documents:
            theirs = aws_kinesis_agg.deaggregator.deaggregate_records(document["Records"])
            ours = from_lambda_event(document, registry)
            decoded = {(c.metadata.sequence_number, c.metadata.sub_sequence_number): c
                       for c in ours.events}  # fmt: skip
            failed = {(f.metadata.sequence_number, f.metadata.sub_sequence_number): f
                      for f in ours.failures}  # fmt: skip
            assert len(theirs) == len(decoded) + len(failed)
            for record in theirs:
                kinesis = record["kinesis"]
                position = (kinesis["sequenceNumber"], kinesis.get("subSequenceNumber", 0))
                data = base64.b64decode(kinesis["data"])
                if position in failed:
                    assert data == failed[position].data
                    continue
                consumed = decoded[position]
                assert kinesis["partitionKey"] == consumed.metadata.partition_key
                assert kinesis.get("aggregated", False) == consumed.metadata.aggregated
                assert registry.decode(data) == consumed.event
