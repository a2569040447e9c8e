"""``EmulatorBackend``: the eventwire backend that writes straight into an in-memory Kinesis."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from eventwire import BackendError, ConfigurationError, PublisherClosedError, PublishReceipt
from eventwire.backends import Backend, ShardInfo, failure_from, split_requests
from eventwire_emulator.model import (
    InvalidArgument,
    Kinesis,
    ModelError,
    ResourceInUse,
    ShardFilter,
)
from eventwire_emulator.settings import DEFAULT_SHARD_COUNT, DEFAULT_STREAM, quotas_setting
from eventwire_emulator.translate import BACKEND, translate

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from eventwire import PublishResult
    from eventwire.backends import Record

_OPEN_SHARDS = ShardFilter("AT_LATEST")  # AT_LATEST lists exactly the open shards

_shared: Kinesis | None = None
_shared_lock = threading.Lock()


def shared_emulator() -> Kinesis:
    """The process-wide emulator that ``Publisher("emulator")`` writes to by default.

    Quotas follow ``EVENTWIRE_EMULATOR_QUOTAS`` (off unless set), so plain unit
    tests stay fast and deterministic.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Kinesis(quotas=quotas_setting(default=False))
        return _shared


class EmulatorBackend(Backend):
    """Publishes into an emulator model, with no network and no serialization; thread-safe.

    Args:
        kinesis: the emulator to write to (default: the process-wide ``shared_emulator()``).
        stream: stream name or ARN (default ``eventwire``).
        shard_count: shards for the stream when the backend creates it (default 4).
        create_stream: create the stream if it does not exist yet (default true).

    Records of event classes declared ``ordered=True`` are written with
    ``SequenceNumberForOrdering`` chained per partition key, as the Kinesis backend does.
    """

    name = BACKEND

    def __init__(
        self,
        kinesis: Kinesis | None = None,
        *,
        stream: str = DEFAULT_STREAM,
        shard_count: int = DEFAULT_SHARD_COUNT,
        create_stream: bool = True,
    ) -> None:
        self.kinesis = kinesis if kinesis is not None else shared_emulator()
        self.stream = stream
        self._last_by_key: dict[str, str] = {}
        self._order_lock = threading.Lock()
        self._closed = False
        if create_stream:
            try:
                self.kinesis.create_stream(stream, shard_count)
            except ResourceInUse:
                pass  # already there: publishing to an existing stream is the normal case
            except ModelError as exc:
                raise ConfigurationError(
                    f"cannot create emulator stream {stream!r}: {exc}"
                ) from exc

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> EmulatorBackend:
        """Build from the options a Publisher passes (see the class for what they mean)."""
        accepted = {"stream", "shard_count", "emulator", "create_stream"}
        unknown = sorted(set(options) - accepted)
        if unknown:
            raise ConfigurationError(
                f"the emulator backend does not take {unknown}; it accepts {sorted(accepted)}"
            )
        stream = options.get("stream") or DEFAULT_STREAM
        shard_count = options.get("shard_count", DEFAULT_SHARD_COUNT)
        kinesis = options.get("emulator")
        create = options.get("create_stream", True)
        if not isinstance(stream, str):
            raise ConfigurationError(f"stream must be a string, not {stream!r}")
        if isinstance(shard_count, bool) or not isinstance(shard_count, int) or shard_count < 1:
            raise ConfigurationError(f"shard_count must be a positive integer, not {shard_count!r}")
        if kinesis is not None and not isinstance(kinesis, Kinesis):
            raise ConfigurationError(
                f"emulator must be an eventwire_emulator Kinesis, not {kinesis!r}"
            )
        return cls(kinesis, stream=stream, shard_count=shard_count, create_stream=bool(create))

    def _error(self, exc: ModelError, action: str) -> BackendError:
        return translate(exc, stream=self.stream, action=action, region=self.kinesis.region)

    def publish(self, record: Record) -> PublishReceipt:
        """PutRecord, chaining SequenceNumberForOrdering for ordered records."""
        self._check_open()
        ordering = None
        if record.ordered:
            self._order_lock.acquire()
            ordering = self._last_by_key.get(record.partition_key)
        try:
            result = self.kinesis.put_record(
                self.stream,
                record.data,
                record.partition_key,
                explicit_hash_key=record.explicit_hash_key,
                sequence_number_for_ordering=ordering,
            )
            if record.ordered:
                self._last_by_key[record.partition_key] = result.sequence_number
        except ModelError as exc:
            raise self._error(exc, "kinesis:PutRecord") from exc
        finally:
            if record.ordered:
                self._order_lock.release()
        return PublishReceipt(
            record.event_id, BACKEND, self.stream, result.shard_id, result.sequence_number, 1
        )

    def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        """PutRecords in requests within the Kinesis limits; one result per record."""
        self._check_open()
        results: list[PublishResult] = []
        for chunk in split_requests(records):
            results.extend(self._put_batch(records[chunk[0] : chunk[-1] + 1]))
        return results

    def _put_batch(self, batch: Sequence[Record]) -> list[PublishResult]:
        entries = [(r.data, r.partition_key, r.explicit_hash_key) for r in batch]
        try:
            answer = self.kinesis.put_records(self.stream, entries)
        except InvalidArgument:
            # AWS rejects the whole request for one bad entry; send them one by one so the
            # good ones are delivered and only the bad ones fail.
            return super().publish_many(batch)
        except ModelError as exc:
            error = self._error(exc, "kinesis:PutRecords")
            return [failure_from(record, error, attempts=1) for record in batch]
        stream = self.stream
        results: list[PublishResult] = []
        for record, (sequence_number, shard_id, failure) in zip(batch, answer.records, strict=True):
            if shard_id is not None and sequence_number is not None:
                results.append(
                    PublishReceipt(record.event_id, BACKEND, stream, shard_id, sequence_number, 1)
                )
            else:
                # An entry with neither is a model bug; the error table names it InternalFailure.
                failure = failure or ModelError("PutRecords entry has no sequence number.")
                error = self._error(failure, "kinesis:PutRecords")
                results.append(failure_from(record, error, attempts=1))
        return results

    def close(self) -> None:
        """Refuse further records; the emulator and its streams stay as they are."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise PublisherClosedError(f"the emulator backend for stream {self.stream!r} is closed")

    def shards(self) -> list[ShardInfo]:
        """The stream's open shards with their hash key ranges."""
        try:
            listing = self.kinesis.list_shards(self.stream, shard_filter=_OPEN_SHARDS)
        except ModelError as exc:
            raise self._error(exc, "kinesis:ListShards") from exc
        shards = list(listing.shards)
        while listing.next_token is not None:
            listing = self.kinesis.list_shards(next_token=listing.next_token)
            shards.extend(listing.shards)
        return [
            ShardInfo(shard.shard_id, shard.hash_key_range.start, shard.hash_key_range.end)
            for shard in shards
        ]
