"""The backend contract suite: behaviour every eventwire backend must show, run per backend.

Subclass ``BackendContract`` once per backend, as ``Test<Backend>Contract`` in
a ``test_*_contract.py`` module, and override the two abstract fixtures:

- ``kinesis_model``: an ``eventwire_emulator.model.Kinesis`` in which the stream
  ``stream_name`` exists with ``shard_count`` shards (records are read back
  through its GetShardIterator/GetRecords, so every backend is judged by what
  actually landed in the stream);
- ``make_backend``: a factory ``(stream name) -> Backend`` writing to that model.

``backend`` (for ``stream_name``) is derived from ``make_backend`` and closed
after each test; override ``stream_name`` or ``shard_count`` if needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from eventwire import (
    BackendError,
    Event,
    InvalidRecordError,
    Publisher,
    PublisherClosedError,
    PublishFailure,
    PublishReceipt,
    StreamNotFoundError,
    default_registry,
)
from eventwire.backends import Backend, Record, record_for
from eventwire_emulator.model import MAX_HASH_KEY, hash_partition_key

if TYPE_CHECKING:
    from eventwire_emulator.model import Kinesis
    from eventwire_emulator.model import Record as StoredRecord

MakeBackend = Callable[[str], Backend]


class ContractOrder(Event, event_type="com.example.contract.order", partition_key="customer"):
    customer: str
    n: int
    note: str = ""


class ContractStep(
    Event, event_type="com.example.contract.step", partition_key="flow", ordered=True
):
    flow: str
    step: int


class ContractRouted(
    Event,
    event_type="com.example.contract.routed",
    partition_key=lambda e: f"routed-{e.n}",
    explicit_hash_key="hash_key",
):
    n: int
    hash_key: str


def orders(count: int, *, customers: int = 7, note: str = "") -> list[ContractOrder]:
    """``count`` orders spread over ``customers`` partition keys."""
    return [ContractOrder(customer=f"c{i % customers}", n=i, note=note) for i in range(count)]


def as_record(event: Event) -> Record:
    """The wire record for ``event``, with the contract's source."""
    return record_for(event, source="contract")


def records(events: list[ContractOrder] | list[ContractStep]) -> list[Record]:
    """The wire records for ``events``."""
    return [as_record(event) for event in events]


def read_back(kinesis: Kinesis, stream: str) -> dict[str, list[StoredRecord]]:
    """Every record in every shard of ``stream`` (closed shards included), in shard order."""
    stored: dict[str, list[StoredRecord]] = {}
    for shard in kinesis.list_shards(stream).shards:
        iterator: str | None = kinesis.get_shard_iterator(stream, shard.shard_id, "TRIM_HORIZON")
        found: list[StoredRecord] = []
        while iterator is not None:
            page = kinesis.get_records(iterator)
            found.extend(page.records)
            if not page.records:
                break
            iterator = page.next_shard_iterator
        stored[shard.shard_id] = found
    return stored


def owner(kinesis: Kinesis, stream: str, hash_key: int) -> str:
    """The open shard of ``stream`` that owns ``hash_key``, by the model's ranges."""
    for shard in kinesis.list_shards(stream).shards:
        is_open = shard.sequence_number_range.ending_sequence_number is None
        if is_open and shard.hash_key_range.contains(hash_key):
            return shard.shard_id
    raise AssertionError(f"no shard owns {hash_key}")


def receipts(results: list[PublishReceipt | PublishFailure]) -> list[PublishReceipt]:
    """``results`` as receipts, failing the test on the first failure."""
    found: list[PublishReceipt] = []
    for result in results:
        assert isinstance(result, PublishReceipt), f"expected a receipt, got {result!r}"
        found.append(result)
    return found


