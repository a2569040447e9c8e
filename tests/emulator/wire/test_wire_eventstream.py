"""Event-stream framing and SubscribeToShard, decoded with botocore's own parser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import pytest
from botocore.eventstream import EventStreamBuffer, EventStreamMessage

from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import SubscriptionPolicy, Wire
from eventwire_emulator.wire.eventstream import (
    encode_header,
    encode_message,
    event_message,
    exception_message,
)
from tests.emulator.wire.conftest import JSON_HEADERS, TARGET, Client


def headers(message: EventStreamMessage) -> dict[str, Any]:
    # botocore-stubs types EventStreamMessage.headers as int; it is a dict.
    return cast("dict[str, Any]", message.headers)


def decode(chunks: Iterator[bytes] | bytes) -> list[EventStreamMessage]:
    buffer = EventStreamBuffer()
    for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
        buffer.add_data(chunk)
    return list(buffer)


class TestFraming:
    """Messages decode with botocore, CRCs and lengths included."""

    def test_round_trip(self) -> None:
        (message,) = decode(encode_message([("a", "1"), (":event-type", "Ping")], b"payload"))
        assert {"a": "1", ":event-type": "Ping"} == headers(message)
        assert b"payload" == message.payload

    def test_several_messages_in_one_buffer(self) -> None:
        data = event_message("A", b"{}") + event_message("B", b"[]")
        assert ["A", "B"] == [headers(m)[":event-type"] for m in decode(data)]

    def test_byte_at_a_time(self) -> None:
        data = event_message("A", b'{"x":1}')
        (message,) = decode(iter([data[i : i + 1] for i in range(len(data))]))
        assert b'{"x":1}' == message.payload

    def test_event_headers(self) -> None:
        (message,) = decode(event_message("SubscribeToShardEvent", b"{}"))
        assert {
            ":event-type": "SubscribeToShardEvent",
            ":content-type": "application/json",
            ":message-type": "event",
        } == headers(message)

    def test_exception_headers(self) -> None:
        (message,) = decode(exception_message("ResourceNotFoundException", b'{"message":"m"}'))
        assert "exception" == headers(message)[":message-type"]
        assert "ResourceNotFoundException" == headers(message)[":exception-type"]

    def test_total_length_and_prelude(self) -> None:
        data = encode_message([], b"xyz")
        assert (len(data), 0) == (int.from_bytes(data[:4], "big"), int.from_bytes(data[4:8], "big"))

    def test_header_value_too_long(self) -> None:
        with pytest.raises(ValueError, match="too long"):
            encode_header("h", "x" * 70000)


def subscribe(wire: Wire, **members: Any) -> Any:
    return wire.handle(TARGET + "SubscribeToShard", json.dumps(members).encode(), JSON_HEADERS)


@pytest.fixture
def consumer_arn(client: Client) -> str:
    client.ok("CreateStream", StreamName="s", ShardCount=1)
    arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
    return str(
        client.ok("RegisterStreamConsumer", StreamARN=arn, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
    )


def events(messages: list[EventStreamMessage]) -> list[dict[str, Any]]:
    return [
        json.loads(m.payload)
        for m in messages
        if headers(m)[":event-type"] == "SubscribeToShardEvent"
    ]


class TestSubscribeToShard:
    """A subscription is an initial response, then record events until it ends."""

    def test_reads_records_then_ends_after_five_minutes(
        self, wire: Wire, client: Client, consumer_arn: str, clock: ManualClock
    ) -> None:
        client.ok("PutRecord", StreamName="s", Data="aGk=", PartitionKey="k")
        start = clock.now()
        response = subscribe(
            wire,
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "TRIM_HORIZON"},
        )
        assert (200, True) == (response.status, response.is_stream)
        assert "application/vnd.amazon.eventstream" == response.headers["Content-Type"]
        messages = decode(response.body)
        assert ("initial-response", b"{}") == (
            headers(messages[0])[":event-type"],
            messages[0].payload,
        )
        first, *rest = events(messages)
        assert ["aGk="] == [r["Data"] for r in first["Records"]]
        assert first["Records"][0]["SequenceNumber"] == first["ContinuationSequenceNumber"]
        assert 0 == first["MillisBehindLatest"]
        assert all(event["Records"] == [] for event in rest)
        # Heartbeats every 5 s of model time, for the five minutes a subscription lasts.
        assert 300 / 5 == pytest.approx(len(rest), abs=1)
        assert clock.now() - start == pytest.approx(300, abs=1)

    def test_records_put_while_subscribed_arrive(
        self, wire: Wire, client: Client, consumer_arn: str
    ) -> None:
        response = subscribe(
            wire,
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        body = response.body
        assert not isinstance(body, bytes)
        buffer = EventStreamBuffer()
        for _ in range(2):  # initial-response, first (empty) event
            buffer.add_data(next(body))
        client.ok("PutRecord", StreamName="s", Data="aGk=", PartitionKey="k")
        buffer.add_data(next(body))
        response.close()
        assert ["aGk="] == [r["Data"] for r in events(list(buffer))[-1]["Records"]]

    def test_closed_shard_ends_with_child_shards(
        self, wire: Wire, client: Client, consumer_arn: str
    ) -> None:
        client.ok("PutRecord", StreamName="s", Data="aGk=", PartitionKey="k")
        client.ok(
            "SplitShard",
            StreamName="s",
            ShardToSplit="shardId-000000000000",
            NewStartingHashKey=str(2**127),
        )
        response = subscribe(
            wire,
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "TRIM_HORIZON"},
        )
        last = events(decode(response.body))[-1]
        assert "ContinuationSequenceNumber" not in last
        assert ["shardId-000000000001", "shardId-000000000002"] == [
            child["ShardId"] for child in last["ChildShards"]
        ]
        assert [["shardId-000000000000"]] * 2 == [c["ParentShards"] for c in last["ChildShards"]]

    def test_stream_deleted_mid_subscription_ends_with_an_exception_event(
        self, wire: Wire, client: Client, consumer_arn: str
    ) -> None:
        response = subscribe(
            wire,
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        body = response.body
        assert not isinstance(body, bytes)
        next(body), next(body)
        client.ok("DeleteStream", StreamName="s", EnforceConsumerDeletion=True)
        (message,) = decode(b"".join(body))
        assert ("exception", "ResourceNotFoundException") == (
            headers(message)[":message-type"],
            headers(message)[":exception-type"],
        )

    def test_deregistered_consumer_ends_with_an_exception_event(
        self, wire: Wire, client: Client, consumer_arn: str
    ) -> None:
        response = subscribe(
            wire,
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        body = response.body
        assert not isinstance(body, bytes)
        next(body), next(body)  # initial-response, first event
        client.ok("DeregisterStreamConsumer", ConsumerARN=consumer_arn)
        (message,) = decode(b"".join(body))
        assert ("exception", "ResourceNotFoundException") == (
            headers(message)[":message-type"],
            headers(message)[":exception-type"],
        )
        assert f"Consumer {consumer_arn} was deregistered" in json.loads(message.payload)["message"]

    def test_unknown_consumer_is_an_ordinary_error(self, wire: Wire, consumer_arn: str) -> None:
        response = subscribe(
            wire,
            ConsumerARN=consumer_arn.replace("/c:", "/other:"),
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        assert isinstance(response.body, bytes)
        assert (400, "ResourceNotFoundException") == (
            response.status,
            json.loads(response.body)["__type"],
        )

    def test_policy_shortens_the_subscription(
        self, client: Client, consumer_arn: str, kinesis: Kinesis
    ) -> None:
        wire = Wire(kinesis, subscription=SubscriptionPolicy(duration=10, heartbeat=1))
        response = subscribe(
            wire,
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        assert 11 == pytest.approx(len(events(decode(response.body))), abs=1)


def subscribe_latest(wire: Wire, consumer_arn: str, **position: Any) -> Any:
    return subscribe(
        wire,
        ConsumerARN=consumer_arn,
        ShardId="shardId-000000000000",
        StartingPosition=position or {"Type": "LATEST"},
    )


def error_of(response: Any) -> tuple[int, str]:
    assert isinstance(response.body, bytes)
    return response.status, json.loads(response.body)["__type"]


class TestSubscriptionLimits:
    """The wire holds a model subscription for as long as the event stream lasts."""

    def test_second_subscription_within_five_seconds_is_in_use(
        self, wire: Wire, consumer_arn: str, clock: ManualClock
    ) -> None:
        first = subscribe_latest(wire, consumer_arn)
        clock.advance(1)
        assert (400, "ResourceInUseException") == error_of(subscribe_latest(wire, consumer_arn))
        first.close()

    def test_second_call_within_a_second_is_throttled(
        self, wire: Wire, consumer_arn: str, clock: ManualClock
    ) -> None:
        subscribe_latest(wire, consumer_arn).close()
        clock.advance(0.5)
        assert (400, "LimitExceededException") == error_of(subscribe_latest(wire, consumer_arn))

    def test_close_before_the_first_message_releases(
        self, wire: Wire, consumer_arn: str, clock: ManualClock
    ) -> None:
        subscribe_latest(wire, consumer_arn).close()
        clock.advance(1)
        again = subscribe_latest(wire, consumer_arn)
        assert (200, True) == (again.status, again.is_stream)

    def test_close_mid_stream_releases(
        self, wire: Wire, consumer_arn: str, clock: ManualClock
    ) -> None:
        response = subscribe_latest(wire, consumer_arn)
        body = response.body
        assert not isinstance(body, bytes)
        next(body), next(body)
        response.close()
        clock.advance(1)
        assert 200 == subscribe_latest(wire, consumer_arn).status

    def test_stream_that_runs_out_releases(
        self, kinesis: Kinesis, consumer_arn: str, clock: ManualClock
    ) -> None:
        # Shorter than the 5 s after which a new call would take over anyway.
        wire = Wire(kinesis, subscription=SubscriptionPolicy(duration=2, heartbeat=1))
        decode(subscribe_latest(wire, consumer_arn).body)
        clock.advance(1)
        assert 200 == subscribe_latest(wire, consumer_arn).status

    def test_refused_starting_position_releases(
        self, wire: Wire, consumer_arn: str, clock: ManualClock
    ) -> None:
        refused = subscribe_latest(wire, consumer_arn, Type="AT_SEQUENCE_NUMBER")
        assert (400, "InvalidArgumentException") == error_of(refused)
        clock.advance(1)
        assert 200 == subscribe_latest(wire, consumer_arn).status

    def test_takeover_ends_the_old_stream_with_resource_in_use(
        self, wire: Wire, consumer_arn: str, clock: ManualClock
    ) -> None:
        old = subscribe_latest(wire, consumer_arn)
        body = old.body
        assert not isinstance(body, bytes)
        next(body), next(body)  # initial-response, first event
        clock.advance(5)
        new = subscribe_latest(wire, consumer_arn)
        assert 200 == new.status
        (message,) = decode(b"".join(body))
        assert ("exception", "ResourceInUseException") == (
            headers(message)[":message-type"],
            headers(message)[":exception-type"],
        )
        assert "taken over" in json.loads(message.payload)["message"]
        new_body = new.body
        assert not isinstance(new_body, bytes)
        assert "initial-response" == headers(decode(next(new_body))[0])[":event-type"]
        new.close()
