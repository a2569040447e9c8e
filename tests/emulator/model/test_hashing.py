import hashlib
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventwire_emulator.model import (
    MAX_HASH_KEY,
    HashRange,
    InvalidArgument,
    Kinesis,
    ManualClock,
    hash_partition_key,
    parse_hash_key,
)


class TestHashRange:
    """HashRange is inclusive at both ends and splits the key space exactly."""

    def test_contains_both_ends(self):
        """Both the start and the end of a range are inside it."""
        hash_range = HashRange(10, 20)
        assert (True, True) == (hash_range.contains(10), hash_range.contains(20))
        assert (False, False) == (hash_range.contains(9), hash_range.contains(21))

    def test_rejects_inverted_or_out_of_space(self):
        """Ranges must satisfy 0 <= start <= end <= 2^128-1."""
        with pytest.raises(ValueError, match="invalid hash range"):
            HashRange(5, 4)
        with pytest.raises(ValueError, match="invalid hash range"):
            HashRange(0, MAX_HASH_KEY + 1)

    @given(st.integers(1, 600))
    def test_uniform_covers_key_space_contiguously(self, count):
        """Uniform ranges are contiguous, cover 0..2^128-1 and differ in size by at most 1."""
        ranges = HashRange.uniform(count)
        assert 0 == ranges[0].start
        assert MAX_HASH_KEY == ranges[-1].end
        for left, right in itertools.pairwise(ranges):
            assert left.end + 1 == right.start
        sizes = {r.end - r.start for r in ranges}
        assert max(sizes) - min(sizes) <= 1

    def test_split_and_merge_round_trip(self):
        """Splitting then merging gives back the original range."""
        hash_range = HashRange(0, 100)
        low, high = hash_range.split(51)
        assert (HashRange(0, 50), HashRange(51, 100)) == (low, high)
        assert hash_range == high.merge(low)

    def test_split_point_must_be_inside(self):
        """A split key equal to the start leaves an empty half and is refused."""
        with pytest.raises(ValueError, match="is not in"):
            HashRange(0, 100).split(0)

    def test_merge_needs_adjacency(self):
        """Ranges with a gap cannot merge."""
        with pytest.raises(ValueError, match="not adjacent"):
            HashRange(0, 10).merge(HashRange(12, 20))


class TestHashing:
    """Partition keys hash like Kinesis: big-endian md5 of the UTF-8 bytes."""

    def test_md5_big_endian(self):
        """The hash of a key equals int(md5(utf-8), big-endian)."""
        key = "héllo"
        expected = int.from_bytes(hashlib.md5(key.encode()).digest(), "big")
        assert expected == hash_partition_key(key)

    @pytest.mark.parametrize("value", ["0", "1", str(MAX_HASH_KEY)])
    def test_parse_valid_hash_keys(self, value):
        """Decimal integers in [0, 2^128-1] parse."""
        assert int(value) == parse_hash_key(value)

    @pytest.mark.parametrize("value", ["-1", "01", "1.5", "abc", "", str(MAX_HASH_KEY + 1)])
    def test_parse_invalid_hash_keys(self, value):
        """Anything else is an InvalidArgument naming the value."""
        with pytest.raises(InvalidArgument, match="ExplicitHashKey"):
            parse_hash_key(value)


def brute_force(k: Kinesis, hash_key: int) -> str:
    matches = [
        s.shard_id
        for s in k.list_shards("s", shard_filter=_latest()).shards
        if s.hash_key_range.contains(hash_key)
    ]
    assert 1 == len(matches)
    return matches[0]


def _latest():
    from eventwire_emulator.model import ShardFilter

    return ShardFilter("AT_LATEST")


class TestRouting:
    """Records go to the open shard whose inclusive range holds their hash key."""

    def test_ends_of_every_range(self):
        """Keys at the start and end of each shard's range go to that shard."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 7)
        for shard in k.list_shards("s").shards:
            for key in (shard.hash_key_range.start, shard.hash_key_range.end):
                result = k.put_record("s", b"x", "p", explicit_hash_key=str(key))
                assert shard.shard_id == result.shard_id

    @settings(max_examples=40, deadline=None)
    @given(
        st.integers(1, 6),
        st.lists(
            st.tuples(st.booleans(), st.integers(0, 10**6), st.integers(0, MAX_HASH_KEY)),
            max_size=8,
        ),
        st.lists(st.integers(0, MAX_HASH_KEY), min_size=1, max_size=20),
    )
    def test_routing_equals_brute_force(self, count, operations, probes):
        """Routing matches a linear search over open ranges before and after splits/merges."""
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", count)
        extra_probes = []
        for do_split, pick, key in operations:
            shards = sorted(
                k.list_shards("s", shard_filter=_latest()).shards,
                key=lambda s: s.hash_key_range.start,
            )
            if do_split:
                shard = shards[pick % len(shards)]
                r = shard.hash_key_range
                if r.start == r.end:
                    continue
                at = r.start + 1 + key % (r.end - r.start)
                k.split_shard("s", shard.shard_id, str(at))
                extra_probes += [at - 1, at]
            elif len(shards) > 1:
                i = pick % (len(shards) - 1)
                k.merge_shards("s", shards[i].shard_id, shards[i + 1].shard_id)
            for probe in probes + extra_probes + [0, MAX_HASH_KEY]:
                routed = k.put_record("s", b"x", "p", explicit_hash_key=str(probe)).shard_id
                assert brute_force(k, probe) == routed
