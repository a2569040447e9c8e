"""SubscribeToShard limits in the model: one call a second, one live subscription, takeover."""

import threading

import pytest

from eventwire_emulator.model import (
    Kinesis,
    LimitExceeded,
    ManualClock,
    ResourceInUse,
    ResourceNotFound,
)
from eventwire_emulator.model.subscriptions import SubscriptionTable

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
S0, S1 = "shardId-000000000000", "shardId-000000000001"


@pytest.fixture
def clock():
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def k(clock):
    model = Kinesis(clock=clock)
    model.create_stream("s", 2)
    return model


@pytest.fixture
def consumer(k):
    return k.register_stream_consumer(ARN, "c").consumer_arn


class TestOpenSubscription:
    """open_subscription admits a SubscribeToShard call for an existing consumer and shard."""

    def test_handle_names_consumer_and_shard(self, k, consumer, clock):
        """The handle is active and records what it subscribes to, and when."""
        subscription = k.open_subscription(consumer, S0)
        assert (consumer, S0, clock.now(), True) == (
            subscription.consumer_arn,
            subscription.shard_id,
            subscription.started_at,
            subscription.active,
        )

    def test_unknown_consumer_or_shard(self, k, consumer):
        """A consumer or shard that does not exist is ResourceNotFound."""
        with pytest.raises(ResourceNotFound, match="ghost"):
            k.open_subscription(ARN + "/consumer/ghost:1", S0)
        with pytest.raises(ResourceNotFound, match="shardId-000000000009"):
            k.open_subscription(consumer, "shardId-000000000009")

    def test_refused_lookups_are_not_calls(self, k, consumer):
        """A call for a missing shard does not count toward the rate limit."""
        with pytest.raises(ResourceNotFound):
            k.open_subscription(consumer, "shardId-000000000009")
        assert k.open_subscription(consumer, S0).active


class TestLimits:
    """One call a second per consumer and shard; a live subscription is kept for 5 s."""

    def test_second_call_within_a_second_is_throttled(self, k, consumer, clock):
        """A call under 1 s after the last one is LimitExceeded, even once released."""
        k.open_subscription(consumer, S0).release()
        clock.advance(0.999)
        with pytest.raises(LimitExceeded, match="one call per second"):
            k.open_subscription(consumer, S0)

    def test_second_call_within_five_seconds_is_in_use(self, k, consumer, clock):
        """While a live subscription is under 5 s old, another call is ResourceInUse."""
        k.open_subscription(consumer, S0)
        clock.advance(4.999)
        with pytest.raises(ResourceInUse) as caught:
            k.open_subscription(consumer, S0)
        assert (
            "Another active subscription exists for this consumer: 000000000000:s:"
            f"{S0}:c" == caught.value.message
        )

    def test_released_subscription_frees_the_pair(self, k, consumer, clock):
        """After release, the next call a second later gets a new subscription."""
        first = k.open_subscription(consumer, S0)
        first.release()
        clock.advance(1)
        second = k.open_subscription(consumer, S0)
        assert (False, True) == (first.active, second.active)

    def test_call_after_five_seconds_takes_over(self, k, consumer, clock):
        """A call 5 s after a live subscription started takes it over; the old one fails."""
        old = k.open_subscription(consumer, S0)
        clock.advance(5)
        new = k.open_subscription(consumer, S0)
        assert (False, True) == (old.active, new.active)
        with pytest.raises(ResourceInUse, match="taken over"):
            old.check()
        new.check()

    def test_releasing_a_taken_over_subscription_keeps_the_new_one(self, k, consumer, clock):
        """The older handle's release does not free the pair its successor holds."""
        old = k.open_subscription(consumer, S0)
        clock.advance(5)
        new = k.open_subscription(consumer, S0)
        old.release()
        clock.advance(1)
        with pytest.raises(ResourceInUse):
            k.open_subscription(consumer, S0)
        assert new.active

    def test_throttled_calls_do_not_count_but_refused_ones_do(self, k, consumer, clock):
        """The rate counts every call that was not itself throttled."""
        k.open_subscription(consumer, S0)
        clock.advance(0.5)
        with pytest.raises(LimitExceeded):
            k.open_subscription(consumer, S0)
        clock.advance(0.5)
        with pytest.raises(ResourceInUse):
            k.open_subscription(consumer, S0)
        clock.advance(0.5)
        with pytest.raises(LimitExceeded):
            k.open_subscription(consumer, S0)

    def test_limits_are_per_consumer_and_shard(self, k, consumer):
        """Other shards and other consumers are independent, even at the same instant."""
        other = k.register_stream_consumer(ARN, "d").consumer_arn
        handles = [
            k.open_subscription(consumer, S0),
            k.open_subscription(consumer, S1),
            k.open_subscription(other, S0),
        ]
        assert [True] * 3 == [h.active for h in handles]

    def test_release_is_idempotent(self, k, consumer, clock):
        """Releasing twice is harmless and frees nothing a later handle holds."""
        first = k.open_subscription(consumer, S0)
        first.release()
        clock.advance(1)
        second = k.open_subscription(consumer, S0)
        first.release()
        clock.advance(1)
        with pytest.raises(ResourceInUse):
            k.open_subscription(consumer, S0)
        assert second.active

    def test_concurrent_calls_admit_one(self, k, consumer):
        """Of many simultaneous calls for one consumer and shard, exactly one succeeds."""
        outcomes: list[str] = []
        barrier = threading.Barrier(8)

        def call():
            barrier.wait()
            try:
                k.open_subscription(consumer, S0)
                outcomes.append("ok")
            except LimitExceeded:
                outcomes.append("throttled")

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert ["ok"] + ["throttled"] * 7 == sorted(outcomes)