class BackendFixtures:
    """The fixtures the contract runs on; ``kinesis_model`` and ``make_backend`` are abstract."""

    @pytest.fixture
    def stream_name(self) -> str:
        return "contract-stream"

    @pytest.fixture
    def shard_count(self) -> int:
        return 4

    @pytest.fixture
    def kinesis_model(self, stream_name: str, shard_count: int) -> Kinesis:
        """Abstract: a model holding ``stream_name`` with ``shard_count`` shards."""
        raise NotImplementedError("a contract subclass must provide kinesis_model")

    @pytest.fixture
    def make_backend(self, kinesis_model: Kinesis) -> MakeBackend:
        """Abstract: a factory of backends writing to ``kinesis_model``."""
        raise NotImplementedError("a contract subclass must provide make_backend")

    @pytest.fixture
    def backend(self, make_backend: MakeBackend, stream_name: str) -> Iterator[Backend]:
        with make_backend(stream_name) as backend:
            yield backend


class PublishContract(BackendFixtures):
    """publish: one record in, one receipt out, pointing at where it landed."""

    def test_receipt_names_a_real_shard_and_sequence_number(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """The receipt's shard and sequence number are those of the stored record."""
        event = ContractOrder(customer="ada", n=1)
        receipt = backend.publish(as_record(event))
        stored = read_back(kinesis_model, stream_name)[receipt.shard_id]
        assert [receipt.sequence_number] == [r.sequence_number for r in stored]
        assert (event.id, backend.name, 1) == (receipt.event_id, receipt.backend, receipt.attempts)
        assert receipt.ok

    def test_routes_by_md5_of_the_partition_key(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """The shard is the one whose hash range owns MD5(partition key)."""
        for customer in ("ada", "grace", "edsger", "barbara", "ken"):
            receipt = backend.publish(as_record(ContractOrder(customer=customer, n=0)))
            expected = owner(kinesis_model, stream_name, hash_partition_key(customer))
            assert expected == receipt.shard_id

    def test_explicit_hash_key_overrides_the_partition_key(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """An explicit hash key picks the shard owning it, at both ends of the key space."""
        for n, hash_key in enumerate((0, MAX_HASH_KEY // 2, MAX_HASH_KEY)):
            event = ContractRouted(n=n, hash_key=str(hash_key))
            receipt = backend.publish(as_record(event))
            assert owner(kinesis_model, stream_name, hash_key) == receipt.shard_id

    def test_sequence_numbers_increase_per_shard(self, backend: Backend) -> None:
        """Records for one key get strictly increasing sequence numbers."""
        numbers = [
            int(backend.publish(as_record(ContractOrder(customer="ada", n=n))).sequence_number)
            for n in range(10)
        ]
        assert sorted(set(numbers)) == numbers

    def test_unknown_stream_raises_stream_not_found(self, make_backend: MakeBackend) -> None:
        """Publishing to a stream that does not exist raises StreamNotFoundError naming it."""
        with make_backend("no-such-stream") as backend, pytest.raises(StreamNotFoundError) as info:
            backend.publish(as_record(ContractOrder(customer="ada", n=0)))
        assert "no-such-stream" in str(info.value)

    def test_oversized_record_raises_invalid_record(self, backend: Backend) -> None:
        """A record above the stream's maximum record size is refused as invalid."""
        record = Record(b"x" * (1024 * 1024), "ada", event_id="big")
        with pytest.raises(InvalidRecordError):
            backend.publish(record)


class PublishManyContract(BackendFixtures):
    """publish_many: one result per record, in input order, nothing dropped."""

    def test_results_in_input_order(self, backend: Backend) -> None:
        """Each result belongs to the record at the same position."""
        batch = records(orders(50))
        results = receipts(backend.publish_many(batch))
        assert [r.event_id for r in batch] == [r.event_id for r in results]

    def test_empty_batch(self, backend: Backend) -> None:
        """No records, no results."""
        assert [] == backend.publish_many([])

    def test_single_attempt_twin_delivers_to_the_same_stream(self, backend: Backend) -> None:
        """single_attempt() names the same backend and stream and delivers with one attempt."""
        twin = backend.single_attempt()
        batch = records(orders(10))
        results = receipts(twin.publish_many(batch))
        assert (backend.name, backend.stream) == (twin.name, twin.stream)
        assert {(backend.stream, 1)} == {(r.stream, r.attempts) for r in results}

    def test_records_read_back_equal_and_decode_to_equal_events(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """What is stored is byte-for-byte what was sent, and decodes to the same event."""
        events = orders(40, note="héllo ✓")
        batch = records(events)
        results = receipts(backend.publish_many(batch))
        stored = {
            r.sequence_number: r
            for rs in read_back(kinesis_model, stream_name).values()
            for r in rs
        }
        for event, record, receipt in zip(events, batch, results, strict=True):
            found = stored[receipt.sequence_number]
            assert (record.data, record.partition_key) == (found.data, found.partition_key)
            assert event.model_copy(update={"source": "contract"}) == default_registry.decode(
                found.data
            )

    def test_sequence_numbers_increase_per_shard_in_input_order(self, backend: Backend) -> None:
        """Within a shard, later records of a batch get greater sequence numbers."""
        results = receipts(backend.publish_many(records(orders(60))))
        by_shard: dict[str, list[int]] = {}
        for receipt in results:
            by_shard.setdefault(receipt.shard_id, []).append(int(receipt.sequence_number))
        for numbers in by_shard.values():
            assert sorted(set(numbers)) == numbers

    def test_same_partition_key_same_shard(self, backend: Backend) -> None:
        """Every record of one partition key lands in one shard."""
        results = receipts(backend.publish_many(records(orders(70, customers=5))))
        shards: dict[str, set[str]] = {}
        for n, receipt in enumerate(results):
            shards.setdefault(f"c{n % 5}", set()).add(receipt.shard_id)
        assert [1] * 5 == [len(found) for found in shards.values()]

    def test_more_than_500_records_and_10_mib(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """Batches beyond one request's limits are all delivered, in order."""
        small = records(orders(1100))
        large = [Record(b"y" * 1000 * 1000, f"big-{n}", event_id=f"big-{n}") for n in range(12)]
        results = receipts(backend.publish_many(small + large))
        assert [r.event_id for r in small + large] == [r.event_id for r in results]
        stored = sum(len(rs) for rs in read_back(kinesis_model, stream_name).values())
        assert len(small) + len(large) == stored

    def test_bad_records_fail_without_taking_others_down(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """Oversized or invalid records come back as failures; their neighbours are delivered."""
        good = records(orders(6))
        oversized = Record(b"x" * (1024 * 1024), "too-big", event_id="too-big")
        empty_key = Record(b"{}", "", event_id="empty-key")
        batch = [good[0], oversized, *good[1:4], empty_key, *good[4:]]
        results = backend.publish_many(batch)
        assert [r.event_id for r in batch] == [r.event_id for r in results]
        failed = {r.event_id: r for r in results if isinstance(r, PublishFailure)}
        assert {"too-big", "empty-key"} == set(failed)
        assert all(isinstance(f.error, InvalidRecordError) for f in failed.values())
        stored = sum(len(rs) for rs in read_back(kinesis_model, stream_name).values())
        assert len(good) == stored

    def test_unknown_stream_fails_every_record(self, make_backend: MakeBackend) -> None:
        """Every record of a batch to a missing stream fails with StreamNotFoundError."""
        with make_backend("no-such-stream") as backend:
            results = backend.publish_many(records(orders(5)))
        assert 5 == len(results)
        assert all(
            isinstance(r, PublishFailure) and isinstance(r.error, StreamNotFoundError)
            for r in results
        )

    def test_ordered_events_read_back_in_order(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """Events of an ordered class keep their order per partition key."""
        steps = [ContractStep(flow=f"f{n % 3}", step=n) for n in range(30)]
        receipts(backend.publish_many(records(steps)))
        for flow in ("f0", "f1", "f2"):
            stored = [
                default_registry.decode(r.data)
                for rs in read_back(kinesis_model, stream_name).values()
                for r in rs
                if r.partition_key == flow
            ]
            assert [s.step for s in steps if s.flow == flow] == [
                e.step for e in stored if isinstance(e, ContractStep)
            ]


class ShardsContract(BackendFixtures):
    """shards: the open shards and their hash ranges."""

    def test_open_shards_match_the_model(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """Shard ids and inclusive ranges are the model's, covering the key space."""
        shards = backend.shards()
        assert shards is not None
        expected = [
            (s.shard_id, s.hash_key_range.start, s.hash_key_range.end)
            for s in kinesis_model.list_shards(stream_name).shards
            if s.sequence_number_range.ending_sequence_number is None
        ]
        assert expected == [tuple(s) for s in shards]
        assert (0, MAX_HASH_KEY) == (shards[0].starting_hash_key, shards[-1].ending_hash_key)

    def test_closed_shards_are_left_out(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str, shard_count: int
    ) -> None:
        """After a reshard only the open children are listed."""
        kinesis_model.update_shard_count(stream_name, shard_count * 2, "UNIFORM_SCALING")
        shards = backend.shards()
        assert shards is not None
        assert shard_count * 2 == len(shards)
        key = hash_partition_key("ada")
        assert [owner(kinesis_model, stream_name, key)] == [
            s.shard_id for s in shards if s.owns(key)
        ]


class LifecycleContract(BackendFixtures):
    """close and the context manager."""

    def test_context_manager_closes(self, make_backend: MakeBackend, stream_name: str) -> None:
        """Leaving the with block closes the backend; publishing then raises."""
        with make_backend(stream_name) as backend:
            backend.publish(as_record(ContractOrder(customer="ada", n=0)))
        with pytest.raises(PublisherClosedError):
            backend.publish(as_record(ContractOrder(customer="ada", n=1)))

    def test_close_is_idempotent(self, make_backend: MakeBackend, stream_name: str) -> None:
        """Closing twice is fine."""
        backend = make_backend(stream_name)
        backend.close()
        backend.close()
        with pytest.raises(PublisherClosedError):
            backend.publish_many(records(orders(1)))

    def test_stream_deleted_between_calls(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """Once the stream is gone, publish raises and publish_many fails every record."""
        backend.publish(as_record(ContractOrder(customer="ada", n=0)))
        kinesis_model.delete_stream(stream_name)
        with pytest.raises(StreamNotFoundError):
            backend.publish(as_record(ContractOrder(customer="ada", n=1)))
        results = backend.publish_many(records(orders(3)))
        assert [StreamNotFoundError] * 3 == [
            type(r.error) for r in results if isinstance(r, PublishFailure)
        ]


class PublisherContract(BackendFixtures):
    """The backend behind a Publisher: typed events in, equal typed events stored."""

    def test_publisher_round_trip(
        self, backend: Backend, kinesis_model: Kinesis, stream_name: str
    ) -> None:
        """Events published through a Publisher decode to equal events."""
        publisher = Publisher(backend, source="contract")
        events = orders(5)
        first = publisher.publish(events[0])
        rest = receipts(publisher.publish_many(events[1:]))
        assert isinstance(first, PublishReceipt)
        stored = {
            r.sequence_number: default_registry.decode(r.data)
            for rs in read_back(kinesis_model, stream_name).values()
            for r in rs
        }
        assert [e.model_copy(update={"source": "contract"}) for e in events] == [
            stored[r.sequence_number] for r in [first, *rest]
        ]

    def test_errors_are_eventwire_errors(self, make_backend: MakeBackend) -> None:
        """Whatever goes wrong, the caller sees an eventwire BackendError."""
        with make_backend("no-such-stream") as backend, pytest.raises(BackendError) as info:
            backend.publish(as_record(ContractOrder(customer="ada", n=0)))
        assert type(info.value).__module__.startswith("eventwire.")


class BackendContract(
    PublishContract, PublishManyContract, ShardsContract, LifecycleContract, PublisherContract
):
    """Every contract test; subclass once per backend and provide the abstract fixtures."""
