import pytest

from eventwire_emulator.model import (
    InvalidArgument,
    IteratorExpired,
    Kinesis,
    ManualClock,
    NextTokenExpired,
    ResourceNotFound,
    ShardFilter,
    StreamNotFound,
)

S0 = "shardId-000000000000"


@pytest.fixture
def clock():
    return ManualClock(1_000_000.0)


@pytest.fixture
def k(clock):
    model = Kinesis(clock=clock)
    model.create_stream("s", 1)
    return model


def put(k, n, start=0):
    return [
        k.put_record("s", f"{i}".encode(), "p").sequence_number for i in range(start, start + n)
    ]


def read_all(k, iterator):
    return [r.data for r in k.get_records(iterator).records]


class TestIterators:
    """GetShardIterator supports the five types, and iterators are opaque and expire."""

    def test_trim_horizon_and_latest(self, k):
        """TRIM_HORIZON reads everything; LATEST only later records."""
        put(k, 3)
        horizon = k.get_shard_iterator("s", S0, "TRIM_HORIZON")
        latest = k.get_shard_iterator("s", S0, "LATEST")
        put(k, 1, start=3)
        assert [b"0", b"1", b"2", b"3"] == read_all(k, horizon)
        assert [b"3"] == read_all(k, latest)

    def test_at_and_after_sequence_number(self, k):
        """AT includes the numbered record, AFTER starts after it."""
        numbers = put(k, 3)
        at = k.get_shard_iterator(
            "s", S0, "AT_SEQUENCE_NUMBER", starting_sequence_number=numbers[1]
        )
        after = k.get_shard_iterator(
            "s", S0, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=numbers[1]
        )
        assert [b"1", b"2"] == read_all(k, at)
        assert [b"2"] == read_all(k, after)

    def test_at_timestamp(self, k, clock):
        """AT_TIMESTAMP starts at the first record that arrived at or after the time."""
        put(k, 2)
        clock.advance(10)
        mark = clock.now()
        put(k, 2, start=2)
        it = k.get_shard_iterator("s", S0, "AT_TIMESTAMP", timestamp=mark)
        assert [b"2", b"3"] == read_all(k, it)
        future = k.get_shard_iterator("s", S0, "AT_TIMESTAMP", timestamp=mark + 999)
        assert [] == read_all(k, future)

    def test_iterator_argument_errors(self, k):
        """Missing or foreign sequence numbers and bad types are InvalidArgument."""
        with pytest.raises(InvalidArgument, match="ShardIteratorType"):
            k.get_shard_iterator("s", S0, "OLDEST")
        with pytest.raises(InvalidArgument, match="required"):
            k.get_shard_iterator("s", S0, "AT_SEQUENCE_NUMBER")
        with pytest.raises(InvalidArgument, match="Timestamp is required"):
            k.get_shard_iterator("s", S0, "AT_TIMESTAMP")
        with pytest.raises(InvalidArgument, match="not allowed"):
            k.get_shard_iterator("s", S0, "LATEST", starting_sequence_number="1")
        with pytest.raises(InvalidArgument, match="StartingSequenceNumber"):
            k.get_shard_iterator("s", S0, "AT_SEQUENCE_NUMBER", starting_sequence_number="123")
        with pytest.raises(ResourceNotFound, match="shardId-000000000009"):
            k.get_shard_iterator("s", "shardId-000000000009", "LATEST")

    def test_sequence_number_of_another_shard(self):
        """A number from shard 1 used on shard 0 is refused, naming both shards."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 2)
        number = k.put_record("s", b"x", "k", explicit_hash_key=str(2**128 - 1)).sequence_number
        with pytest.raises(InvalidArgument, match="encodes shardId-000000000001"):
            k.get_shard_iterator("s", S0, "AT_SEQUENCE_NUMBER", starting_sequence_number=number)

    def test_garbage_and_tampered_iterators(self, k):
        """Iterators not issued by the model, or altered, are InvalidArgument."""
        with pytest.raises(InvalidArgument, match="ShardIterator"):
            k.get_records("garbage!")
        good = k.get_shard_iterator("s", S0, "LATEST")
        tampered = good[:-4] + ("AAAA" if good[-4:] != "AAAA" else "BBBB")
        with pytest.raises(InvalidArgument, match="ShardIterator"):
            k.get_records(tampered)

    def test_iterator_expires_after_five_minutes(self, k, clock):
        """An iterator is good for 300 seconds on the clock."""
        it = k.get_shard_iterator("s", S0, "LATEST")
        clock.advance(300)
        nxt = k.get_records(it).next_shard_iterator
        clock.advance(300.001)
        with pytest.raises(IteratorExpired, match="300000 milliseconds"):
            k.get_records(nxt)

    def test_iterator_of_deleted_stream(self, k):
        """Iterators die with their stream, even if the name is reused."""
        it = k.get_shard_iterator("s", S0, "LATEST")
        k.delete_stream("s")
        k.create_stream("s", 1)
        with pytest.raises(StreamNotFound):
            k.get_records(it)


class TestGetRecords:
    """GetRecords pages through a shard and reports lag and children."""

    def test_limit_and_continuation(self, k):
        """Limit caps a batch; the next iterator resumes after it."""
        put(k, 5)
        result = k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON"), limit=2)
        assert [b"0", b"1"] == [r.data for r in result.records]
        assert [b"2", b"3", b"4"] == read_all(k, result.next_shard_iterator)
        with pytest.raises(InvalidArgument, match="Limit"):
            k.get_records(result.next_shard_iterator, limit=10_001)

    def test_record_fields(self, k, clock):
        """Records carry number, arrival time, bytes, key and encryption type."""
        number = k.put_record("s", b"\x00\xff", "key").sequence_number
        (record,) = k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON")).records
        assert (number, clock.now(), b"\x00\xff", "key", "NONE") == (
            record.sequence_number,
            record.approximate_arrival_timestamp,
            record.data,
            record.partition_key,
            record.encryption_type,
        )

    def test_millis_behind_latest(self, k, clock):
        """Lag is now minus the last returned arrival while records remain, else 0."""
        put(k, 2)
        clock.advance(3)
        first = k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON"), limit=1)
        assert 3000 == first.millis_behind_latest
        assert 0 == k.get_records(first.next_shard_iterator).millis_behind_latest

    def test_closed_shard_end_gives_children(self, k):
        """Reading past a closed shard's end returns ChildShards and no next iterator."""
        put(k, 2)
        it = k.get_shard_iterator("s", S0, "TRIM_HORIZON")
        k.split_shard("s", S0, str(2**127))
        result = k.get_records(it)
        assert [b"0", b"1"] == [r.data for r in result.records]
        assert None is result.next_shard_iterator
        assert [("shardId-000000000001", (S0,)), ("shardId-000000000002", (S0,))] == [
            (c.shard_id, c.parent_shards) for c in result.child_shards
        ]
        latest = k.get_records(k.get_shard_iterator("s", S0, "LATEST"))
        assert ([], None) == (latest.records, latest.next_shard_iterator)

    def test_open_shard_has_no_children(self, k):
        """An open shard never reports ChildShards."""
        result = k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON"))
        assert (None, True) == (result.child_shards, result.next_shard_iterator is not None)


