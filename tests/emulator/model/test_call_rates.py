"""Control-plane call rates: the table against the API reference, windows, scopes, observers."""

import threading

import pytest

from eventwire_emulator.model import (
    HashRange,
    InjectedFault,
    InvalidArgument,
    Kinesis,
    LimitExceeded,
    ManualClock,
    ThroughputExceeded,
)
from eventwire_emulator.model.call_rates import CALL_RATES, DAY_SECONDS, CallRate, CallRates
from eventwire_emulator.model.quotas import CallWindow

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
T_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/t"
S0, S1 = "shardId-000000000000", "shardId-000000000001"


@pytest.fixture
def clock():
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def k(clock):
    model = Kinesis(clock=clock, shard_limit=10_000)
    model.create_stream("s", 2)
    model.create_stream("t", 1)
    model.register_stream_consumer(ARN, "c")
    model.quotas = True  # calls made with quotas off count toward nothing
    return model


def shard(i):
    return f"shardId-{i:012d}"


def prepare_streams(prefix, count, shards=1):
    def prepare(k):
        for i in range(count):
            k.create_stream(f"{prefix}{i}", shards)

    return prepare


def prepare_consumers(k):
    for i in range(8):
        k.register_stream_consumer(T_ARN, f"d{i}")


def nothing(k):
    return None


#: Operation -> (set-up made with quotas off, the i-th call). Every call succeeds.
CASES = {
    "ListShards": (nothing, lambda k, i: k.list_shards("s")),
    "DescribeStream": (nothing, lambda k, i: k.describe_stream("s")),
    "DescribeStreamSummary": (nothing, lambda k, i: k.describe_stream_summary("s")),
    "ListStreams": (nothing, lambda k, i: k.list_streams()),
    "DescribeLimits": (nothing, lambda k, i: k.describe_limits()),
    "CreateStream": (nothing, lambda k, i: k.create_stream(f"n{i}", 1)),
    "DeleteStream": (prepare_streams("del", 8), lambda k, i: k.delete_stream(f"del{i}")),
    "SplitShard": (
        prepare_streams("split", 1, 8),
        lambda k, i: k.split_shard("split0", shard(i), HashRange.uniform(8)[i].start + 1),
    ),
    "MergeShards": (
        prepare_streams("merge", 1, 16),
        lambda k, i: k.merge_shards("merge0", shard(2 * i), shard(2 * i + 1)),
    ),
    # Asking for the current count is a call but not a scaling (see the daily test).
    "UpdateShardCount": (nothing, lambda k, i: k.update_shard_count("t", 1)),
    "RegisterStreamConsumer": (nothing, lambda k, i: k.register_stream_consumer(T_ARN, f"r{i}")),
    "DeregisterStreamConsumer": (
        prepare_consumers,
        lambda k, i: k.deregister_stream_consumer(stream_arn=T_ARN, consumer_name=f"d{i}"),
    ),
    "DescribeStreamConsumer": (
        nothing,
        lambda k, i: k.describe_stream_consumer(stream_arn=ARN, consumer_name="c"),
    ),
    "ListStreamConsumers": (nothing, lambda k, i: k.list_stream_consumers(ARN)),
    "AddTagsToStream": (nothing, lambda k, i: k.add_tags_to_stream("s", {"k": str(i)})),
    "RemoveTagsFromStream": (nothing, lambda k, i: k.remove_tags_from_stream("s", ["k"])),
    "ListTagsForStream": (nothing, lambda k, i: k.list_tags_for_stream("s")),
}


