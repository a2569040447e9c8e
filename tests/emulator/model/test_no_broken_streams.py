"""No request leaves a stream broken: any valid ordering value, and rollback after a bug."""

from __future__ import annotations

import pytest

from eventwire_emulator.model import (
    FaultInjector,
    InjectedBug,
    InvalidArgument,
    Kinesis,
    ManualClock,
)


@pytest.fixture
def faults() -> FaultInjector:
    return FaultInjector()


@pytest.fixture
def k(faults: FaultInjector) -> Kinesis:
    model = Kinesis(clock=ManualClock(), faults=faults)
    model.create_stream("s", 2)
    return model


def _everything(k: Kinesis, stream: str = "s") -> tuple[object, ...]:
    """What a client can observe of a stream: description, records per shard, tags."""
    description = k.describe_stream(stream)
    records = []
    for shard in k.list_shards(stream).shards:
        iterator = k.get_shard_iterator(stream, shard.shard_id, "TRIM_HORIZON")
        records.append([(r.sequence_number, r.data) for r in k.get_records(iterator).records])
    return description, records, k.list_tags_for_stream(stream), k.describe_stream_summary(stream)


# The botocore model's SequenceNumber shape (service-2.json): pattern "0|([1-9]\d{0,128})".
ORDERING_VALUES = [
    "0",
    "21269319989652663814458848515492872193",  # shaped like the API reference's example
    "49" + "9" * 54,  # the largest 56-digit number this model issues by itself
    "1" + "0" * 60,
    "9" * 128,
]


class TestSequenceNumberForOrdering:
    """Any valid SequenceNumberForOrdering is accepted and the returned number exceeds it."""

    @pytest.mark.parametrize("value", ORDERING_VALUES, ids=lambda v: f"{len(v)}-digits")
    def test_any_valid_value(self, k: Kinesis, value: str) -> None:
        # PutRecord in the API reference: "Guarantees strictly increasing sequence numbers".
        put = k.put_record("s", b"a", "k", sequence_number_for_ordering=value)
        assert int(put.sequence_number) > int(value)
        later = k.put_record("s", b"b", "k")
        batch = k.put_records("s", [(b"c", "k", None)])
        assert int(later.sequence_number) > int(put.sequence_number)
        assert int(batch.records[0].sequence_number or 0) > int(later.sequence_number)
        iterator = k.get_shard_iterator(
            "s", put.shard_id, "AT_SEQUENCE_NUMBER", starting_sequence_number=put.sequence_number
        )
        assert [b"a", b"b", b"c"] == [r.data for r in k.get_records(iterator).records]

    def test_malformed_value_is_rejected(self, k: Kinesis) -> None:
        with pytest.raises(InvalidArgument, match="SequenceNumberForOrdering"):
            k.put_record("s", b"x", "k", sequence_number_for_ordering="12x")
        assert 0 == len(
            k.get_records(k.get_shard_iterator("s", "shardId-000000000000", "TRIM_HORIZON")).records
        )


class TestRollbackAfterABug:
    """An unexpected error midway through an operation leaves the model as it was."""

    def test_put_record(self, k: Kinesis, faults: FaultInjector) -> None:
        k.put_record("s", b"before", "k")
        before = _everything(k)
        faults.break_midway("PutRecord")
        with pytest.raises(InjectedBug):
            k.put_record("s", b"lost", "k", sequence_number_for_ordering="9" * 100)
        assert before == _everything(k)
        assert int(k.put_record("s", b"after", "k").sequence_number) < 10**56

    def test_put_records(self, k: Kinesis, faults: FaultInjector) -> None:
        k.put_records("s", [(b"x", str(n), None) for n in range(10)])
        before = _everything(k)
        faults.break_midway("PutRecords")
        with pytest.raises(InjectedBug):
            k.put_records("s", [(b"lost", str(n), None) for n in range(50)])
        assert before == _everything(k)
        assert 0 == k.put_records("s", [(b"y", "k", None)]).failed_record_count

    @pytest.mark.parametrize(
        ("operation", "call"),
        [
            ("SplitShard", lambda k: k.split_shard("s", "shardId-000000000000", 2**126)),
            (
                "MergeShards",
                lambda k: k.merge_shards("s", "shardId-000000000000", "shardId-000000000001"),
            ),
            ("UpdateShardCount", lambda k: k.update_shard_count("s", 3)),
            ("AddTagsToStream", lambda k: k.add_tags_to_stream("s", {"a": "b"})),
            (
                "IncreaseStreamRetentionPeriod",
                lambda k: k.increase_stream_retention_period("s", 48),
            ),
            ("StartStreamEncryption", lambda k: k.start_stream_encryption("s")),
            ("EnableEnhancedMonitoring", lambda k: k.enable_enhanced_monitoring("s", ["ALL"])),
            ("UpdateStreamMode", lambda k: k.update_stream_mode("s", "ON_DEMAND")),
        ],
    )
    def test_control_plane(self, k: Kinesis, faults: FaultInjector, operation, call) -> None:
        k.put_records("s", [(b"x", str(n), None) for n in range(10)])
        before = _everything(k)
        faults.break_midway(operation)
        with pytest.raises(InjectedBug):
            call(k)
        assert before == _everything(k)
        call(k)  # the same call succeeds once the bug is gone
        assert before != _everything(k)

    def test_consumers(self, k: Kinesis, faults: FaultInjector) -> None:
        arn = k.describe_stream_summary("s").stream_arn
        faults.break_midway("RegisterStreamConsumer")
        with pytest.raises(InjectedBug):
            k.register_stream_consumer(arn, "c")
        assert [] == k.list_stream_consumers(arn).consumers
        k.register_stream_consumer(arn, "c")
        faults.break_midway("DeregisterStreamConsumer")
        with pytest.raises(InjectedBug):
            k.deregister_stream_consumer(stream_arn=arn, consumer_name="c")
        assert ["c"] == [c.consumer_name for c in k.list_stream_consumers(arn).consumers]

    def test_create_and_delete_stream(self, k: Kinesis, faults: FaultInjector) -> None:
        faults.break_midway("CreateStream")
        with pytest.raises(InjectedBug):
            k.create_stream("t", 1)
        assert ["s"] == k.list_streams().stream_names
        faults.break_midway("DeleteStream")
        with pytest.raises(InjectedBug):
            k.delete_stream("s")
        assert ["s"] == k.list_streams().stream_names