class TestReadShard:
    """read_shard feeds SubscribeToShard with continuation sequence numbers."""

    def test_continuation_round_trip(self, k):
        """Resuming AFTER the continuation number yields the next records."""
        put(k, 3)
        batch = k.read_shard("s", S0, "TRIM_HORIZON", limit=2)
        assert [b"0", b"1"] == [r.data for r in batch.records]
        assert batch.records[-1].sequence_number == batch.continuation_sequence_number
        rest = k.read_shard(
            "s", S0, "AFTER_SEQUENCE_NUMBER", sequence_number=batch.continuation_sequence_number
        )
        assert [b"2"] == [r.data for r in rest.records]
        empty = k.read_shard(
            "s", S0, "AFTER_SEQUENCE_NUMBER", sequence_number=rest.continuation_sequence_number
        )
        assert [] == empty.records
        assert rest.continuation_sequence_number == empty.continuation_sequence_number

    def test_empty_shard_continuation_is_usable(self, k):
        """An empty shard's continuation number is a valid AFTER position."""
        batch = k.read_shard("s", S0, "TRIM_HORIZON")
        put(k, 1)
        nxt = k.read_shard(
            "s", S0, "AFTER_SEQUENCE_NUMBER", sequence_number=batch.continuation_sequence_number
        )
        assert [b"0"] == [r.data for r in nxt.records]

    def test_closed_shard_end(self, k):
        """At a closed shard's end the continuation is None and children are given."""
        k.split_shard("s", S0, "1")
        batch = k.read_shard("s", S0, "TRIM_HORIZON")
        assert (None, 2) == (batch.continuation_sequence_number, len(batch.child_shards))