class TestTable:
    """The table says what the Kinesis API reference says, operation by operation."""

    def test_documented_rates(self):
        """Scope, limit, window, what is counted and the error, for every operation."""
        documented = {
            "GetShardIterator": [("shard", 5, 1.0, "calls", "ThroughputExceeded")],
            "ListShards": [("stream", 1000, 1.0, "calls", "LimitExceeded")],
            "DescribeStream": [("account", 10, 1.0, "calls", "LimitExceeded")],
            "DescribeStreamSummary": [("account", 20, 1.0, "calls", "LimitExceeded")],
            "ListStreams": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "DescribeLimits": [("account", 1, 1.0, "calls", "LimitExceeded")],
            "CreateStream": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "DeleteStream": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "SplitShard": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "MergeShards": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "UpdateShardCount": [
                ("account", 10, 1.0, "calls", "LimitExceeded"),
                ("stream", 10, 86_400.0, "successes", "LimitExceeded"),
            ],
            "RegisterStreamConsumer": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "DeregisterStreamConsumer": [("stream", 5, 1.0, "calls", "LimitExceeded")],
            "DescribeStreamConsumer": [("stream", 20, 1.0, "calls", "LimitExceeded")],
            "ListStreamConsumers": [("stream", 5, 1.0, "calls", "LimitExceeded")],
            "AddTagsToStream": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "RemoveTagsFromStream": [("account", 5, 1.0, "calls", "LimitExceeded")],
            "ListTagsForStream": [("account", 5, 1.0, "calls", "LimitExceeded")],
        }
        assert documented == {
            operation: [(r.scope, r.limit, r.window, r.counts, r.error) for r in rates]
            for operation, rates in CALL_RATES.items()
        }

    def test_every_per_second_rate_is_exercised(self):
        """The per-operation test below covers every operation but GetShardIterator's shards."""
        assert set(CALL_RATES) - {"GetShardIterator"} == set(CASES)

    def test_rates_in_words(self):
        """Error messages say the rate plainly."""
        assert "1 call per second per account" == CallRate("account", 1).describe()
        assert "10 successful calls per rolling 24 hours per stream" == (
            CallRate("stream", 10, DAY_SECONDS, counts="successes").describe()
        )


class TestEveryOperation:
    """Each operation admits its documented number of calls a second, then LimitExceeded."""

    @pytest.mark.parametrize("operation", sorted(CASES))
    def test_limit_then_refused_then_admitted_a_second_later(self, k, clock, operation):
        """`limit` calls pass, the next is refused, and a second later calls pass again."""
        prepare, call = CASES[operation]
        k.quotas = False
        prepare(k)
        k.quotas = True
        limit = CALL_RATES[operation][0].limit
        for i in range(limit):
            call(k, i)
        with pytest.raises(LimitExceeded, match=f"Rate exceeded for {operation} on "):
            call(k, limit)
        clock.advance(1.0)
        call(k, limit + 1)

    def test_quotas_off_no_rates_and_nothing_counted(self, k):
        """With quotas off calls are unlimited, and they do not count once quotas are on."""
        k.quotas = False
        for _ in range(50):
            k.list_streams()
        k.quotas = True
        for _ in range(5):
            k.list_streams()
        with pytest.raises(LimitExceeded):
            k.list_streams()


class TestWindows:
    """Windows slide on the model clock, and refused calls count toward nothing."""

    def test_window_is_half_open(self, k, clock):
        """A call exactly one second after another no longer sees it."""
        for _ in range(5):
            k.list_streams()
        clock.advance(0.999)
        with pytest.raises(LimitExceeded):
            k.list_streams()
        clock.advance(0.001)
        k.list_streams()

    def test_refused_calls_do_not_count(self, k, clock):
        """Calls refused for the rate leave the next window's room untouched."""
        for _ in range(5):
            k.list_streams()
        clock.advance(0.5)
        for _ in range(3):
            with pytest.raises(LimitExceeded):
                k.list_streams()
        clock.advance(0.5)
        for _ in range(5):
            k.list_streams()
        with pytest.raises(LimitExceeded):
            k.list_streams()

    def test_calls_refused_for_other_reasons_count(self, k):
        """A call the operation itself refuses was still a call."""
        for _ in range(5):
            with pytest.raises(InvalidArgument):
                k.split_shard("s", S0, "0")
        with pytest.raises(LimitExceeded, match="SplitShard"):
            k.split_shard("s", S0, str(2**127))

    def test_call_window_counts_admitted_calls_only(self):
        """CallWindow admits `limit` calls per window and forgets them as it slides."""
        window = CallWindow(2, seconds=10.0)
        assert [True, True, False] == [window.admit(0.0), window.admit(5.0), window.admit(9.0)]
        assert (True, False) == (window.admit(10.0), window.is_idle(14.0))
        assert window.is_idle(20.0)


