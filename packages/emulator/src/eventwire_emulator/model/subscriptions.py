"""SubscribeToShard bookkeeping: one live subscription per consumer and shard, one call a second.

The rules, from the SubscribeToShard API reference: one call per second per consumer
and shard (else LimitExceededException); a call within 5 seconds of a successful one
for the same consumer and shard gets ResourceInUseException; a call 5 seconds or
more after it takes the subscription over, and the older one fails with
ResourceInUseException. Deregistering the consumer ends its subscriptions; their
event streams end with ResourceNotFoundException, the in-stream error AWS lists
for a resource that is gone.
"""

from __future__ import annotations

import threading

from eventwire_emulator.model.errors import LimitExceeded, ResourceInUse, ResourceNotFound

#: Smallest gap between two SubscribeToShard calls for one consumer and shard.
CALL_INTERVAL_SECONDS = 1.0
#: Age at which a live subscription may be taken over by a new call.
TAKEOVER_AFTER_SECONDS = 5.0

_Key = tuple[str, str]


class Subscription:
    """A handle on one open subscription; `release` it when its event stream ends.

    Thread-safe; `release` may be called any number of times.
    """

    def __init__(
        self, table: SubscriptionTable, consumer_arn: str, shard_id: str, now: float
    ) -> None:
        self.consumer_arn = consumer_arn
        self.shard_id = shard_id
        self.started_at = now
        self._table = table
        self._released = False
        self._taken_over = False
        self._deregistered = False

    @property
    def stream_arn(self) -> str:
        """The ARN of the stream the consumer reads (the consumer ARN's prefix)."""
        return self.consumer_arn.rpartition("/consumer/")[0]

    @property
    def active(self) -> bool:
        """Whether the subscription is neither released, taken over nor ended by deregistration."""
        return not (self._released or self._taken_over or self._deregistered)

    def check(self) -> None:
        """Raise if the subscription has ended while its event stream was open.

        Raises:
            ResourceNotFound: the consumer was deregistered.
            ResourceInUse: a newer SubscribeToShard call holds the consumer and shard now.
        """
        if self._deregistered:
            raise ResourceNotFound(
                f"Consumer {self.consumer_arn} was deregistered; its subscription to shard "
                f"{self.shard_id} has ended."
            )
        if self._taken_over:
            raise ResourceInUse(
                f"The subscription of consumer {self.consumer_arn} to shard {self.shard_id} "
                f"was taken over by a newer SubscribeToShard call."
            )

    def release(self) -> None:
        """End the subscription, freeing the consumer and shard for the next call."""
        self._table.release(self)


class SubscriptionTable:
    """The live subscriptions and last call times of an account; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[_Key, Subscription] = {}
        self._last_call: dict[_Key, float] = {}
        self._next_prune = float("-inf")

    def remembered_calls(self) -> int:
        """How many consumer-and-shard pairs' last call times are kept."""
        with self._lock:
            return len(self._last_call)

    def _prune(self, now: float) -> None:
        # A call at least CALL_INTERVAL_SECONDS old can no longer throttle anything;
        # without this, every pair ever subscribed would stay. At most one sweep per
        # interval, so the cost per call stays constant on average.
        stale = [k for k, last in self._last_call.items() if now - last >= CALL_INTERVAL_SECONDS]
        for key in stale:
            del self._last_call[key]
        self._next_prune = now + CALL_INTERVAL_SECONDS

    def open(self, consumer_arn: str, shard_id: str, now: float, owner: str) -> Subscription:
        """Admit a SubscribeToShard call at `now`; `owner` names the consumer in messages.

        Every call that is not itself throttled counts toward the one-call-a-second
        limit, including calls refused because the subscription is in use.

        Raises:
            LimitExceeded: the previous call for this consumer and shard was under 1 s ago.
            ResourceInUse: a live subscription for them started under 5 s ago.
        """
        key = (consumer_arn, shard_id)
        with self._lock:
            if now >= self._next_prune:
                self._prune(now)
            last = self._last_call.get(key)
            if last is not None and now - last < CALL_INTERVAL_SECONDS:
                raise LimitExceeded(
                    f"Rate exceeded for consumer {consumer_arn} and shard {shard_id}: "
                    f"SubscribeToShard allows one call per second per consumer and shard."
                )
            self._last_call[key] = now
            current = self._live.get(key)
            if current is not None:
                if now - current.started_at < TAKEOVER_AFTER_SECONDS:
                    raise ResourceInUse(
                        f"Another active subscription exists for this consumer: {owner}"
                    )
                current._taken_over = True
            subscription = Subscription(self, consumer_arn, shard_id, now)
            self._live[key] = subscription
            return subscription

    def release(self, subscription: Subscription) -> None:
        """Forget a subscription if it is still the live one for its consumer and shard."""
        key = (subscription.consumer_arn, subscription.shard_id)
        with self._lock:
            subscription._released = True
            if self._live.get(key) is subscription:
                del self._live[key]

    def end_consumer(self, consumer_arn: str) -> None:
        """End every live subscription of a deregistered consumer and forget its calls."""
        with self._lock:
            for key in [key for key in self._live if key[0] == consumer_arn]:
                self._live.pop(key)._deregistered = True
            for key in [key for key in self._last_call if key[0] == consumer_arn]:
                del self._last_call[key]

    def live(self, consumer_arn: str, shard_id: str) -> Subscription | None:
        """Return the live subscription of a consumer on a shard, if any."""
        with self._lock:
            return self._live.get((consumer_arn, shard_id))
