"""SubscribeToShard: a shard read as a lazy stream of event-stream messages."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from eventwire_emulator.model import Kinesis, ModelError, ShardBatch, Subscription
from eventwire_emulator.wire import serialize
from eventwire_emulator.wire.errors import aws_error
from eventwire_emulator.wire.eventstream import event_message, exception_message

_dumps = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class SubscriptionPolicy:
    """How long a subscription lasts and how it waits, in seconds of the model's clock.

    With a ``ManualClock`` the waits advance the clock instead of blocking, so reading a
    subscription to its end moves the model's time forward by ``duration``.
    """

    #: AWS closes a subscription after five minutes; clients then resubscribe.
    duration: float = 300.0
    #: Wait between reads that found no records.
    poll_interval: float = 0.2
    #: Longest silence: an event with no records is sent at least this often.
    heartbeat: float = 5.0


def subscribe_to_shard(
    kinesis: Kinesis, params: dict[str, Any], policy: SubscriptionPolicy
) -> Iterator[bytes]:
    """Start a subscription; errors in the request are raised here, before any event.

    The subscription is held in the model until the stream ends, runs out, or is
    closed by the transport (``WireResponse.close()``).

    Raises:
        ModelError: the consumer, stream, shard or starting position is invalid, the
            consumer and shard are subscribed already, or were called under 1 s ago.
    """
    position = params["StartingPosition"]
    shard_id: str = params["ShardId"]
    # open_subscription looks the consumer up itself: a DescribeStreamConsumer call
    # here would count toward that operation's rate and take its injected faults.
    subscription = kinesis.open_subscription(params["ConsumerARN"], shard_id)
    try:
        first = kinesis.read_shard(
            subscription.stream_arn,
            shard_id,
            position["Type"],
            sequence_number=position.get("SequenceNumber"),
            timestamp=position.get("Timestamp"),
        )
    except BaseException:
        subscription.release()
        raise
    events = _events(kinesis, subscription.stream_arn, shard_id, first, policy, subscription)
    return _Held(events, subscription)


class _Held(Iterator[bytes]):
    """Event-stream messages that release their subscription when done or closed.

    A generator's ``finally`` does not run if it is closed before its first message,
    so the release lives here as well.
    """

    def __init__(self, messages: Generator[bytes, None, None], subscription: Subscription) -> None:
        self._messages = messages
        self._subscription = subscription

    def __next__(self) -> bytes:
        return next(self._messages)

    def close(self) -> None:
        """Stop the stream and release the subscription."""
        try:
            self._messages.close()
        finally:
            self._subscription.release()


def _event(batch: ShardBatch) -> bytes:
    payload = _dumps(serialize.subscribe_to_shard_event(batch)).encode()
    return event_message("SubscribeToShardEvent", payload)


def _events(
    kinesis: Kinesis,
    stream: str,
    shard_id: str,
    batch: ShardBatch,
    policy: SubscriptionPolicy,
    subscription: Subscription,
) -> Generator[bytes, None, None]:
    clock = kinesis.clock
    try:
        yield event_message("initial-response", b"{}")
        started = last_sent = clock.now()
        yield _event(batch)
        while batch.continuation_sequence_number is not None:
            now = clock.now()
            if now - started >= policy.duration:
                return
            if not batch.records:
                clock.sleep(policy.poll_interval)
            try:
                subscription.check()
                batch = kinesis.read_shard(
                    stream,
                    shard_id,
                    "AFTER_SEQUENCE_NUMBER",
                    sequence_number=batch.continuation_sequence_number,
                )
            except ModelError as exc:
                # Past the initial response, errors travel in-stream as exception events.
                error = aws_error(exc)
                yield exception_message(error.code, _dumps({"message": error.message}).encode())
                return
            now = clock.now()
            # The end of a closed shard is always reported: it names the child shards.
            if (
                batch.records
                or batch.continuation_sequence_number is None
                or (now - last_sent >= policy.heartbeat)
            ):
                last_sent = now
                yield _event(batch)
    finally:
        subscription.release()
