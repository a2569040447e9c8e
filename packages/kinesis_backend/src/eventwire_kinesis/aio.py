"""``AsyncKinesisBackend``: the asyncio twin of ``KinesisBackend``, on aiobotocore.

It sends with the same rules as its sync twin: ``BatchRun`` decides what each
PutRecords round sends and retries, ``SingleRecord`` what a PutRecord failure
means, and ``Backoff`` (the backend's ``RetryPolicy``) how long to wait and
when the call's deadline is spent. Only the sending (``await`` on an
aiobotocore client that makes one attempt per call) and the sleeping
(``asyncio.sleep``) differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import zlib
from typing import TYPE_CHECKING, Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

from eventwire import PublisherClosedError, PublishFailure, PublishReceipt
from eventwire.backends import AsyncBackend, failure_from
from eventwire_kinesis.backend import LIST_SHARDS, open_shards
from eventwire_kinesis.batch import BatchRun
from eventwire_kinesis.errors import BOTO_ERRORS, translate
from eventwire_kinesis.ordering import STRIPES
from eventwire_kinesis.retry import Backoff
from eventwire_kinesis.single import SingleRecord, unsendable

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from types_aiobotocore_kinesis import KinesisClient as AioKinesisClient

    from eventwire.backends import PublishResult, Record, ShardInfo
    from eventwire_kinesis.backend import KinesisBackend

DEFAULT_MAX_CONNECTIONS = 10
"""Connections the twin's client keeps at most (aiobotocore's pool size)."""

LARGE_BODY = 2**20
"""aiohttp warns (ResourceWarning) when it is handed a bytes body larger than this."""


def stream_large_body(request: Any, **_: Any) -> None:
    """Hand aiohttp a large request body as a file object, which it streams.

    Records may be up to 10 MiB, so a PutRecord(s) body often passes aiohttp's
    1 MiB mark for raw bytes; its ResourceWarning is an error wherever warnings
    are (test suites with ``-W error``), which failed every large record. The
    request is already signed over these bytes, so the body's content is unchanged.
    Returns None: a ``before-send`` handler that returns a value replaces the response.
    """
    body = request.body
    if isinstance(body, bytes | bytearray) and len(body) > LARGE_BODY:
        request.body = io.BytesIO(body)


class AsyncKinesisBackend(AsyncBackend):
    """Publishes records to a Kinesis stream from asyncio code; use from one event loop.

    Built by ``KinesisBackend.async_backend()`` from its sync twin's settings,
    retry policy, timeouts and ordering chain. Its aiobotocore client is made
    on first use with the same timeouts, one attempt per call (the retry
    layer is the backend's) and at most ``max_connections`` connections, and
    closed by ``aclose``.

    Args:
        backend: the sync twin whose settings and policy it shares.
        max_connections: connections the client keeps at most.
        sleep: how to wait between retries (injectable for tests).
    """

    def __init__(
        self,
        backend: KinesisBackend,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sync = backend
        self.name = backend.name
        self.stream = backend.stream
        self.retry = backend.retry
        self._max_connections = max_connections
        self._sleep = sleep
        self._client: AioKinesisClient | None = None
        self._opening: asyncio.Lock | None = None
        self._exit = contextlib.AsyncExitStack()
        self._locks: dict[int, asyncio.Lock] = {}
        self._closed = False

    def single_attempt(self) -> AsyncKinesisBackend:
        """The twin of the sync backend's single-attempt twin (one send per record)."""
        return AsyncKinesisBackend(
            self.sync.single_attempt(), max_connections=self._max_connections, sleep=self._sleep
        )

    async def client(self) -> AioKinesisClient:
        """The aiobotocore client, made on first use.

        Raises:
            PublisherClosedError: the backend is closed.
        """
        if self._closed:
            raise PublisherClosedError(f"the {self.name} backend for {self.stream!r} is closed")
        if self._client is not None:
            return self._client
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._client is None:
                self._client = await self._make_client()
        return self._client

    async def _make_client(self) -> AioKinesisClient:
        settings = self.sync.settings
        connect, read = settings.connect_timeout, settings.read_timeout
        if self.sync.attempt_timeout is not None:
            # The sync twin fitted its timeouts to the retry deadline; use the same.
            scale = self.sync.attempt_timeout / (connect + read)
            connect, read = connect * scale, read * scale
        endpoint_url, credentials = self.sync.endpoint()
        access_key, secret_key = credentials or (None, None)
        config = AioConfig(
            connect_timeout=connect,
            read_timeout=read,
            retries={"mode": "standard", "total_max_attempts": 1},
            max_pool_connections=self._max_connections,
        )
        maker = get_session().create_client(
            "kinesis",
            region_name=settings.region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )
        client: AioKinesisClient = await self._exit.enter_async_context(maker)
        client.meta.events.register("before-send.kinesis", stream_large_body)
        return client

    def _backoff(self) -> Backoff:
        sync = self.sync
        return Backoff(self.retry, clock=sync.clock, rng=sync.rng,
                       attempt_timeout=sync.attempt_timeout)  # fmt: skip

    # -- publishing -----------------------------------------------------------------

    async def publish(self, record: Record) -> PublishReceipt:
        """Send ``record`` with PutRecord and return its receipt.

        Raises:
            BackendError: the record was not delivered (a subclass says why).
            PublisherClosedError: the backend is closed.
        """
        result = await self._send_one(record, 0)
        if isinstance(result, PublishReceipt):
            return result
        raise result.error

    async def _send_one(self, record: Record, attempts: int) -> PublishResult:
        invalid = unsendable(record, self.sync.target)
        if invalid is not None:
            return failure_from(record, invalid, attempts)
        params: dict[str, Any] = {
            "Data": record.data,
            "PartitionKey": record.partition_key,
            **self.sync.stream_params,
        }
        if record.explicit_hash_key is not None:
            params["ExplicitHashKey"] = record.explicit_hash_key
        if not record.ordered:
            return await self._put_record(record, params, attempts)
        key = record.partition_key
        chain = self.sync.chain
        # Ordered puts of one key wait for each other, so the chain is never forked.
        async with self._lock_for(key):
            previous = chain.last(key)
            if previous is not None:
                params["SequenceNumberForOrdering"] = previous
            result = await self._put_record(record, params, attempts)
            if isinstance(result, PublishReceipt):
                chain.record(key, result.sequence_number)
            return result

    def _lock_for(self, key: str) -> asyncio.Lock:
        stripe = zlib.crc32(key.encode()) % STRIPES
        lock = self._locks.get(stripe)
        if lock is None:
            lock = self._locks[stripe] = asyncio.Lock()
        return lock

    async def _put_record(
        self, record: Record, params: dict[str, Any], attempts: int
    ) -> PublishResult:
        client = await self.client()
        single = SingleRecord(record, self.sync.target, self._backoff(), attempts)
        while True:
            single.begin()
            try:
                response = await client.put_record(**params)
            except BOTO_ERRORS as exc:
                outcome = single.failed(exc)
                if isinstance(outcome, PublishFailure):
                    return outcome
                if outcome > 0:
                    await self._sleep(outcome)
                continue
            return single.receipt(response)

    async def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        """Send ``records`` with PutRecords; one receipt or failure per record, in input order.

        Raises:
            PublisherClosedError: the backend is closed.
        """
        client = await self.client()
        run = BatchRun(
            records,
            client=None,
            stream_params=self.sync.stream_params,
            target=self.sync.target,
            backoff=self._backoff(),
            chain=self.sync.chain,
            send_one=None,
        )
        pending = run.start()
        while pending:
            send, held = run.admit(pending)
            retry: list[int] = []
            for chunk in run.requests_of(send):
                request = run.request(chunk)
                if request is None:
                    continue
                try:
                    response = await client.put_records(**request)
                except BOTO_ERRORS as exc:
                    retry += run.request_failed(chunk, exc)
                else:
                    retry += run.answered(chunk, response)
                while (position := run.next_isolated()) is not None:
                    result = await self._send_one(records[position], run.attempts[position])
                    run.isolated(position, result)
            keep = run.retryable(retry)
            if keep:
                delay = run.backoff.next_delay()
                if delay is None:
                    keep = run.give_up_all(keep)
                elif delay > 0:
                    await self._sleep(delay)
            pending = run.pending(keep, held)
        return run.finished()

    # -- shards and lifecycle ---------------------------------------------------------

    async def shards(self) -> list[ShardInfo]:
        """The stream's open shards, sorted by hash key range (ListShards, every page).

        Raises:
            BackendError: the shard list could not be read.
        """
        client = await self.client()
        found: list[ShardInfo] = []
        params: dict[str, Any] = dict(self.sync.stream_params)
        while True:
            try:
                page = await client.list_shards(**params)
            except BOTO_ERRORS as exc:
                raise translate(exc, self.sync.target, action=LIST_SHARDS) from exc
            found += open_shards(page)
            token = page.get("NextToken")
            if not token:
                return sorted(found, key=lambda shard: shard.starting_hash_key)
            params = {"NextToken": token}

    async def aclose(self) -> None:
        """Close the aiobotocore client; further calls raise. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._client = None
        await self._exit.aclose()
