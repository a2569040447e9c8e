import pytest

from eventwire_emulator.model import (
    HashRange,
    InvalidArgument,
    Kinesis,
    LimitExceeded,
    ManualClock,
    PutRecordsRequestEntry,
    ResourceInUse,
    ResourceNotFound,
    StreamNotFound,
)

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"


@pytest.fixture
def k():
    model = Kinesis(clock=ManualClock())
    model.create_stream("s", 2)
    return model


class TestStreams:
    """Streams are created, described, listed and deleted like AWS's."""

    def test_shard_ids_and_ranges(self, k):
        """Shard ids are zero-padded and uniform ranges cover the key space."""
        shards = k.describe_stream("s").shards
        assert ["shardId-000000000000", "shardId-000000000001"] == [s.shard_id for s in shards]
        assert HashRange.uniform(2) == [s.hash_key_range for s in shards]
        assert None is shards[0].sequence_number_range.ending_sequence_number

    def test_name_or_arn(self, k):
        """A stream is addressed by name or ARN."""
        assert ARN == k.describe_stream_summary(ARN).stream_arn
        assert "s" == k.describe_stream_summary("s").stream_name

    def test_foreign_arn_and_missing_stream(self, k):
        """ARNs of other accounts and unknown names are StreamNotFound, a ResourceNotFound."""
        with pytest.raises(StreamNotFound, match="Stream s under account 111111111111"):
            k.describe_stream("arn:aws:kinesis:us-east-1:111111111111:stream/s")
        with pytest.raises(ResourceNotFound, match="nope"):
            k.put_record("nope", b"x", "p")
        with pytest.raises(InvalidArgument, match="StreamARN"):
            k.describe_stream("arn:nonsense")

    def test_on_demand_has_four_shards(self):
        """ON_DEMAND streams start with 4 shards."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("od", stream_mode="ON_DEMAND")
        summary = k.describe_stream_summary("od")
        assert (4, "ON_DEMAND") == (summary.open_shard_count, summary.stream_mode)
        assert 1 == k.describe_limits().on_demand_stream_count

    def test_create_errors(self, k):
        """Duplicates, bad names, modes and shard counts are refused."""
        with pytest.raises(ResourceInUse, match="already exists"):
            k.create_stream("s", 1)
        with pytest.raises(InvalidArgument, match="StreamName"):
            k.create_stream("bad name", 1)
        with pytest.raises(InvalidArgument, match="ShardCount"):
            k.create_stream("t")
        with pytest.raises(InvalidArgument, match="StreamMode"):
            k.create_stream("t", 1, stream_mode="FAST")
        with pytest.raises(InvalidArgument, match="MaxRecordSizeInKiB"):
            k.create_stream("t", 1, max_record_size_in_kib=10241)

    def test_shard_and_on_demand_limits(self):
        """The account shard limit and on-demand stream limit are enforced."""
        k = Kinesis(clock=ManualClock(), shard_limit=5, on_demand_stream_count_limit=1)
        k.create_stream("a", 4)
        with pytest.raises(LimitExceeded, match="shard limit"):
            k.create_stream("b", 2)
        k.create_stream("b", 1)
        assert (5, 5) == (k.describe_limits().shard_limit, k.describe_limits().open_shard_count)
        k2 = Kinesis(clock=ManualClock(), on_demand_stream_count_limit=1)
        k2.create_stream("a", stream_mode="ON_DEMAND")
        with pytest.raises(LimitExceeded, match="ON_DEMAND"):
            k2.create_stream("b", stream_mode="ON_DEMAND")

    def test_list_streams_paginates(self, k):
        """ListStreams pages by name with HasMoreStreams and NextToken."""
        for name in ("a", "b", "c"):
            k.create_stream(name, 1)
        first = k.list_streams(limit=2)
        assert (["a", "b"], True) == (first.stream_names, first.has_more_streams)
        second = k.list_streams(next_token=first.next_token)
        assert (["c", "s"], False, None) == (
            second.stream_names,
            second.has_more_streams,
            second.next_token,
        )
        assert ["s"] == k.list_streams(exclusive_start_stream_name="c").stream_names
        assert "ACTIVE" == second.stream_summaries[0].stream_status

    def test_describe_stream_pages_shards(self, k):
        """DescribeStream honours Limit and ExclusiveStartShardId with HasMoreShards."""
        page = k.describe_stream("s", limit=1)
        assert (1, True) == (len(page.shards), page.has_more_shards)
        rest = k.describe_stream("s", exclusive_start_shard_id=page.shards[0].shard_id)
        assert (["shardId-000000000001"], False) == (
            [s.shard_id for s in rest.shards],
            rest.has_more_shards,
        )
        with pytest.raises(InvalidArgument, match="Limit"):
            k.describe_stream("s", limit=0)

    def test_delete_stream(self, k):
        """A deleted stream is gone; consumers block deletion unless enforced."""
        k.register_stream_consumer(ARN, "c")
        with pytest.raises(ResourceInUse, match="consumers"):
            k.delete_stream("s")
        k.delete_stream("s", enforce_consumer_deletion=True)
        with pytest.raises(StreamNotFound):
            k.describe_stream("s")


class TestPutLimits:
    """PutRecord(s) validate keys, sizes and counts like the API reference."""

    @pytest.mark.parametrize("key", ["", "x" * 257])
    def test_partition_key_length(self, k, key):
        """Partition keys have 1 to 256 characters."""
        with pytest.raises(InvalidArgument, match="PartitionKey"):
            k.put_record("s", b"x", key)
        with pytest.raises(InvalidArgument, match="partitionKey"):
            k.put_records("s", [PutRecordsRequestEntry(b"x", key)])

    def test_256_characters_of_multibyte_key_is_fine(self, k):
        """The limit counts characters, not bytes."""
        k.put_record("s", b"x", "é" * 256)

    def test_record_size_counts_data_and_key(self, k):
        """Data plus UTF-8 key may be exactly 1 MiB, not one byte more."""
        k.put_record("s", b"x" * (1048576 - 2), "ab")
        with pytest.raises(InvalidArgument, match="1048577"):
            k.put_record("s", b"x" * (1048576 - 1), "ab")
        with pytest.raises(InvalidArgument, match="maximum record size"):
            k.put_records("s", [(b"x" * 1048576, "a", None)])

    def test_update_max_record_size(self, k):
        """UpdateMaxRecordSize raises the limit within 1024..10240 KiB."""
        k.update_max_record_size("s", 2048)
        k.put_record("s", b"x" * (2 * 1048576 - 1), "a")
        assert 2048 == k.describe_stream_summary("s").max_record_size_in_kib
        with pytest.raises(InvalidArgument, match="MaxRecordSizeInKiB"):
            k.update_max_record_size("s", 1023)

    def test_put_records_count_and_total_size(self, k):
        """PutRecords takes 1..500 entries and at most 10 MiB in total."""
        with pytest.raises(InvalidArgument, match="between 1 and 500"):
            k.put_records("s", [])
        with pytest.raises(InvalidArgument, match="between 1 and 500"):
            k.put_records("s", [(b"x", "k", None)] * 501)
        big = (b"x" * 1048000, "k", None)
        with pytest.raises(InvalidArgument, match="10 MiB"):
            k.put_records("s", [big] * 11)
        assert 0 == k.describe_stream_summary("s").open_shard_count - 2

    def test_rejected_request_stores_nothing(self, k):
        """A request rejected in validation appends no record."""
        with pytest.raises(InvalidArgument):
            k.put_records("s", [(b"ok", "k", None), (b"x", "", None)])
        it = k.get_shard_iterator("s", "shardId-000000000000", "TRIM_HORIZON")
        it2 = k.get_shard_iterator("s", "shardId-000000000001", "TRIM_HORIZON")
        assert [] == k.get_records(it).records + k.get_records(it2).records

    def test_explicit_hash_key_validation(self, k):
        """ExplicitHashKey must be a decimal in [0, 2^128-1]."""
        with pytest.raises(InvalidArgument, match="ExplicitHashKey"):
            k.put_record("s", b"x", "k", explicit_hash_key=str(2**128))
        with pytest.raises(InvalidArgument, match="ExplicitHashKey"):
            k.put_records("s", [(b"x", "k", "-3")])

    def test_data_must_be_bytes(self, k):
        """The model takes bytes, never base64 text."""
        with pytest.raises(InvalidArgument, match="bytes"):
            k.put_record("s", "text", "k")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="bytes"):
            k.put_records("s", [("text", "k", None)])  # type: ignore[list-item]


class TestSequenceNumbers:
    """Sequence numbers look like AWS's and order records."""

    def test_format_and_ordering(self, k):
        """56-digit numbers starting 49, increasing per shard and unique per stream."""
        result = k.put_records("s", [(b"x", f"k{i}", None) for i in range(200)])
        numbers = [r.sequence_number for r in result.records]
        assert all(len(n) == 56 and n.startswith("49") for n in numbers)
        assert len(numbers) == len(set(numbers))
        for shard_id in {r.shard_id for r in result.records}:
            mine = [int(r.sequence_number) for r in result.records if r.shard_id == shard_id]
            assert sorted(mine) == mine

    def test_results_in_input_order(self, k):
        """Each result entry corresponds to the request entry at the same position."""
        result = k.put_records(
            "s", [(b"x", "k", "0"), (b"x", "k", str(2**128 - 1)), (b"x", "k", "0")]
        )
        assert ["shardId-000000000000", "shardId-000000000001", "shardId-000000000000"] == [
            r.shard_id for r in result.records
        ]

    def test_sequence_number_for_ordering(self, k):
        """A record's number exceeds the given SequenceNumberForOrdering."""
        first = k.put_record("s", b"x", "k")
        far = str(int(first.sequence_number) + 10**12)
        second = k.put_record("s", b"x", "k", sequence_number_for_ordering=far)
        assert int(second.sequence_number) > int(far)
        assert int(k.put_record("s", b"x", "k").sequence_number) > int(second.sequence_number)
        with pytest.raises(InvalidArgument, match="SequenceNumberForOrdering"):
            k.put_record("s", b"x", "k", sequence_number_for_ordering="12x")

    def test_encryption_type_in_results_and_records(self, k):
        """EncryptionType follows Start/StopStreamEncryption, per record."""
        assert "NONE" == k.put_record("s", b"a", "k", explicit_hash_key="0").encryption_type
        k.start_stream_encryption("s", "KMS", "alias/aws/kinesis")
        assert "KMS" == k.put_records("s", [(b"b", "k", "0")]).encryption_type
        assert "KMS" == k.describe_stream_summary("s").encryption_type
        k.stop_stream_encryption("s", "KMS", "alias/aws/kinesis")
        k.put_record("s", b"c", "k", explicit_hash_key="0")
        it = k.get_shard_iterator("s", "shardId-000000000000", "TRIM_HORIZON")
        assert ["NONE", "KMS", "NONE"] == [r.encryption_type for r in k.get_records(it).records]
        with pytest.raises(InvalidArgument, match="EncryptionType"):
            k.start_stream_encryption("s", "AES", "k")
