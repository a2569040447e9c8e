import pytest

from eventwire_emulator.model import (
    InvalidArgument,
    Kinesis,
    LimitExceeded,
    ManualClock,
    NextTokenExpired,
    ResourceInUse,
    ResourceNotFound,
)

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"


@pytest.fixture
def clock():
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def k(clock):
    model = Kinesis(clock=clock)
    model.create_stream("s", 1, tags={"team": "core"})
    return model


class TestTags:
    """Stream tags: add, list with paging, remove, by name or resource ARN."""

    # The Kinesis Tag reference: keys of "Unicode letters, digits, white space, _ . / = + - % @".
    @pytest.mark.parametrize("key", ["Team", "é-ü", "a b", "x_./=+-%@", "数字1"])
    def test_tag_key_characters_allowed(self, k, key):
        k.add_tags_to_stream("s", {key: "v"})
        assert "v" == k.list_tags_for_resource(ARN)[key]

    @pytest.mark.parametrize("key", ["a:b", "aws:x", "a*b", "a#", "a\x00", "a!"])
    def test_tag_key_characters_refused(self, k, key):
        with pytest.raises(InvalidArgument, match="Invalid tag key"):
            k.add_tags_to_stream("s", {key: "v"})
        with pytest.raises(InvalidArgument, match="Invalid tag key"):
            k.tag_resource(ARN, {key: "v"})
        assert {"team": "core"} == k.list_tags_for_resource(ARN)

    def test_create_add_list_remove(self, k):
        """Tags from CreateStream and AddTagsToStream list sorted; removal ignores unknowns."""
        k.add_tags_to_stream("s", {"env": "dev", "team": "data"})
        assert [("env", "dev"), ("team", "data")] == k.list_tags_for_stream("s").tags
        k.remove_tags_from_stream("s", ["env", "missing"])
        assert {"team": "data"} == k.list_tags_for_resource(ARN)

    def test_list_paging(self, k):
        """Limit and ExclusiveStartTagKey page through tags."""
        k.add_tags_to_stream("s", {f"k{i}": "v" for i in range(5)})
        page = k.list_tags_for_stream("s", limit=2)
        assert (["k0", "k1"], True) == ([t[0] for t in page.tags], page.has_more_tags)
        rest = k.list_tags_for_stream("s", exclusive_start_tag_key="k4")
        assert (["team"], False) == ([t[0] for t in rest.tags], rest.has_more_tags)
        with pytest.raises(InvalidArgument, match="Limit"):
            k.list_tags_for_stream("s", limit=51)

    def test_fifty_tag_limit_and_shapes(self, k):
        """A stream holds at most 50 tags; keys 1..128 and values up to 256 characters."""
        k.add_tags_to_stream("s", {f"k{i}": "v" for i in range(49)})
        with pytest.raises(InvalidArgument, match="more than 50 tags"):
            k.add_tags_to_stream("s", {"one-too-many": "v"})
        k.add_tags_to_stream("s", {"team": "overwrite is fine"})
        with pytest.raises(InvalidArgument, match="tag key"):
            k.tag_resource(ARN, {"": "v"})
        with pytest.raises(InvalidArgument, match="tag value"):
            k.tag_resource(ARN, {"x": "v" * 257})

    def test_tag_resource_on_stream_and_consumer(self, k):
        """TagResource/UntagResource/ListTagsForResource work on stream and consumer ARNs."""
        consumer = k.register_stream_consumer(ARN, "reader")
        k.tag_resource(consumer.consumer_arn, {"a": "1", "b": "2"})
        k.untag_resource(consumer.consumer_arn, ["a"])
        assert {"b": "2"} == k.list_tags_for_resource(consumer.consumer_arn)
        k.tag_resource(ARN, {"x": "y"})
        assert {"team": "core", "x": "y"} == k.list_tags_for_resource(ARN)
        with pytest.raises(ResourceNotFound):
            k.list_tags_for_resource(ARN + "/consumer/ghost:1")


