import threading

import pytest

from eventwire_emulator.model import (
    MAX_HASH_KEY,
    HashRange,
    InvalidArgument,
    Kinesis,
    LimitExceeded,
    ManualClock,
    ResourceNotFound,
    ShardFilter,
    ThroughputExceeded,
    UnsupportedInStreamMode,
)

S0, S1, S2 = (f"shardId-{i:012d}" for i in range(3))


def open_shards(k):
    return k.list_shards("s", shard_filter=ShardFilter("AT_LATEST")).shards


class TestResharding:
    """Splits, merges and UpdateShardCount close parents and open children with lineage."""

    def test_split_lineage_and_routing(self):
        """Children name their parent; the parent closes; puts go to children."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 1)
        before = k.put_record("s", b"x", "k").sequence_number
        k.split_shard("s", S0, str(2**127))
        shards = {s.shard_id: s for s in k.list_shards("s").shards}
        assert (S0, S0) == (shards[S1].parent_shard_id, shards[S2].parent_shard_id)
        assert HashRange(0, 2**127 - 1) == shards[S1].hash_key_range
        ending = shards[S0].sequence_number_range.ending_sequence_number
        assert int(ending) > int(before)
        assert int(shards[S1].sequence_number_range.starting_sequence_number) > int(ending)
        low = k.put_record("s", b"x", "k", explicit_hash_key=str(2**127 - 1))
        high = k.put_record("s", b"x", "k", explicit_hash_key=str(2**127))
        assert (S1, S2) == (low.shard_id, high.shard_id)
        assert int(low.sequence_number) > int(ending)

    def test_split_errors(self):
        """Split keys outside (start, end], closed and unknown shards are refused."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 1)
        with pytest.raises(InvalidArgument, match="NewStartingHashKey"):
            k.split_shard("s", S0, "0")
        with pytest.raises(InvalidArgument, match="NewStartingHashKey"):
            k.split_shard("s", S0, str(MAX_HASH_KEY + 1))
        # SplitShard in the API reference: an unknown shard is ResourceNotFoundException,
        # a shard already split (stream ACTIVE) InvalidArgumentException.
        with pytest.raises(ResourceNotFound, match="Could not find shard"):
            k.split_shard("s", "shardId-000000000042", "5")
        k.split_shard("s", S0, str(MAX_HASH_KEY))
        with pytest.raises(InvalidArgument, match="not eligible"):
            k.split_shard("s", S0, "5")

    def test_merge_lineage(self):
        """A merged child names both parents and covers their union."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 2)
        k.merge_shards("s", S0, S1)
        child = k.list_shards("s").shards[-1]
        assert (S2, S0, S1) == (
            child.shard_id,
            child.parent_shard_id,
            child.adjacent_parent_shard_id,
        )
        assert HashRange(0, MAX_HASH_KEY) == child.hash_key_range

    def test_merge_needs_adjacent_open_shards(self):
        """Non-adjacent, identical or closed shards cannot merge."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 3)
        with pytest.raises(InvalidArgument, match="adjacent"):
            k.merge_shards("s", S0, S2)
        with pytest.raises(InvalidArgument, match="adjacent"):
            k.merge_shards("s", S0, S0)
        k.merge_shards("s", S1, S0)
        # MergeShards in the API reference: a shard already merged is InvalidArgumentException.
        with pytest.raises(InvalidArgument, match="not eligible"):
            k.merge_shards("s", S1, S2)

    @pytest.mark.parametrize(("start", "target"), [(4, 8), (4, 2), (3, 5), (5, 3), (1, 2), (6, 4)])
    def test_update_shard_count_uniform(self, start, target):
        """UpdateShardCount ends with `target` uniform open shards and intact lineage."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", start)
        result = k.update_shard_count("s", target)
        assert (start, target) == (result.current_shard_count, result.target_shard_count)
        opened = sorted(open_shards(k), key=lambda s: s.hash_key_range.start)
        assert HashRange.uniform(target) == [s.hash_key_range for s in opened]
        everyone = {s.shard_id: s for s in k.list_shards("s").shards}
        for shard in everyone.values():
            for parent in (shard.parent_shard_id, shard.adjacent_parent_shard_id):
                if parent is not None:
                    assert everyone[parent].sequence_number_range.ending_sequence_number

    def test_update_shard_count_limits(self):
        """Targets beyond double or below half, scaling types and ON_DEMAND are refused."""
        k = Kinesis(clock=ManualClock(), shard_limit=10)
        k.create_stream("s", 4)
        with pytest.raises(LimitExceeded, match="between half and double"):
            k.update_shard_count("s", 9)
        with pytest.raises(LimitExceeded, match="between half and double"):
            k.update_shard_count("s", 1)
        with pytest.raises(InvalidArgument, match="ScalingType"):
            k.update_shard_count("s", 4, "EXPONENTIAL")
        k.create_stream("t", 4)
        with pytest.raises(LimitExceeded, match="shard limit"):
            k.update_shard_count("s", 8)

    @pytest.mark.parametrize(
        ("operation", "call"),
        [
            ("UpdateShardCount", lambda k: k.update_shard_count("od", 8)),
            ("SplitShard", lambda k: k.split_shard("od", S0, "5")),
            ("MergeShards", lambda k: k.merge_shards("od", S0, S1)),
        ],
    )
    def test_on_demand_streams_cannot_be_resharded(self, operation, call):
        """Resharding an ON_DEMAND stream raises UnsupportedInStreamMode and changes nothing."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("od", stream_mode="ON_DEMAND")
        with pytest.raises(UnsupportedInStreamMode, match="ON_DEMAND") as caught:
            call(k)
        assert (operation, "od", "ON_DEMAND") == (
            caught.value.operation,
            caught.value.stream_name,
            caught.value.stream_mode,
        )
        assert 4 == len(k.list_shards("od").shards)

    def test_resharding_works_again_after_switching_to_provisioned(self):
        """The refusal follows the stream's current mode, not the mode it was created in."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("od", stream_mode="ON_DEMAND")
        k.update_stream_mode(k.stream_arn("od"), "PROVISIONED")
        assert 8 == k.update_shard_count("od", 8).target_shard_count

    def test_children_readable_after_parents(self):
        """Reading a parent to its end, then its children, yields every record in order."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 1)
        k.put_records("s", [(b"a", f"k{i}", None) for i in range(10)])
        k.update_shard_count("s", 2)
        k.put_records("s", [(b"b", f"k{i}", None) for i in range(10)])
        parent = k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON"))
        assert 10 == len(parent.records)
        later = 0
        for child in parent.child_shards:
            later += len(
                k.get_records(k.get_shard_iterator("s", child.shard_id, "TRIM_HORIZON")).records
            )
        assert 10 == later