class TestScopes:
    """Account rates are shared by every stream; stream and shard rates are not."""

    def test_account_rate_spans_streams(self, k):
        """DescribeStreamSummary's 20 a second are for the whole account."""
        for i in range(20):
            k.describe_stream_summary("s" if i % 2 else "t")
        with pytest.raises(LimitExceeded, match="on account 000000000000: the limit is 20"):
            k.describe_stream_summary("t")

    def test_stream_rate_is_per_stream(self, k):
        """ListStreamConsumers on one stream leaves another's rate alone."""
        for _ in range(5):
            k.list_stream_consumers(ARN)
        with pytest.raises(LimitExceeded, match="on stream s under account 000000000000"):
            k.list_stream_consumers(ARN)
        k.list_stream_consumers(T_ARN)

    def test_stream_created_again_starts_afresh(self, k):
        """A stream deleted and created again under its old name has fresh windows."""
        for _ in range(5):
            k.list_stream_consumers(T_ARN)
        k.delete_stream("t")
        k.create_stream("t", 1)
        for _ in range(5):
            k.list_stream_consumers(T_ARN)

    def test_get_shard_iterator_per_shard_is_throughput_exceeded(self, k):
        """The sixth iterator a second for one shard is ProvisionedThroughputExceeded."""
        for _ in range(5):
            k.get_shard_iterator("s", S0, "LATEST")
        with pytest.raises(ThroughputExceeded) as caught:
            k.get_shard_iterator("s", S0, "LATEST")
        assert S0 == caught.value.shard_id
        assert f"Rate exceeded for GetShardIterator on shard {S0} in stream s" in (
            caught.value.message
        )
        for _ in range(5):
            k.get_shard_iterator("s", S1, "LATEST")


class TestUpdateShardCountPerDay:
    """Ten scalings per stream in any rolling 24 hours; calls that scale nothing are free."""

    def test_eleventh_scaling_waits_a_day(self, k, clock):
        """Ten scalings pass, the eleventh is refused until the first leaves the window."""
        first = clock.now()
        for i in range(10):
            k.update_shard_count("t", 2 if i % 2 == 0 else 1)
            clock.advance(60)
        k.update_shard_count("t", 1)  # already 1: not a scaling
        with pytest.raises(LimitExceeded, match="10 successful calls per rolling 24 hours"):
            k.update_shard_count("t", 2)
        assert 1 == k.describe_stream_summary("t").open_shard_count
        k.update_shard_count("s", 4)  # another stream has its own day
        clock.set(first + DAY_SECONDS)
        assert 2 == k.update_shard_count("t", 2).target_shard_count

    def test_refused_targets_are_not_scalings(self, k, clock):
        """A target beyond double the shards is refused and does not use up the day."""
        for _ in range(5):
            with pytest.raises(LimitExceeded, match="between half and double"):
                k.update_shard_count("t", 3)
            clock.advance(1)
        for i in range(10):
            k.update_shard_count("t", 2 if i % 2 == 0 else 1)
            clock.advance(1)


class TestCallRatesTable:
    """CallRates keeps a window only while calls are in it."""

    def test_idle_windows_are_forgotten(self, clock):
        """After a minute without calls, per-second windows go; daily windows stay."""
        rates = CallRates()
        now = clock.now()
        for serial in range(100):
            assert rates.admit("ListShards", now, stream_serial=serial) is None
        assert rates.admit("UpdateShardCount", now, stream_serial=1, counts="successes") is None
        assert 101 == len(rates)
        assert rates.admit("ListStreams", now + 61) is None
        assert 2 == len(rates)  # UpdateShardCount's daily window and ListStreams'

    def test_unknown_operation_is_unlimited(self, clock):
        """Operations without a documented rate are always admitted."""
        rates = CallRates()
        assert [None] * 100 == [rates.admit("PutRecord", clock.now()) for _ in range(100)]


class TestObserving:
    """Observations skip faults, call rates and read quotas, on this thread only."""

    def test_observations_take_no_fault(self, k):
        """A fault scripted for ListShards waits for the next real call."""
        k.faults.fail("InternalFailure", operation="ListShards")
        with k.observing():
            assert 2 == len(k.list_shards("s").shards)
        with pytest.raises(InjectedFault):
            k.list_shards("s")

    def test_observations_count_toward_no_rate_or_quota(self, k):
        """Observed reads leave every call rate and the shard read quota unused."""
        with k.observing():
            for _ in range(10):
                k.list_streams()
                iterator = k.get_shard_iterator("s", S0, "TRIM_HORIZON")
                k.get_records(iterator)
        for _ in range(5):
            k.list_streams()
            k.get_records(k.get_shard_iterator("s", S0, "TRIM_HORIZON"))

    def test_nested_blocks_and_other_threads(self, k):
        """Leaving an inner block keeps observing; another thread is not observing."""
        k.faults.fail("InternalFailure", operation="ListStreams", times=2)
        outcomes = []

        def other_thread():
            try:
                k.list_streams()
                outcomes.append("ok")
            except InjectedFault:
                outcomes.append("fault")

        with k.observing():
            with k.observing():
                k.list_streams()
            k.list_streams()
            worker = threading.Thread(target=other_thread)
            worker.start()
            worker.join()
        assert ["fault"] == outcomes
        with pytest.raises(InjectedFault):
            k.list_streams()
