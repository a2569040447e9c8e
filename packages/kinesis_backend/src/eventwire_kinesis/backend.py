"""``KinesisBackend``: publish records to a Kinesis data stream with boto3."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from eventwire import (
    ConfigurationError,
    PublisherClosedError,
    PublishFailure,
    PublishReceipt,
    PublishResult,
)
from eventwire.backends import AsyncBackend, Backend, Record, ShardInfo, failure_from
from eventwire_kinesis.batch import BatchRun
from eventwire_kinesis.client import LOCALSTACK_CREDENTIALS, aws_client, localstack_endpoint
from eventwire_kinesis.errors import BOTO_ERRORS, Target, translate
from eventwire_kinesis.ordering import SequenceChain
from eventwire_kinesis.retry import Backoff, RetryPolicy, fit_timeouts
from eventwire_kinesis.settings import KinesisSettings, resolve
from eventwire_kinesis.single import SingleRecord, unsendable

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordInputTypeDef

LOGGER = logging.getLogger("eventwire.kinesis")
"""Where the backend says that it degrades (threads instead of a native async twin)."""

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
        # An async twin builds its own aiobotocore client, like the one built here;
        # a boto3 client given by the caller has no async equivalent to build.
        self._async_twin = settings.client is None
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

    def endpoint(self) -> tuple[str | None, tuple[str, str] | None]:
        """The endpoint URL and access key pair for clients this backend builds."""
        if self.name == LOCALSTACK:
            return self.settings.endpoint_url or localstack_endpoint(), LOCALSTACK_CREDENTIALS
        return self.settings.endpoint_url, None

    def _build_client(
        self, settings: KinesisSettings, connect: float, read: float
    ) -> KinesisClient:
        endpoint_url, credentials = self.endpoint()
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
        invalid = unsendable(record, self._target)
        if invalid is not None:
            return failure_from(record, invalid, attempts)
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
        single = SingleRecord(record, self._target, self._backoff(), attempts)
        while True:
            single.begin()
            try:
                response = self.client.put_record(**params)
            except BOTO_ERRORS as exc:
                outcome = single.failed(exc)
                if isinstance(outcome, PublishFailure):
                    return outcome
                if outcome > 0:
                    self._sleep(outcome)
                continue
            return single.receipt(response)

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
        twin._async_twin = self._async_twin
        return twin

    def async_backend(self) -> AsyncBackend | None:
        """The asyncio twin on aiobotocore: same stream, retry policy, timeouts and chain.

        None (so async callers run this backend in threads) when the caller gave
        a boto3 client, which the twin could not copy, or aiobotocore is not
        installed (``pip install 'eventwire-kinesis[aio]'``).
        """
        if not self._async_twin:
            LOGGER.info(
                "stream %r: a caller's boto3 client has no asyncio twin; async callers "
                "run this backend in threads", self.stream,
            )  # fmt: skip
            return None
        try:
            from eventwire_kinesis.aio import AsyncKinesisBackend
        except ImportError:
            LOGGER.info(
                "stream %r: aiobotocore is not installed, so async callers run this backend "
                "in threads (pip install 'eventwire-kinesis[aio]')", self.stream,
            )  # fmt: skip
            return None
        return AsyncKinesisBackend(self)

    @property
    def stream_params(self) -> dict[str, Any]:
        """``StreamName`` or ``StreamARN`` (and ``StreamARN``), as the API calls take them."""
        return self._stream_params

    @property
    def target(self) -> Target:
        """The stream, region and backend name that error messages name."""
        return self._target

    @property
    def clock(self) -> Callable[[], float]:
        """The monotonic clock of the retry deadline."""
        return self._clock

    @property
    def rng(self) -> random.Random:
        """The random source of the backoff jitter."""
        return self._rng

    @property
    def chain(self) -> SequenceChain:
        """The ordering chain of this stream, shared with twins."""
        return self._chain

    @property
    def attempt_timeout(self) -> float | None:
        """The longest one request of a client built here can take (connect + read)."""
        return self._attempt_timeout

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
            found += open_shards(page)
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


def open_shards(page: Mapping[str, Any]) -> list[ShardInfo]:
    """The open shards of one ListShards page (a closed shard takes no more writes)."""
    found: list[ShardInfo] = []
    for shard in page["Shards"]:
        # A closed shard has an ending sequence number.
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
    return found