class TestDeregistration:
    """Deregistering a consumer ends its live subscriptions with ResourceNotFound."""

    def test_live_subscriptions_end(self, k, consumer):
        """Every shard's subscription of the consumer ends; check names the consumer."""
        handles = [k.open_subscription(consumer, S0), k.open_subscription(consumer, S1)]
        k.deregister_stream_consumer(consumer_arn=consumer)
        assert [False, False] == [h.active for h in handles]
        with pytest.raises(ResourceNotFound, match=f"Consumer {consumer} was deregistered"):
            handles[0].check()

    def test_other_consumers_keep_theirs(self, k, consumer):
        """Another consumer of the same stream and shard is not touched."""
        other = k.register_stream_consumer(ARN, "d").consumer_arn
        kept = k.open_subscription(other, S0)
        k.open_subscription(consumer, S0)
        k.deregister_stream_consumer(stream_arn=ARN, consumer_name="c")
        kept.check()
        assert kept.active

    def test_registered_again_subscribes_at_once(self, k, consumer, clock):
        """A consumer registered again under its name gets a new ARN and may subscribe."""
        k.open_subscription(consumer, S0)
        k.deregister_stream_consumer(consumer_arn=consumer)
        clock.advance(1)
        again = k.register_stream_consumer(ARN, "c").consumer_arn
        assert consumer != again
        assert k.open_subscription(again, S0).active
        with pytest.raises(ResourceNotFound):
            k.open_subscription(consumer, S0)


class TestLastCallPruning:
    """Last call times are kept only while they can still throttle a call."""

    def test_calls_older_than_a_second_are_forgotten(self, clock):
        """A thousand pairs called once are forgotten by the first call a second later."""
        table = SubscriptionTable()
        for i in range(1000):
            table.open(f"consumer-{i}", S0, clock.now(), "owner").release()
        assert 1000 == table.remembered_calls()
        clock.advance(0.5)
        table.open("consumer-a", S0, clock.now(), "owner").release()
        assert 1001 == table.remembered_calls()  # nothing is old enough yet
        clock.advance(0.5)
        table.open("consumer-b", S0, clock.now(), "owner").release()
        assert 2 == table.remembered_calls()  # consumer-a (0.5 s ago) and consumer-b

    def test_pruning_keeps_the_rule(self, clock):
        """A pair called under a second ago is still throttled after a sweep."""
        table = SubscriptionTable()
        table.open("old", S0, clock.now(), "owner").release()
        clock.advance(0.6)
        table.open("recent", S0, clock.now(), "owner").release()
        clock.advance(0.6)
        table.open("sweeper", S0, clock.now(), "owner").release()
        with pytest.raises(LimitExceeded):
            table.open("recent", S0, clock.now() + 0.3, "owner")
        table.open("old", S0, clock.now(), "owner").release()