class TestQuotas:
    """Per-shard quotas hold on a ManualClock when switched on."""

    def test_off_by_default_and_switchable(self):
        """The model ships with quotas off; the attribute switches them at runtime."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 1)
        assert 0 == k.put_records("s", [(b"x", "k", None)] * 500).failed_record_count
        assert 0 == k.put_records("s", [(b"x", "k", None)] * 500).failed_record_count
        k.put_records("s", [(b"x", "k", None)] * 500)
        k.quotas = True
        k.put_record("s", b"x", "k")

    def test_1000_records_per_second_sliding_window(self):
        """1,000 records fit in a second; the next waits until the first leaves the window."""
        clock = ManualClock()
        k = Kinesis(clock=clock, quotas=True)
        k.create_stream("s", 1)
        assert 0 == k.put_records("s", [(b"x", "k", None)] * 500).failed_record_count
        clock.advance(0.5)
        assert 0 == k.put_records("s", [(b"x", "k", None)] * 500).failed_record_count
        result = k.put_records("s", [(b"x", "k", None)] * 2)
        assert 2 == result.failed_record_count
        error = result.records[0].error
        assert isinstance(error, ThroughputExceeded)
        assert "shardId-000000000000" == error.shard_id
        assert "shardId-000000000000" in error.message
        with pytest.raises(
            ThroughputExceeded, match="Rate exceeded for shard shardId-000000000000"
        ):
            k.put_record("s", b"x", "k")
        clock.advance(0.5)
        assert 0 == k.put_records("s", [(b"x", "k", None)] * 500).failed_record_count

    def test_one_mib_per_second(self):
        """Bytes (data plus key) are limited to 1 MiB per second per shard."""
        clock = ManualClock()
        k = Kinesis(clock=clock, quotas=True)
        k.create_stream("s", 1)
        k.put_record("s", b"x" * (1048576 - 1), "k")
        with pytest.raises(ThroughputExceeded):
            k.put_record("s", b"y", "k")
        clock.advance(1.0)
        k.put_record("s", b"y", "k")

    def test_quotas_are_per_shard(self):
        """A throttled shard does not throttle its neighbour within one request."""
        k = Kinesis(clock=ManualClock(), quotas=True)
        k.create_stream("s", 2)
        k.put_records("s", [(b"x", "k", "0")] * 500)
        k.put_records("s", [(b"x", "k", "0")] * 500)
        result = k.put_records("s", [(b"x", "k", "0"), (b"x", "k", str(MAX_HASH_KEY))])
        assert [True, False] == [r.error is not None for r in result.records]

    def test_get_records_five_calls_per_second(self):
        """The sixth GetRecords call in a second on a shard is throttled."""
        clock = ManualClock()
        k = Kinesis(clock=clock, quotas=True)
        k.create_stream("s", 1)
        it = k.get_shard_iterator("s", S0, "LATEST")
        for _ in range(5):
            it = k.get_records(it).next_shard_iterator
        with pytest.raises(ThroughputExceeded):
            k.get_records(it)
        clock.advance(1.0)
        k.get_records(it)

    def test_get_records_bytes_debt(self):
        """A big read (over 2 MiB) throttles reads until the debt is repaid at 2 MiB/s."""
        clock = ManualClock()
        k = Kinesis(clock=clock)
        k.create_stream("s", 1)
        for _ in range(6):
            k.put_record("s", b"x" * 1_000_000, "k")
        k.quotas = True
        it = k.get_shard_iterator("s", S0, "TRIM_HORIZON")
        it = k.get_records(it).next_shard_iterator
        clock.advance(1.0)
        with pytest.raises(ThroughputExceeded):
            k.get_records(it)
        clock.advance(2.0)
        k.get_records(it)


class TestThreads:
    """Many threads publishing at once keep per-shard order and lose nothing."""

    def test_concurrent_put_records(self):
        """Every record lands once, and per-shard sequence numbers increase."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 4)
        errors = []

        def worker(n):
            try:
                for i in range(20):
                    k.put_records(
                        "s", [(f"{n}-{i}-{j}".encode(), f"k{j}", None) for j in range(50)]
                    )
                    k.put_record("s", f"{n}-{i}".encode(), f"t{n}")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [] == errors
        total = 0
        for shard in open_shards(k):
            records = k.get_records(
                k.get_shard_iterator("s", shard.shard_id, "TRIM_HORIZON")
            ).records
            numbers = [int(r.sequence_number) for r in records]
            assert sorted(numbers) == numbers
            assert len(set(numbers)) == len(numbers)
            total += len(records)
        assert 8 * 20 * 51 == total
