"""``KinesisBackend``: publish records to a Kinesis data stream with boto3."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from eventwire import (
    ConfigurationError,
    InvalidRecordError,
    PublisherClosedError,
    PublishReceipt,
    PublishResult,
)
from eventwire.backends import Backend, Record, ShardInfo, failure_from, local_problem
from eventwire_kinesis.batch import BatchRun
from eventwire_kinesis.client import LOCALSTACK_CREDENTIALS, aws_client, localstack_endpoint
from eventwire_kinesis.errors import BOTO_ERRORS, Target, is_retryable, translate
from eventwire_kinesis.ordering import SequenceChain
from eventwire_kinesis.retry import Backoff, RetryPolicy, fit_timeouts
from eventwire_kinesis.settings import KinesisSettings, resolve

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordInputTypeDef

PUT_RECORD = "kinesis:PutRecord"
LIST_SHARDS = "kinesis:ListShards"
LOCALSTACK = "localstack"


class KinesisBackend(Backend):
    """Publishes records to one Kinesis data stream; thread-safe.

    ``publish`` calls PutRecord; ``publish_many`` calls PutRecords in requests
    of at most 500 records and 10 MiB, retrying only the failed entries (see
    ``eventwire_kinesis.batch``). Records of event classes declared
    ``ordered=True`` carry ``SequenceNumberForOrdering`` (see
    ``eventwire_kinesis.ordering`` for what that guarantees).

    Args:
        stream: the stream's name or ARN.
        client: a boto3 Kinesis client to use; the caller keeps ownership (``close``
            leaves it open). Without one, a client is built for ``region``.
        region: the AWS region (default: the client's, the ARN's, ``AWS_REGION``,
            ``AWS_DEFAULT_REGION``, then the AWS profile's).
        endpoint_url: a non-AWS endpoint, for a built client.
        connect_timeout: seconds to connect, for a built client.
        read_timeout: seconds to wait for a response, for a built client.
        retry: the retry budget for throttled or failed records.
        sleep: how to wait between retry rounds (injectable for tests).
        clock: a monotonic clock in seconds, for the retry deadline.
        rng: the random source of the backoff jitter.
        name: the backend's registered name: ``kinesis`` or ``localstack``
            (which defaults the endpoint to LocalStack's and uses dummy credentials).
        settings: already resolved settings (what the plugin passes); excludes the
            arguments above from ``stream`` to ``read_timeout``.

    Raises:
        ConfigurationError: a setting is missing or invalid.
    """

    def __init__(
        self,
        stream: str | None = None,
        *,
        client: KinesisClient | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        name: str = "kinesis",
        settings: KinesisSettings | None = None,
    ) -> None:
        given = {
            "stream": stream,
            "client": client,
            "region": region,
            "endpoint_url": endpoint_url,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
        }
        options = {key: value for key, value in given.items() if value is not None}
        if settings is None:
            settings = resolve(options, backend=name)
        elif options:
            raise ConfigurationError(
                f"pass either settings or {sorted(options)} to KinesisBackend, not both"
            )
        self.name = name
        self.settings = settings
        self.stream = settings.stream.name
        self.stream_arn = settings.stream.arn
        self.region = settings.region
        self.retry = retry or settings.retry
        self._stream_params: dict[str, Any] = dict(settings.stream.params())
        self._target = Target(self.stream, self.region, name)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._chain = SequenceChain()
        self._closed = False
        self._lock = threading.Lock()
        self._owns_client = settings.client is None
        # A client of ours makes one attempt per call within timeouts we know, so the
        # deadline can bound the call; a caller's client is used as given.
        self._attempt_timeout: float | None = None
        if settings.client is None:
            connect, read = fit_timeouts(
                settings.connect_timeout, settings.read_timeout, self.retry.deadline
            )
            self._attempt_timeout = connect + read
            self.client: KinesisClient = self._build_client(settings, connect, read)
        else:
            self.client = settings.client

    @classmethod
    def from_options(
        cls,
        options: Mapping[str, object],
        *,
        name: str = "kinesis",
        environ: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> KinesisBackend:
        """Build from plugin options (``stream`` plus the Publisher's keyword arguments).

        Raises:
            ConfigurationError: an option is unknown, missing or invalid; the message
                lists the accepted options or says which variable to set.
        """
        return cls(settings=resolve(options, backend=name, environ=environ), name=name, **kwargs)

    def _build_client(
        self, settings: KinesisSettings, connect: float, read: float
    ) -> KinesisClient:
        endpoint_url = settings.endpoint_url
        credentials = None
        if self.name == LOCALSTACK:
            endpoint_url = endpoint_url or localstack_endpoint()
            credentials = LOCALSTACK_CREDENTIALS
        return aws_client(
            settings.region,
            endpoint_url=endpoint_url,
            connect_timeout=connect,
            read_timeout=read,
            credentials=credentials,
        )

    def _backoff(self) -> Backoff:
        return Backoff(self.retry, self._sleep, self._clock, self._rng, self._attempt_timeout)

    def _check_open(self) -> None:
        if self._closed:
            raise PublisherClosedError(f"the {self.name} backend for {self.stream!r} is closed")

    # -- publishing ------------------------------------------------------------

    def publish(self, record: Record) -> PublishReceipt:
        """Send ``record`` with PutRecord and return its receipt.

        Raises:
            BackendError: the record was not delivered (a subclass says why).
            PublisherClosedError: the backend is closed.
        """
        self._check_open()
        result = self._send_one(record, 0)
        if isinstance(result, PublishReceipt):
            return result
        raise result.error

    def _send_one(self, record: Record, attempts: int) -> PublishResult:
        """PutRecord with retries; never raises a BackendError, returns a failure instead."""
        problem = local_problem(record)
        if problem is not None:
            error = InvalidRecordError(
                f"record of event {record.event_id!r} cannot be sent: {problem}",
                backend=self.name,
                stream=self.stream,
            )
            return failure_from(record, error, attempts)
        params: PutRecordInputTypeDef = {
            "Data": record.data,
            "PartitionKey": record.partition_key,
            **self._stream_params,  # type: ignore[typeddict-item]  # StreamName or StreamARN
        }
        if record.explicit_hash_key is not None:
            params["ExplicitHashKey"] = record.explicit_hash_key
        if not record.ordered:
            return self._put_record(record, params, attempts)
        key = record.partition_key
        # Serialise ordered puts per key so the chain of sequence numbers is never forked.
        with self._chain.lock_for(key):
            previous = self._chain.last(key)
            if previous is not None:
                params["SequenceNumberForOrdering"] = previous
            result = self._put_record(record, params, attempts)
            if isinstance(result, PublishReceipt):
                self._chain.record(key, result.sequence_number)
            return result

    def _put_record(
        self, record: Record, params: PutRecordInputTypeDef, attempts: int
    ) -> PublishResult:
        backoff = self._backoff()
        ambiguous = False
        while True:
            attempts += 1
            try:
                response = self.client.put_record(**params)
            except BOTO_ERRORS as exc:
                error = translate(exc, self._target, action=PUT_RECORD)
                ambiguous = ambiguous or error.ambiguous
                if is_retryable(error):
                    if backoff.can_retry(attempts) and backoff.wait():
                        continue
                    note = backoff.why_stopped(attempts)
                    error = translate(exc, self._target, action=PUT_RECORD, note=note)
                error.ambiguous = ambiguous
                error.__cause__ = exc
                return failure_from(record, error, attempts)
            return PublishReceipt(
                record.event_id,
                self.name,
                self.stream,
                response["ShardId"],
                response["SequenceNumber"],
                attempts,
                ambiguous,
            )

    def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        """Send ``records`` with PutRecords; one receipt or failure per record, in input order.

        Raises:
            PublisherClosedError: the backend is closed.
        """
        self._check_open()
        run = BatchRun(
            records,
            client=self.client,
            stream_params=self._stream_params,
            target=self._target,
            backoff=self._backoff(),
            chain=self._chain,
            send_one=self._send_one,
        )
        return run.run()

    def single_attempt(self) -> KinesisBackend:
        """A twin that sends each record once: one HTTP request per record and call.

        It shares this backend's client, timeouts and ordering chain; a throttled
        or failed entry comes back at once as a failure with its AWS code and
        cause, for the caller (a producer) to pace and retry. Clients eventwire
        builds never retry inside botocore; a client passed in as ``client=``
        keeps its own configuration. Closing the twin leaves the client open.
        """
        twin = KinesisBackend(
            settings=replace(self.settings, client=self.client),
            retry=replace(self.retry, max_attempts=1),
            sleep=self._sleep,
            clock=self._clock,
            rng=self._rng,
            name=self.name,
        )
        twin._chain = self._chain  # one chain per stream, so ordered records stay chained
        twin._attempt_timeout = self._attempt_timeout
        return twin

    # -- shards and lifecycle --------------------------------------------------

    def shards(self) -> list[ShardInfo]:
        """The stream's open shards, sorted by hash key range (ListShards, every page).

        Raises:
            BackendError: the shard list could not be read (a subclass says why).
        """
        self._check_open()
        found: list[ShardInfo] = []
        params: dict[str, Any] = dict(self._stream_params)
        while True:
            try:
                page = self.client.list_shards(**params)
            except BOTO_ERRORS as exc:
                raise translate(exc, self._target, action=LIST_SHARDS) from exc
            for shard in page["Shards"]:
                # A closed shard has an ending sequence number and takes no more writes.
                if "EndingSequenceNumber" in shard["SequenceNumberRange"]:
                    continue
                hash_range = shard["HashKeyRange"]
                found.append(
                    ShardInfo(
                        shard["ShardId"],
                        int(hash_range["StartingHashKey"]),
                        int(hash_range["EndingHashKey"]),
                    )
                )
            token = page.get("NextToken")
            if not token:
                return sorted(found, key=lambda shard: shard.starting_hash_key)
            params = {"NextToken": token}

    def close(self) -> None:
        """Stop accepting records; close the client if this backend built it. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._owns_client:
            self.client.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<KinesisBackend name={self.name!r} stream={self.stream!r} {self.region} {state}>"
