"""Limits and errors from the API reference that the other model tests leave out."""

import pytest

from eventwire_emulator.model import (
    MAX_HASH_KEY,
    InvalidArgument,
    Kinesis,
    LimitExceeded,
    ManualClock,
    NextTokenExpired,
    ResourceNotFound,
    ShardFilter,
    ThroughputExceeded,
)

MIB = 1024 * 1024
S0, S1, S2 = (f"shardId-{i:012d}" for i in range(3))


@pytest.fixture
def clock():
    return ManualClock(1_000_000.0)


@pytest.fixture
def k(clock):
    model = Kinesis(clock=clock)
    model.create_stream("s", 1)
    return model


class TestPutRecordsMaxima:
    """PutRecords accepts exactly the documented maxima, and quotas apply per entry."""

    def test_500_entries(self, k):
        """500 entries is the largest request."""
        result = k.put_records("s", [(b"x", "k", None)] * 500)
        assert (0, 500) == (result.failed_record_count, len(result.records))

    def test_entry_of_exactly_one_mib(self, k):
        """An entry of data plus key of exactly 1 MiB is accepted."""
        assert 0 == k.put_records("s", [(b"x" * (MIB - 1), "a", None)]).failed_record_count

    def test_request_of_exactly_ten_mib(self, k):
        """Ten 1 MiB entries (10 MiB in all) are accepted; one byte more is refused."""
        entry = (b"x" * (MIB - 1), "a", None)
        assert 0 == k.put_records("s", [entry] * 10).failed_record_count
        with pytest.raises(InvalidArgument, match="10 MiB"):
            k.put_records("s", [entry] * 10 + [(b"", "a", None)])

    def test_one_mib_per_second_applies_entry_by_entry(self, clock):
        """Within one request, the entry that would pass 1 MiB/s on its shard fails alone."""
        k = Kinesis(clock=clock, quotas=True)
        k.create_stream("s", 2)
        half = b"x" * (MIB // 2)
        result = k.put_records(
            "s",
            [(half, "k", "0"), (half, "k", "0"), (half, "k", str(MAX_HASH_KEY))],
        )
        assert 1 == result.failed_record_count
        assert [False, True, False] == [r.error is not None for r in result.records]
        assert isinstance(result.records[1].error, ThroughputExceeded)
        assert S0 == result.records[1].error.shard_id


class TestGetRecordsLimits:
    """GetRecords bounds Limit, returns at most 10 MiB, and throttling moves no position."""

    def test_limit_bounds(self, k):
        """Limit is 1 to 10,000."""
        k.put_record("s", b"x", "k")
        iterator = k.get_shard_iterator("s", S0, "TRIM_HORIZON")
        with pytest.raises(InvalidArgument, match="Limit"):
            k.get_records(iterator, limit=0)
        assert 1 == len(k.get_records(iterator, limit=10_000).records)

    def test_at_most_ten_mib_per_call(self, k):
        """Eleven 1 MiB records come back as ten, then the eleventh."""
        for _ in range(11):
            k.put_record("s", b"x" * (MIB - 1), "a")
        first = k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON"))
        assert 10 == len(first.records)
        second = k.get_records(first.next_shard_iterator)
        assert 1 == len(second.records)

    def test_throttled_call_keeps_the_iterator_usable(self, clock):
        """The sixth call in a second fails; the same iterator reads on a second later."""
        k = Kinesis(clock=clock, quotas=True)
        k.create_stream("s", 1)
        iterator = k.get_shard_iterator("s", S0, "TRIM_HORIZON")
        for _ in range(5):
            iterator = k.get_records(iterator).next_shard_iterator
        k.put_record("s", b"late", "k")
        with pytest.raises(ThroughputExceeded):
            k.get_records(iterator)
        clock.advance(1)
        assert [b"late"] == [r.data for r in k.get_records(iterator).records]


class TestGetShardIteratorPositions:
    """Starting positions at the edges of a shard and of its life."""

    def test_sequence_number_beyond_the_shard_did_not_come_from_this_stream(self, k):
        """A well-formed number past the shard's records is refused."""
        k.create_stream("other", 1)
        for _ in range(5):
            number = k.put_record("other", b"x", "k").sequence_number
        with pytest.raises(InvalidArgument, match="did not come from this stream"):
            k.get_shard_iterator("s", S0, "AT_SEQUENCE_NUMBER", starting_sequence_number=number)

    def test_after_the_last_record_reads_only_later_ones(self, k):
        """AFTER_SEQUENCE_NUMBER of the newest record waits for the next one."""
        last = k.put_record("s", b"old", "k").sequence_number
        iterator = k.get_shard_iterator(
            "s", S0, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=last
        )
        k.put_record("s", b"new", "k")
        assert [b"new"] == [r.data for r in k.get_records(iterator).records]

    def test_latest_on_a_closed_shard_is_its_end(self, k):
        """LATEST on a closed shard reads nothing and names the children, no next iterator."""
        k.put_record("s", b"x", "k")
        k.split_shard("s", S0, str(2**127))
        result = k.get_records(k.get_shard_iterator("s", S0, "LATEST"))
        assert ([], None) == (result.records, result.next_shard_iterator)
        assert [S1, S2] == [child.shard_id for child in result.child_shards]

    def test_at_timestamp_before_the_first_record_reads_all(self, k, clock):
        """A timestamp older than every record starts at the first one."""
        before = clock.now() - 60
        k.put_record("s", b"a", "k")
        k.put_record("s", b"b", "k")
        iterator = k.get_shard_iterator("s", S0, "AT_TIMESTAMP", timestamp=before)
        assert [b"a", b"b"] == [r.data for r in k.get_records(iterator).records]


class TestListShardsArguments:
    """ListShards refuses argument combinations the API reference rules out."""

    def test_max_results_bounds(self, k):
        """MaxResults is 1 to 10,000."""
        with pytest.raises(InvalidArgument, match="MaxResults"):
            k.list_shards("s", max_results=0)
        assert 1 == len(k.list_shards("s", max_results=10_000).shards)

    def test_exclusive_start_with_a_filter(self, k):
        """ExclusiveStartShardId cannot be combined with ShardFilter."""
        with pytest.raises(InvalidArgument, match="cannot be combined with ShardFilter"):
            k.list_shards("s", exclusive_start_shard_id=S0, shard_filter=ShardFilter("AT_LATEST"))

    def test_next_token_with_exclusive_start(self, k):
        """NextToken cannot be combined with ExclusiveStartShardId."""
        k.split_shard("s", S0, "1")
        token = k.list_shards("s", max_results=1).next_token
        with pytest.raises(InvalidArgument, match="NextToken cannot"):
            k.list_shards(next_token=token, exclusive_start_shard_id=S0)

    @pytest.mark.parametrize(
        ("shard_filter", "message"),
        [
            (ShardFilter("AT_LATEST", shard_id=S0), "does not take a ShardId"),
            (ShardFilter("AT_TRIM_HORIZON", timestamp=1.0), "does not take a Timestamp"),
            (ShardFilter("AT_TIMESTAMP"), "requires a Timestamp"),
            (ShardFilter("FROM_TIMESTAMP"), "requires a Timestamp"),
        ],
    )
    def test_filter_fields(self, k, shard_filter, message):
        """Each filter type takes exactly the fields it needs."""
        with pytest.raises(InvalidArgument, match=message):
            k.list_shards("s", shard_filter=shard_filter)

    def test_stream_creation_timestamp_must_match(self, k, clock):
        """A StreamCreationTimestamp other than the stream's is ResourceNotFound."""
        assert 1 == len(k.list_shards("s", stream_creation_timestamp=clock.now()).shards)
        with pytest.raises(ResourceNotFound, match="created at"):
            k.list_shards("s", stream_creation_timestamp=clock.now() - 1)

    def test_next_token_of_a_recreated_stream(self, k):
        """A token outlives neither its stream nor a new stream of the same name."""
        k.split_shard("s", S0, "1")
        token = k.list_shards("s", max_results=1).next_token
        k.delete_stream("s")
        k.create_stream("s", 3)
        with pytest.raises(NextTokenExpired, match="deleted"):
            k.list_shards(next_token=token)

    def test_filter_carries_over_pages(self, k):
        """A filtered listing pages through the filtered shards only."""
        k.split_shard("s", S0, "1")
        first = k.list_shards("s", max_results=1, shard_filter=ShardFilter("AT_LATEST"))
        second = k.list_shards(next_token=first.next_token, max_results=1)
        assert ([S1], [S2], None) == (
            [s.shard_id for s in first.shards],
            [s.shard_id for s in second.shards],
            second.next_token,
        )


class TestReshardingLimits:
    """Resharding errors the resharding tests leave out."""

    def test_split_respects_the_account_shard_limit(self, clock):
        """A split that would pass the account's open-shard limit is LimitExceeded."""
        k = Kinesis(clock=clock, shard_limit=2)
        k.create_stream("s", 2)
        with pytest.raises(LimitExceeded, match="shard limit"):
            k.split_shard("s", S0, "1")
        assert 2 == len(k.list_shards("s").shards)

    def test_merge_unknown_shard(self, k):
        """Merging a shard the stream never had is ResourceNotFound (MergeShards, API reference)."""
        with pytest.raises(ResourceNotFound, match="Could not find shard"):
            k.merge_shards("s", S0, "shardId-000000000042")

    def test_update_shard_count_target_at_least_one(self, k):
        """TargetShardCount must be positive."""
        with pytest.raises(InvalidArgument, match="at least 1"):
            k.update_shard_count("s", 0)

    def test_update_shard_count_to_the_current_count_changes_nothing(self, k):
        """Asking for the current count succeeds and reshards nothing."""
        result = k.update_shard_count("s", 1)
        assert ((1, 1), [S0]) == (
            (result.current_shard_count, result.target_shard_count),
            [s.shard_id for s in k.list_shards("s").shards],
        )

    def test_update_shard_count_above_10000(self, clock):
        """No stream scales past 10,000 shards, even within double its count."""
        k = Kinesis(clock=clock, shard_limit=20_000)
        k.create_stream("s", 5001)
        with pytest.raises(LimitExceeded, match="exceeds 10000"):
            k.update_shard_count("s", 10_002)

    def test_create_stream_above_10000_shards(self, clock):
        """CreateStream takes at most 10,000 shards."""
        k = Kinesis(clock=clock, shard_limit=20_000)
        with pytest.raises(LimitExceeded, match="10000 shards per stream"):
            k.create_stream("s", 10_001)
