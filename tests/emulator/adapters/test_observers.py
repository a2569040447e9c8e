"""Read-back helpers and the viewer observe the model: no faults, quotas or call rates used."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from eventwire_emulator import read_records
from eventwire_emulator.model import InjectedFault, Kinesis, LimitExceeded, ManualClock
from eventwire_emulator.server.viewer_data import ViewerData

S0 = "shardId-000000000000"


def real_calls(kinesis: Kinesis) -> dict[str, Callable[[], object]]:
    """One real call of each operation the observers use."""
    return {
        "ListStreams": kinesis.list_streams,
        "DescribeStreamSummary": lambda: kinesis.describe_stream_summary("s"),
        "ListShards": lambda: kinesis.list_shards("s"),
        "GetShardIterator": lambda: kinesis.get_shard_iterator("s", S0, "LATEST"),
        "GetRecords": lambda: kinesis.get_records("never-reached: the fault comes first"),
        "SubscribeToShard": lambda: kinesis.read_shard("s", S0, "LATEST"),
    }


@pytest.fixture
def kinesis() -> Kinesis:
    model = Kinesis(clock=ManualClock())
    model.create_stream("s", 4)
    model.put_records("s", [(b"x", f"k{i}", None) for i in range(40)])
    model.quotas = True
    for operation in real_calls(model):
        model.faults.fail("InternalFailure", operation=operation)
    return model


def faults_left(kinesis: Kinesis) -> list[str]:
    """The operations whose scripted fault still waits for a real call."""
    left = []
    for operation, call in real_calls(kinesis).items():
        try:
            call()
        except InjectedFault:
            left.append(operation)
    return left


class TestObservers:
    """Reading back and the viewer never take a fault or a rate meant for the code under test."""

    def test_read_records_repeatedly(self, kinesis: Kinesis) -> None:
        """Ten full read-backs (over every rate and read quota) leave every fault in place."""
        for _ in range(10):
            assert 40 == len(read_records(kinesis, "s"))
        assert list(real_calls(kinesis)) == faults_left(kinesis)

    def test_viewer_polls_repeatedly(self, kinesis: Kinesis) -> None:
        """Ten polls of both viewer documents leave every fault in place."""
        viewer = ViewerData(kinesis)
        for _ in range(10):
            streams = viewer.streams()["streams"]
            viewer.records("s", S0, 5)
        assert 40 == sum(shard["records"] for shard in streams[0]["shards"])
        assert list(real_calls(kinesis)) == faults_left(kinesis)

    def test_code_under_test_is_still_limited(self, kinesis: Kinesis) -> None:
        """After a read-back, the code under test gets exactly its own rate."""
        read_records(kinesis, "s")
        kinesis.faults.clear()
        for _ in range(5):
            kinesis.list_streams()
        with pytest.raises(LimitExceeded):
            kinesis.list_streams()