class TestRetention:
    """Records older than the retention period are trimmed lazily on the clock."""

    def test_trim_horizon_skips_expired_records(self, k, clock):
        """After 24 h, TRIM_HORIZON starts at the oldest untrimmed record."""
        put(k, 2)
        clock.advance(23 * 3600)
        put(k, 1, start=2)
        clock.advance(3600 + 1)
        assert [b"2"] == read_all(k, k.get_shard_iterator("s", S0, "TRIM_HORIZON"))

    def test_old_iterator_position_jumps_to_horizon(self, k, clock):
        """A sequence number of a trimmed record starts at the trim horizon."""
        numbers = put(k, 1)
        clock.advance(25 * 3600)
        put(k, 1, start=1)
        it = k.get_shard_iterator(
            "s", S0, "AT_SEQUENCE_NUMBER", starting_sequence_number=numbers[0]
        )
        assert [b"1"] == read_all(k, it)

    def test_retention_bounds_and_direction(self, k, clock):
        """Retention moves within 24..8760 h, increase up and decrease down only."""
        k.increase_stream_retention_period("s", 48)
        assert 48 == k.describe_stream_summary("s").retention_period_hours
        with pytest.raises(InvalidArgument, match="shorter"):
            k.increase_stream_retention_period("s", 30)
        with pytest.raises(InvalidArgument, match="longer"):
            k.decrease_stream_retention_period("s", 50)
        with pytest.raises(InvalidArgument, match="8760"):
            k.increase_stream_retention_period("s", 8761)
        with pytest.raises(InvalidArgument, match="24"):
            k.decrease_stream_retention_period("s", 23)
        put(k, 1)
        clock.advance(30 * 3600)
        assert [b"0"] == read_all(k, k.get_shard_iterator("s", S0, "TRIM_HORIZON"))
        k.decrease_stream_retention_period("s", 24)
        assert [] == read_all(k, k.get_shard_iterator("s", S0, "TRIM_HORIZON"))

    def test_trimming_many_records_compacts(self, k, clock):
        """Trimming thousands of records keeps reads correct after compaction."""
        k.put_records("s", [(b"old", "p", None)] * 500)
        for _ in range(20):
            k.put_records("s", [(b"old", "p", None)] * 500)
        clock.advance(24 * 3600 + 1)
        k.put_records("s", [(b"new", "p", None)] * 3)
        result = k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON"))
        assert [b"new"] * 3 == [r.data for r in result.records]

    def test_closed_shards_disappear_after_retention(self, k, clock):
        """A closed shard is listed until retention passes, then is gone."""
        k.split_shard("s", S0, "1")
        assert 3 == len(k.list_shards("s").shards)
        clock.advance(24 * 3600 + 1)
        assert 2 == len(k.list_shards("s").shards)
        with pytest.raises(ResourceNotFound, match=S0):
            k.get_shard_iterator("s", S0, "TRIM_HORIZON")


class TestListShards:
    """ListShards paginates with expiring tokens and filters like AWS."""

    def test_pagination(self, clock):
        """MaxResults pages; NextToken resumes; tokens expire after 300 s."""
        k = Kinesis(clock=clock)
        k.create_stream("s", 5)
        first = k.list_shards("s", max_results=2)
        second = k.list_shards(next_token=first.next_token, max_results=2)
        third = k.list_shards(next_token=second.next_token, max_results=2)
        ids = [s.shard_id for page in (first, second, third) for s in page.shards]
        assert [f"shardId-{i:012d}" for i in range(5)] == ids
        assert None is third.next_token
        clock.advance(301)
        with pytest.raises(NextTokenExpired):
            k.list_shards(next_token=first.next_token)

    def test_argument_errors(self, k):
        """NextToken excludes StreamName; one of them is required; filters are checked."""
        token = "x"
        with pytest.raises(InvalidArgument, match="NextToken cannot"):
            k.list_shards("s", next_token=token)
        with pytest.raises(InvalidArgument, match="required"):
            k.list_shards()
        with pytest.raises(InvalidArgument, match="NextToken"):
            k.list_shards(next_token="garbage")
        with pytest.raises(InvalidArgument, match="requires a ShardId"):
            k.list_shards("s", shard_filter=ShardFilter("AFTER_SHARD_ID"))
        with pytest.raises(InvalidArgument, match="ShardFilter type"):
            k.list_shards("s", shard_filter=ShardFilter("NEWEST"))
        with pytest.raises(InvalidArgument, match="MaxResults"):
            k.list_shards("s", max_results=10_001)

    def test_exclusive_start_and_after_shard_id(self, k):
        """ExclusiveStartShardId and AFTER_SHARD_ID list the shards after the id."""
        k.split_shard("s", S0, "1")
        assert ["shardId-000000000002"] == [
            s.shard_id
            for s in k.list_shards("s", exclusive_start_shard_id="shardId-000000000001").shards
        ]
        assert ["shardId-000000000002"] == [
            s.shard_id
            for s in k.list_shards(
                "s", shard_filter=ShardFilter("AFTER_SHARD_ID", shard_id="shardId-000000000001")
            ).shards
        ]

    def test_time_filters(self, k, clock):
        """AT_LATEST, AT/FROM_TRIM_HORIZON and AT/FROM_TIMESTAMP select by open interval."""
        created = clock.now()
        clock.advance(10)
        k.split_shard("s", S0, "1")
        split_at = clock.now()
        clock.advance(10)

        def ids(kind, timestamp=None):
            page = k.list_shards("s", shard_filter=ShardFilter(kind, timestamp=timestamp))
            return [int(s.shard_id[-1]) for s in page.shards]

        assert [1, 2] == ids("AT_LATEST")
        assert [0] == ids("AT_TRIM_HORIZON")
        assert [0, 1, 2] == ids("FROM_TRIM_HORIZON")
        assert [0] == ids("AT_TIMESTAMP", created + 1)
        assert [0, 1, 2] == ids("AT_TIMESTAMP", split_at)
        assert [1, 2] == ids("AT_TIMESTAMP", split_at + 1)
        assert [0, 1, 2] == ids("FROM_TIMESTAMP", created)
        assert [1, 2] == ids("FROM_TIMESTAMP", split_at + 1)