class TestConsumers:
    """Enhanced fan-out consumers are plain model state with AWS ARNs and limits."""

    def test_register_describe_deregister(self, k, clock):
        """A consumer is ACTIVE at once, found by ARN or by stream and name."""
        consumer = k.register_stream_consumer(ARN, "reader")
        assert f"{ARN}/consumer/reader:{int(clock.now())}" == consumer.consumer_arn
        assert ("ACTIVE", clock.now(), ARN) == (
            consumer.consumer_status,
            consumer.consumer_creation_timestamp,
            consumer.stream_arn,
        )
        assert consumer == k.describe_stream_consumer(consumer_arn=consumer.consumer_arn)
        assert consumer == k.describe_stream_consumer(stream_arn=ARN, consumer_name="reader")
        assert 1 == k.describe_stream_summary("s").consumer_count
        k.deregister_stream_consumer(consumer_arn=consumer.consumer_arn)
        with pytest.raises(ResourceNotFound, match="reader"):
            k.describe_stream_consumer(stream_arn=ARN, consumer_name="reader")

    def test_errors(self, k):
        """Duplicate names, bad names, the 20-consumer limit and ambiguous lookups fail."""
        k.register_stream_consumer(ARN, "c0")
        with pytest.raises(ResourceInUse, match="c0"):
            k.register_stream_consumer(ARN, "c0")
        with pytest.raises(InvalidArgument, match="ConsumerName"):
            k.register_stream_consumer(ARN, "bad name")
        for i in range(1, 20):
            k.register_stream_consumer(ARN, f"c{i}")
        with pytest.raises(LimitExceeded, match="20"):
            k.register_stream_consumer(ARN, "c20")
        with pytest.raises(InvalidArgument, match="ConsumerARN"):
            k.describe_stream_consumer(consumer_arn="arn:nope")
        with pytest.raises(InvalidArgument, match="not both"):
            k.describe_stream_consumer(consumer_arn="x", consumer_name="c0")
        with pytest.raises(InvalidArgument, match="both StreamARN"):
            k.deregister_stream_consumer(consumer_name="c0")

    def test_register_with_tags(self, k):
        """Tags given at registration are the new consumer's, listed by its ARN."""
        consumer = k.register_stream_consumer(ARN, "reader", tags={"b": "2", "a": "1"})
        assert {"a": "1", "b": "2"} == k.list_tags_for_resource(consumer.consumer_arn)
        assert {"team": "core"} == k.list_tags_for_resource(ARN)

    @pytest.mark.parametrize(
        ("tags", "message"),
        [
            ({f"k{i}": "v" for i in range(51)}, "more than 50 tags"),
            ({"": "v"}, "tag key"),
            ({"x": "v" * 257}, "tag value"),
        ],
    )
    def test_bad_tags_register_nothing(self, k, tags, message):
        """Registration and tagging are one step: bad tags leave no consumer behind."""
        with pytest.raises(InvalidArgument, match=message):
            k.register_stream_consumer(ARN, "reader", tags=tags)
        assert [] == k.list_stream_consumers(ARN).consumers
        assert {} == k.list_tags_for_resource(
            k.register_stream_consumer(ARN, "reader").consumer_arn
        )

    def test_stale_consumer_arn(self, k, clock):
        """A re-registered consumer has a new ARN; the old one is not found."""
        old = k.register_stream_consumer(ARN, "r")
        k.deregister_stream_consumer(stream_arn=ARN, consumer_name="r")
        clock.advance(5)
        k.register_stream_consumer(ARN, "r")
        with pytest.raises(ResourceNotFound):
            k.describe_stream_consumer(consumer_arn=old.consumer_arn)

    def test_list_paging(self, k, clock):
        """ListStreamConsumers pages in registration order with expiring tokens."""
        for i in range(3):
            k.register_stream_consumer(ARN, f"c{i}")
        first = k.list_stream_consumers(ARN, max_results=2)
        assert ["c0", "c1"] == [c.consumer_name for c in first.consumers]
        second = k.list_stream_consumers(ARN, next_token=first.next_token)
        assert (["c2"], None) == ([c.consumer_name for c in second.consumers], second.next_token)
        clock.advance(301)
        with pytest.raises(NextTokenExpired):
            k.list_stream_consumers(ARN, next_token=first.next_token)


class TestSettings:
    """Stream mode, enhanced monitoring and limits are reported back."""

    def test_enhanced_monitoring(self, k):
        """Enable/Disable report current and desired metrics; ALL expands."""
        result = k.enable_enhanced_monitoring("s", ["IncomingBytes"])
        assert ((), ("IncomingBytes",)) == (
            result.current_shard_level_metrics,
            result.desired_shard_level_metrics,
        )
        assert 7 == len(k.enable_enhanced_monitoring("s", ["ALL"]).desired_shard_level_metrics)
        assert () == k.disable_enhanced_monitoring("s", ["ALL"]).desired_shard_level_metrics
        with pytest.raises(InvalidArgument, match="ShardLevelMetrics"):
            k.enable_enhanced_monitoring("s", ["Bogus"])

    def test_update_stream_mode(self, k):
        """UpdateStreamMode switches mode and respects the on-demand limit."""
        k.update_stream_mode(ARN, "ON_DEMAND")
        assert "ON_DEMAND" == k.describe_stream_summary("s").stream_mode
        with pytest.raises(InvalidArgument, match="StreamMode"):
            k.update_stream_mode(ARN, "TURBO")
        limited = Kinesis(clock=ManualClock(), on_demand_stream_count_limit=0)
        limited.create_stream("p", 1)
        with pytest.raises(LimitExceeded, match="ON_DEMAND"):
            limited.update_stream_mode("p", "ON_DEMAND")
