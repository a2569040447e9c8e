from __future__ import annotations

import pytest

from eventwire import (
    ConfigurationError,
    DeliveryError,
    Event,
    InvalidRecordError,
    PermissionDeniedError,
    Publisher,
    PublishFailure,
    StreamNotFoundError,
    ThrottledError,
    available_backends,
)
from eventwire.backends import ShardInfo, make_plugin_manager
from eventwire_emulator import EmulatorBackend, Kinesis, ManualClock, read_events, shared_emulator
from eventwire_emulator.model import hash_partition_key


class Signup(Event, event_type="test.emulator.signup", partition_key="email"):
    email: str


class Ledger(Event, event_type="test.emulator.ledger", partition_key="account", ordered=True):
    account: str
    n: int


class Big(Event, event_type="test.emulator.big", partition_key="k"):
    k: str
    blob: str


@pytest.fixture
def kinesis() -> Kinesis:
    return Kinesis(clock=ManualClock())


@pytest.fixture
def publisher(kinesis: Kinesis) -> Publisher:
    backend = EmulatorBackend(kinesis, stream="s", shard_count=4)
    return Publisher(backend, source="t", plugin_manager=make_plugin_manager())


class TestZeroConfiguration:
    """Publisher("emulator") works offline with no configuration at all."""

    def test_by_name(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The backend is discovered by name and creates its stream (4 shards) on first use."""
        monkeypatch.delenv("EVENTWIRE_STREAM", raising=False)
        assert "emulator" in available_backends()
        with Publisher("emulator", source="t") as publisher:
            receipt = publisher.publish(Signup(email="zero@example.com"))
            assert "emulator" == receipt.backend
            assert "eventwire" == receipt.stream
        shards = shared_emulator().list_shards("eventwire").shards
        assert 4 == len(shards)
        assert receipt.shard_id in {shard.shard_id for shard in shards}

    def test_options(self) -> None:
        """Stream, shard count and emulator instance can be chosen by name-based options."""
        kinesis = Kinesis()
        publisher = Publisher("emulator", stream="opt", shard_count=2, emulator=kinesis, source="t")
        publisher.publish(Signup(email="a@b"))
        assert 2 == len(kinesis.list_shards("opt").shards)

    @pytest.mark.parametrize(
        ("options", "match"),
        [
            ({"region": "x"}, "does not take"),
            ({"shard_count": 0}, "positive integer"),
            ({"emulator": "nope"}, "Kinesis"),
        ],
    )
    def test_bad_options(self, options: dict[str, object], match: str) -> None:
        """Unknown or invalid options are named."""
        with pytest.raises(ConfigurationError, match=match):
            Publisher("emulator", **options)


class TestPublishing:
    """Receipts carry real shard ids and sequence numbers."""

    def test_routing_matches_md5(self, kinesis: Kinesis, publisher: Publisher) -> None:
        """The shard of each receipt owns the MD5 of the partition key."""
        shards = publisher.backend.shards()
        assert shards is not None
        for n in range(50):
            receipt = publisher.publish(Signup(email=f"user{n}@example.com"))
            digest = hash_partition_key(f"user{n}@example.com")
            [owner] = [shard for shard in shards if shard.owns(digest)]
            assert owner.shard_id == receipt.shard_id

    def test_batch_round_trip(self, kinesis: Kinesis, publisher: Publisher) -> None:
        """A batch larger than 500 is chunked; everything reads back as equal events."""
        events = [Signup(email=f"u{n}") for n in range(1200)]
        results = publisher.publish_many(events)
        assert all(result.ok for result in results)
        assert {e.with_source("t").id for e in events} == {e.id for e in read_events(kinesis, "s")}

    def test_ordered_records_chain_sequence_numbers(self, publisher: Publisher) -> None:
        """Ordered events for one key get strictly increasing sequence numbers."""
        receipts = [publisher.publish(Ledger(account="acct-1", n=n)) for n in range(20)]
        numbers = [int(receipt.sequence_number) for receipt in receipts]
        assert sorted(numbers) == numbers
        assert 20 == len(set(numbers))

    def test_shards(self, publisher: Publisher) -> None:
        """shards() lists the open shards covering the whole hash key space."""
        shards = publisher.backend.shards()
        assert shards is not None
        assert 0 == shards[0].starting_hash_key
        assert 2**128 - 1 == shards[-1].ending_hash_key
        assert all(isinstance(shard, ShardInfo) for shard in shards)


class TestFailures:
    """Model errors become eventwire errors; batches answer every record."""

    def test_stream_not_found(self, kinesis: Kinesis, publisher: Publisher) -> None:
        """A deleted stream is a StreamNotFoundError naming stream and region."""
        kinesis.delete_stream("s")
        with pytest.raises(StreamNotFoundError, match=r"'s'.*us-east-1") as info:
            publisher.publish(Signup(email="x"))
        assert "ResourceNotFoundException" == info.value.code
        results = publisher.publish_many([Signup(email="x"), Signup(email="y")])
        assert [False, False] == [result.ok for result in results]

    @pytest.mark.parametrize(
        ("code", "error", "action"),
        [
            ("AccessDeniedException", PermissionDeniedError, "kinesis:PutRecord"),
            ("ProvisionedThroughputExceededException", ThrottledError, None),
            ("KMSThrottlingException", ThrottledError, None),
            ("InternalFailure", DeliveryError, None),
            ("KMSAccessDeniedException", PermissionDeniedError, "kms:GenerateDataKey"),
        ],
    )
    def test_injected_faults(
        self,
        kinesis: Kinesis,
        publisher: Publisher,
        code: str,
        error: type[Exception],
        action: str | None,
    ) -> None:
        """Each AWS error code maps to its eventwire error, carrying the code."""
        kinesis.faults.fail(code, operation="PutRecord")
        with pytest.raises(error) as info:
            publisher.publish(Signup(email="x"))
        assert code == getattr(info.value, "code", None)
        if action is not None:
            assert action == getattr(info.value, "action", None)

    def test_partial_failures(self, kinesis: Kinesis, publisher: Publisher) -> None:
        """Per-entry failures come back in place; the rest are delivered."""
        kinesis.faults.fail_entries("InternalFailure", every=3)
        results = publisher.publish_many([Signup(email=f"e{n}") for n in range(9)])
        failures = [result for result in results if isinstance(result, PublishFailure)]
        assert 3 == len(failures)
        assert {"InternalFailure"} == {failure.code for failure in failures}
        assert 6 == len(read_events(kinesis, "s"))

    def test_throttling_with_quotas(self, kinesis: Kinesis, publisher: Publisher) -> None:
        """With quotas on, a shard takes 1,000 records a second; the rest are throttled."""
        kinesis.quotas = True
        results = publisher.publish_many([Signup(email="same-key") for _ in range(1100)])
        throttled = [r for r in results if isinstance(r, PublishFailure)]
        assert 100 == len(throttled)
        assert all(isinstance(f.error, ThrottledError) for f in throttled)

    def test_one_bad_entry_does_not_sink_the_batch(
        self, kinesis: Kinesis, publisher: Publisher
    ) -> None:
        """A record over the stream's size limit fails alone; the others are delivered."""
        big = Big(k="k", blob="x" * (1024 * 1024))
        publisher_big = Publisher(
            publisher.backend, source="t", max_record_size=2 * 1024 * 1024,
            plugin_manager=make_plugin_manager(),
        )  # fmt: skip
        results = publisher_big.publish_many([Signup(email="a"), big, Signup(email="b")])
        assert [True, False, True] == [result.ok for result in results]
        failure = results[1]
        assert isinstance(failure, PublishFailure)
        assert isinstance(failure.error, InvalidRecordError)
        assert 2 == len(read_events(kinesis, "s"))


class TestImportCost:
    """The emulator backend and pytest plugin do not pay for boto3 until it is used."""

    def test_backend_without_boto3(self) -> None:
        """Importing the package and the backend leaves boto3 unimported; client() loads it."""
        import subprocess
        import sys

        code = (
            "import sys, eventwire_emulator, eventwire_emulator.backend, "
            "eventwire_emulator.pytest_plugin\n"
            "print('boto3' in sys.modules)\n"
            "eventwire_emulator.client\n"
            "print('boto3' in sys.modules)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        assert ["False", "True"] == out
