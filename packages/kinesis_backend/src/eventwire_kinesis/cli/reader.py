"""Read a whole stream: every shard, parents before children, following resharding.

Shards are read round-robin, one GetRecords call each in turn. A child shard
starts only when its parents are read to their end, as the Kinesis Developer
Guide asks of consumers that keep per-key order ("Resharding a stream": read
the parent shards until they are closed before reading the children).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventwire import ConfigurationError
from eventwire_kinesis.cli.positions import Position

if TYPE_CHECKING:
    from mypy_boto3_kinesis.type_defs import RecordTypeDef, ShardTypeDef

    from eventwire_kinesis.cli.connection import Connection
    from eventwire_kinesis.settings import StreamAddress

MAX_RECORDS_PER_CALL = 10_000
"""GetRecords' largest Limit (Kinesis API reference, GetRecords: Limit, maximum 10000)."""

SHARD_CALL_INTERVAL = 0.2
"""Each shard answers 5 GetRecords calls a second (Developer Guide, quotas and limits)."""

THROTTLED_PAUSE = 1.0
"""How long a throttled or idle shard waits before its next call."""

# Error codes that mean "try this shard again later", not "give up".
_RETRY_LATER = {"ProvisionedThroughputExceededException", "KMSThrottlingException"}


@dataclass
class _Shard:
    shard_id: str
    parents: tuple[str, ...]
    closed: bool
    iterator: str | None = None
    last_sequence: str | None = None
    not_before: float = 0.0
    caught_up: bool = False


