"""RegisterStreamConsumer through the wire: request Tags are part of the registration."""

from __future__ import annotations

from eventwire_emulator.model import Kinesis
from tests.emulator.wire.conftest import Client

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"


class TestRegisterWithTags:
    """Tags in the request are applied with the consumer, all or nothing."""

    def test_tags_are_listed_on_the_consumer(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        consumer = client.ok(
            "RegisterStreamConsumer", StreamARN=ARN, ConsumerName="c", Tags={"k": "v"}
        )["Consumer"]
        assert [{"Key": "k", "Value": "v"}] == client.ok(
            "ListTagsForResource", ResourceARN=consumer["ConsumerARN"]
        )["Tags"]

    def test_too_many_tags_register_no_consumer(self, client: Client) -> None:
        # The TagMap shape allows 200 entries; the 50-tag limit is the model's.
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        tags = {f"k{i}": "v" for i in range(51)}
        status, code, message = client.error(
            "RegisterStreamConsumer", StreamARN=ARN, ConsumerName="c", Tags=tags
        )
        assert (400, "InvalidArgumentException") == (status, code)
        assert "more than 50 tags" in message
        assert [] == client.ok("ListStreamConsumers", StreamARN=ARN)["Consumers"]

    def test_no_separate_tag_resource_call(self, client: Client, kinesis: Kinesis) -> None:
        # A fault scripted for TagResource shows whether the handler tags in a second call.
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        kinesis.faults.fail("AccessDeniedException", operation="TagResource")
        client.ok("RegisterStreamConsumer", StreamARN=ARN, ConsumerName="c", Tags={"k": "v"})
        status, code, _ = client.error("TagResource", ResourceARN=ARN, Tags={"x": "y"})
        assert (400, "AccessDeniedException") == (status, code)
