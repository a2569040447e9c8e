"""Enhanced fan-out consumers: register, describe, list, deregister."""

from __future__ import annotations

from collections.abc import Mapping

from eventwire_emulator.model import metadata
from eventwire_emulator.model.account import (
    Account,
    check_range,
)
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.errors import (
    InvalidArgument,
    NextTokenExpired,
    ResourceNotFound,
)
from eventwire_emulator.model.results import (
    Consumer,
    ListStreamConsumersResult,
)


class Consumers:
    """Consumer operations of one account's streams; thread-safe."""

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission

    def register_stream_consumer(
        self, stream_arn: str, consumer_name: str, *, tags: Mapping[str, str] | None = None
    ) -> Consumer:
        """RegisterStreamConsumer: at most 20 per stream; reported ACTIVE at once.

        `tags` are validated and applied with the registration: bad tags register nothing.
        """
        if self._admission.api_call("RegisterStreamConsumer"):
            self._admission.limit_rate("RegisterStreamConsumer", self._account.clock.now())
        found = self._account.stream(stream_arn)
        self._account.require_active(found, "RegisterStreamConsumer")
        with found.lock, self._admission.changing(found, "RegisterStreamConsumer"):
            return metadata.register(found, consumer_name, self._account.clock.now(), tags)

    def describe_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> Consumer:
        """DescribeStreamConsumer by consumer ARN, or by stream ARN and name."""
        limited = self._admission.api_call("DescribeStreamConsumer")
        found, name = self._account.consumer(stream_arn, consumer_name, consumer_arn)
        if limited:
            self._admission.limit_rate("DescribeStreamConsumer", self._account.clock.now(), found)
        with found.lock:
            return metadata.describe(found, name)

    def list_stream_consumers(
        self,
        stream_arn: str,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
        stream_creation_timestamp: float | None = None,
    ) -> ListStreamConsumersResult:
        """ListStreamConsumers, in registration order, `max_results` (default 100) per page."""
        limited = self._admission.api_call("ListStreamConsumers")
        check_range(max_results, 1, 10_000, "MaxResults")
        found = self._account.stream(stream_arn)
        if limited:
            self._admission.limit_rate("ListStreamConsumers", self._account.clock.now(), found)
        if stream_creation_timestamp is not None and stream_creation_timestamp != found.created_at:
            raise ResourceNotFound(
                f"Stream {found.name} created at {stream_creation_timestamp} not found."
            )
        now = self._account.clock.now()
        start = 0
        if next_token is not None:
            serial, offset, issued = self._account.tokens.decode(
                "consumers", next_token, "NextToken"
            )
            if serial != found.serial or not isinstance(offset, int):
                raise InvalidArgument("This NextToken belongs to another stream.")
            if not isinstance(issued, int | float) or now - issued > 300:
                raise NextTokenExpired(f"The NextToken {next_token[:32]}... has expired.")
            start = offset
        with found.lock:
            names = list(found.consumers)
            everyone = [metadata.describe(found, n) for n in names]
        page = everyone[start : start + (max_results or 100)]
        more = start + len(page) < len(everyone)
        token = (
            self._account.tokens.encode("consumers", [found.serial, start + len(page), now])
            if more
            else None
        )
        return ListStreamConsumersResult(page, token)

    def deregister_stream_consumer(
        self,
        *,
        stream_arn: str | None = None,
        consumer_name: str | None = None,
        consumer_arn: str | None = None,
    ) -> None:
        """DeregisterStreamConsumer by consumer ARN, or by stream ARN and name.

        The consumer's live SubscribeToShard subscriptions end (see `Subscription.check`).
        """
        limited = self._admission.api_call("DeregisterStreamConsumer")
        found, name = self._account.consumer(stream_arn, consumer_name, consumer_arn)
        if limited:
            self._admission.limit_rate("DeregisterStreamConsumer", self._account.clock.now(), found)
        with found.lock:
            with self._admission.changing(found, "DeregisterStreamConsumer"):
                arn = metadata.describe(found, name).consumer_arn
                del found.consumers[name]
                found.policies.pop(arn, None)
            # Ended once the deregistration stands, still under the stream lock.
            self._account.subscriptions.end_consumer(arn)