@dataclass
class StreamReader:
    """Yields ``(shard id, records)`` for each GetRecords answer with records; not thread-safe.

    Args:
        connection: the client to call.
        stream: the stream.
        position: where each shard starts.
        follow: keep polling once every shard is caught up, instead of stopping.
        limit: records per GetRecords call (1 to 10,000).
        clock: monotonic seconds (injectable for tests).
        sleep: how to wait while every shard is idle or throttled.
        on_ready: called with the number of shards started, once each has its starting point.
    """

    connection: Connection
    stream: StreamAddress
    position: Position
    follow: bool = False
    limit: int = MAX_RECORDS_PER_CALL
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    on_ready: Callable[[int], None] | None = None
    _shards: dict[str, _Shard] = field(default_factory=dict)
    _done: set[str] = field(default_factory=set)
    _started: set[str] = field(default_factory=set)

    def __iter__(self) -> Iterator[tuple[str, list[RecordTypeDef]]]:
        self._discover(initial=True)
        if self.on_ready is not None:
            self.on_ready(len(self._started))
        while True:
            active = [s for s in self._shards.values() if s.iterator and not s.caught_up]
            if not active:
                if not self.follow:
                    return
                self.sleep(THROTTLED_PAUSE)
                for shard in self._shards.values():
                    shard.caught_up = False
                self._discover(initial=False)
                continue
            waited = min(shard.not_before for shard in active) - self.clock()
            if waited > 0:
                self.sleep(waited)
            for shard in active:
                if shard.not_before > self.clock():
                    continue
                records = self._read(shard)
                if records:
                    yield shard.shard_id, records

    # -- shards --------------------------------------------------------------------

    def _list(self) -> list[ShardTypeDef]:
        shards: list[ShardTypeDef] = []
        params: dict[str, Any] = dict(self.stream.params())
        with self.connection.calling("kinesis:ListShards", self.stream.name):
            while True:
                answer = self.connection.client.list_shards(**params)
                shards += answer["Shards"]
                token = answer.get("NextToken")
                if not token:
                    return shards
                params = {"NextToken": token}

    def _discover(self, *, initial: bool) -> None:
        for listed in self._list():
            shard_id = listed["ShardId"]
            if shard_id in self._shards:
                continue
            parents = tuple(
                p for p in (listed.get("ParentShardId"), listed.get("AdjacentParentShardId")) if p
            )
            closed = "EndingSequenceNumber" in listed["SequenceNumberRange"]
            self._shards[shard_id] = _Shard(shard_id, parents, closed)
            # Reading from the newest records on: closed shards have none to give.
            if initial and closed and self.position.kind == "LATEST":
                self._done.add(shard_id)
        if initial and self.position.kind == "AT_SEQUENCE_NUMBER":
            self._start_at_sequence()
        self._start_ready(initial=initial)

    def _start_ready(self, *, initial: bool) -> None:
        progress = True
        while progress:
            progress = False
            for shard in self._shards.values():
                if shard.shard_id in self._started or shard.shard_id in self._done:
                    continue
                # A parent not listed has aged out of the retention period: nothing to wait for.
                if all(p in self._done or p not in self._shards for p in shard.parents):
                    # A shard found later (a split or merge while reading) starts at its
                    # beginning, whatever --from said: its records are all new to us.
                    self._start(shard, self.position if initial else Position("TRIM_HORIZON"))
                    progress = True

    def _start(self, shard: _Shard, position: Position) -> None:
        with self.connection.calling("kinesis:GetShardIterator", self.stream.name):
            shard.iterator = self._iterator(shard.shard_id, position)
        self._started.add(shard.shard_id)

    def _iterator(self, shard_id: str, position: Position) -> str:
        params: dict[str, Any] = {
            **self.stream.params(),
            "ShardId": shard_id,
            "ShardIteratorType": position.kind,
        }
        if position.timestamp is not None:
            params["Timestamp"] = position.timestamp
        if position.sequence_number is not None:
            params["StartingSequenceNumber"] = position.sequence_number
        return self.connection.client.get_shard_iterator(**params)["ShardIterator"]

    def _start_at_sequence(self) -> None:
        """Start the shard holding the sequence number there, the others from its arrival time."""
        from botocore.exceptions import ClientError

        sequence = self.position.sequence_number
        for shard in self._shards.values():
            with self.connection.calling("kinesis:GetShardIterator", self.stream.name):
                try:
                    iterator = self._iterator(shard.shard_id, self.position)
                except ClientError as exc:
                    # A sequence number of another shard is an InvalidArgumentException.
                    if exc.response.get("Error", {}).get("Code") == "InvalidArgumentException":
                        continue
                    raise
            with self.connection.calling("kinesis:GetRecords", self.stream.name):
                first = self.connection.client.get_records(ShardIterator=iterator, Limit=1)
            if not first["Records"] or first["Records"][0]["SequenceNumber"] != sequence:
                continue
            arrival = first["Records"][0]["ApproximateArrivalTimestamp"]
            self._start(shard, self.position)
            self.position = Position("AT_TIMESTAMP", timestamp=arrival)
            return
        raise ConfigurationError(
            f"--from {sequence}: no shard of stream {self.stream.name!r} holds that sequence "
            "number (it may have aged out of the retention period)"
        )

    # -- records -------------------------------------------------------------------

    def _read(self, shard: _Shard) -> list[RecordTypeDef]:
        from botocore.exceptions import ClientError

        assert shard.iterator is not None
        try:
            answer = self.connection.client.get_records(
                ShardIterator=shard.iterator, Limit=self.limit
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _RETRY_LATER:
                shard.not_before = self.clock() + THROTTLED_PAUSE
                return []
            if code == "ExpiredIteratorException":
                self._restart(shard)
                return []
            with self.connection.calling("kinesis:GetRecords", self.stream.name):
                raise
        except Exception:
            with self.connection.calling("kinesis:GetRecords", self.stream.name):
                raise
        records = answer["Records"]
        shard.not_before = self.clock() + SHARD_CALL_INTERVAL
        if records:
            shard.last_sequence = records[-1]["SequenceNumber"]
        next_iterator = answer.get("NextShardIterator")
        if not next_iterator:
            # The shard is closed and read to its end: its children may start now.
            shard.iterator = None
            self._done.add(shard.shard_id)
            self._discover(initial=False)
        else:
            shard.iterator = next_iterator
            if not records and answer.get("MillisBehindLatest", 0) == 0:
                shard.caught_up = True
        return records

    def _restart(self, shard: _Shard) -> None:
        """A shard iterator lives five minutes; take a new one after the last record seen."""
        if shard.last_sequence is None:
            self._start(shard, self.position)
        else:
            self._start(
                shard, Position("AFTER_SEQUENCE_NUMBER", sequence_number=shard.last_sequence)
            )
