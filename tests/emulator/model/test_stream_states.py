"""Streams pass through CREATING, UPDATING and DELETING for configurable delays."""

from __future__ import annotations

import pytest

from eventwire_emulator.model import (
    Kinesis,
    ManualClock,
    ResourceInUse,
    ResourceNotFound,
    StreamNotFound,
)

S0 = "shardId-000000000000"
S1 = "shardId-000000000001"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def k(clock: ManualClock) -> Kinesis:
    return Kinesis(clock=clock, create_delay=0.5, update_delay=0.5, delete_delay=0.5)


def _status(k: Kinesis, stream: str = "s") -> str:
    return k.describe_stream_summary(stream).stream_status


class TestCreating:
    """CreateStream returns with the stream CREATING (API reference, CreateStream)."""

    def test_creating_then_active(self, k: Kinesis, clock: ManualClock) -> None:
        k.create_stream("s", 2)
        assert "CREATING" == _status(k)
        assert "CREATING" == k.describe_stream("s").stream_status
        assert ["CREATING"] == [s.stream_status for s in k.list_streams().stream_summaries]
        clock.advance(0.5)
        assert "ACTIVE" == _status(k)

    def test_operations_needing_active_are_resource_in_use(self, k: Kinesis) -> None:
        # SplitShard, AddTagsToStream, DeleteStream...: "the resource must be in the ACTIVE
        # state" (ResourceInUseException in the API reference).
        k.create_stream("s", 2)
        with pytest.raises(ResourceInUse, match="not ACTIVE, instead in state CREATING"):
            k.split_shard("s", S0, "1")
        with pytest.raises(ResourceInUse, match="CREATING"):
            k.add_tags_to_stream("s", {"a": "b"})
        with pytest.raises(ResourceInUse, match="CREATING"):
            k.delete_stream("s")
        with pytest.raises(ResourceInUse, match="CREATING"):
            k.list_shards("s")

    def test_data_plane_is_not_found_while_creating(self, k: Kinesis, clock: ManualClock) -> None:
        # PutRecord and GetShardIterator model no ResourceInUseException.
        k.create_stream("s", 1)
        with pytest.raises(StreamNotFound):
            k.put_record("s", b"x", "k")
        with pytest.raises(StreamNotFound):
            k.put_records("s", [(b"x", "k", None)])
        with pytest.raises(StreamNotFound):
            k.get_shard_iterator("s", S0, "TRIM_HORIZON")
        clock.advance(0.5)
        k.put_record("s", b"x", "k")

    def test_name_stays_taken(self, k: Kinesis) -> None:
        k.create_stream("s", 1)
        with pytest.raises(ResourceInUse, match="already exists"):
            k.create_stream("s", 1)


class TestUpdating:
    """Resharding, stream mode and encryption changes pass through UPDATING."""

    @pytest.fixture(autouse=True)
    def _active(self, k: Kinesis, clock: ManualClock) -> None:
        k.create_stream("s", 2)
        clock.advance(0.5)

    @pytest.mark.parametrize(
        "change",
        [
            lambda k: k.split_shard("s", S0, "1"),
            lambda k: k.merge_shards("s", S0, S1),
            lambda k: k.update_shard_count("s", 4),
            lambda k: k.update_stream_mode("s", "ON_DEMAND"),
            lambda k: k.start_stream_encryption("s"),
        ],
        ids=["split", "merge", "scale", "mode", "encryption"],
    )
    def test_updating_then_active(self, k: Kinesis, clock: ManualClock, change) -> None:
        change(k)
        assert "UPDATING" == _status(k)
        with pytest.raises(ResourceInUse, match="instead in state UPDATING"):
            k.add_tags_to_stream("s", {"a": "b"})
        # Writes and reads go on while UPDATING, as during AWS resharding.
        put = k.put_record("s", b"x", "k")
        iterator = k.get_shard_iterator("s", put.shard_id, "TRIM_HORIZON")
        assert [b"x"] == [r.data for r in k.get_records(iterator).records]
        clock.advance(0.5)
        assert "ACTIVE" == _status(k)

    def test_a_refused_reshard_does_not_update(self, k: Kinesis) -> None:
        with pytest.raises(ResourceNotFound, match="Could not find shard"):
            k.split_shard("s", "shardId-000000000009", "1")
        assert "ACTIVE" == _status(k)


class TestDeleting:
    """DeleteStream leaves the stream DELETING, then gone."""

    def test_deleting_then_gone(self, k: Kinesis, clock: ManualClock) -> None:
        k.create_stream("s", 1)
        clock.advance(0.5)
        k.delete_stream("s")
        assert "DELETING" == _status(k)
        with pytest.raises(ResourceInUse, match="already exists"):
            k.create_stream("s", 1)
        with pytest.raises(ResourceInUse, match="DELETING"):
            k.add_tags_to_stream("s", {"a": "b"})
        clock.advance(0.5)
        with pytest.raises(StreamNotFound):
            k.describe_stream_summary("s")
        assert [] == k.list_streams().stream_names
        k.create_stream("s", 1)
        assert "CREATING" == _status(k)


class TestNoDelays:
    """With delays of 0 (the model's and the fixtures' default) streams are ACTIVE at once."""

    def test_straight_to_active(self) -> None:
        k = Kinesis(clock=ManualClock())
        k.create_stream("s", 2)
        assert "ACTIVE" == _status(k)
        k.split_shard("s", S0, "1")
        assert "ACTIVE" == _status(k)
        k.delete_stream("s")
        assert [] == k.list_streams().stream_names
