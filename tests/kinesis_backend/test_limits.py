"""Backoff arithmetic, shard listing and the public surface."""

from __future__ import annotations

import random
from typing import Any

import pytest

import eventwire_kinesis
from eventwire import ConfigurationError
from eventwire_emulator.model import Kinesis
from eventwire_kinesis import KinesisBackend, RetryPolicy
from eventwire_kinesis.retry import Backoff
from tests.kinesis_backend.conftest import STREAM, FakeTime


class TestBackoff:
    """Full jitter below a doubling cap, bounded by attempts and by the deadline."""

    def test_caps_double_up_to_the_maximum(self) -> None:
        """Round n's cap is base * 2**(n-1), never above max_delay."""
        policy = RetryPolicy(base_delay=0.1, max_delay=0.5)
        assert [0.1, 0.2, 0.4, 0.5, 0.5] == [policy.cap(n) for n in range(1, 6)]

    def test_sleeps_are_jittered_within_the_cap(self) -> None:
        """Every sleep is in [0, cap] and they are not all equal."""
        fake = FakeTime()
        policy = RetryPolicy(base_delay=1.0, max_delay=1.0, deadline=1000.0)
        backoff = Backoff(policy, fake.sleep, fake.now, random.Random(1))
        for _ in range(20):
            assert backoff.wait()
        assert all(0.0 <= nap <= 1.0 for nap in fake.naps)
        assert 1 < len(set(fake.naps))

    def test_attempts_bound(self) -> None:
        """No retry once max_attempts sends were made."""
        backoff = Backoff(RetryPolicy(max_attempts=3), FakeTime().sleep, FakeTime().now)
        assert [True, True, False] == [backoff.can_retry(n) for n in (1, 2, 3)]

    def test_deadline_bound(self) -> None:
        """No sleep that would end past the deadline; no retry after it."""
        fake = FakeTime()
        policy = RetryPolicy(base_delay=4.0, max_delay=4.0, deadline=5.0)
        backoff = Backoff(policy, fake.sleep, fake.now, random.Random(0))
        while backoff.wait():
            pass
        assert 5.0 > sum(fake.naps)
        fake.clock.advance(5.0)
        assert not backoff.can_retry(1)

    @pytest.mark.parametrize(
        "bad", [{"max_attempts": 0}, {"max_attempts": True}, {"deadline": -1}, {"base_delay": "1"}]
    )
    def test_policy_validation(self, bad: dict[str, Any]) -> None:
        """Nonsense budgets are configuration errors."""
        with pytest.raises(ConfigurationError):
            RetryPolicy(**bad)


class TestShards:
    """shards() reads every ListShards page and keeps the open shards."""

    def test_pages_are_followed(self, kinesis: Kinesis, boto: Any, sent: list[Any]) -> None:
        """With two shards per page, all ten shards of a stream are found."""
        kinesis.create_stream("wide", 10)

        def small_pages(params: dict[str, Any], **_: Any) -> None:
            params["MaxResults"] = 2

        boto.meta.events.register("provide-client-params.kinesis.ListShards", small_pages)
        shards = KinesisBackend("wide", client=boto).shards()
        assert [f"shardId-{n:012d}" for n in range(10)] == [s.shard_id for s in shards]
        assert 5 == len(sent)
        assert all("NextToken" in params for _, params in sent[1:])

    def test_only_open_shards(self, kinesis: Kinesis, backend: KinesisBackend) -> None:
        """After a split, the parent is left out and the children cover its range."""
        parent = kinesis.list_shards(STREAM).shards[0]
        middle = (parent.hash_key_range.start + parent.hash_key_range.end) // 2
        kinesis.split_shard(STREAM, parent.shard_id, str(middle))
        shards = backend.shards()
        assert parent.shard_id not in [s.shard_id for s in shards]
        assert 5 == len(shards)
        assert sorted(s.starting_hash_key for s in shards) == [s.starting_hash_key for s in shards]


class TestPublicApi:
    """The public surface changes only on purpose."""

    def test_all(self) -> None:
        """The exported names."""
        assert [
            "OPTIONS",
            "GlueSchemaRegistryClient",
            "KinesisBackend",
            "KinesisSettings",
            "RetryPolicy",
            "StreamAddress",
            "__version__",
            "glue_client",
        ] == eventwire_kinesis.__all__

    def test_version_from_metadata(self) -> None:
        """The version is the distribution's."""
        from importlib.metadata import version

        assert version("eventwire-kinesis") == eventwire_kinesis.__version__
