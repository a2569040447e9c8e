"""Injected faults: partial PutRecords failures, throttling storms, a stream deleted mid-run."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from eventwire import (
    DeliveryError,
    Event,
    PublishFailure,
    PublishReceipt,
    PublishResult,
    StreamNotFoundError,
    ThrottledError,
    default_registry,
)
from eventwire.backends import Record, records_for
from eventwire_emulator.model import Kinesis
from eventwire_kinesis import KinesisBackend, RetryPolicy
from tests.kinesis_backend.conftest import SHARDS, STREAM, FakeTime
from tests.kinesis_backend.events import Placed, Step, rec

THROTTLED = "ProvisionedThroughputExceededException"

Batch = Callable[[Sequence[Event]], Sequence[Record]]


@pytest.fixture(params=["list", "checked"])
def batch(request: pytest.FixtureRequest) -> Batch:
    """Records for events: a caller's list, or ``records_for``'s ``CheckedRecords``.

    Publishers hand a backend ``CheckedRecords``, which it need not check again
    and whose fully successful answers it settles in one pass; every fault
    here must end the same either way.
    """
    if request.param == "checked":
        return lambda events: records_for(events, source="tests")
    return lambda events: [rec(event) for event in events]


def stored_steps(kinesis: Kinesis) -> dict[str, list[int]]:
    """The ``Step`` events in the stream, as step numbers per flow in shard order."""
    flows: dict[str, list[int]] = {}
    for shard in kinesis.list_shards(STREAM).shards:
        iterator = kinesis.get_shard_iterator(STREAM, shard.shard_id, "TRIM_HORIZON")
        for record in kinesis.get_records(iterator).records:
            event = default_registry.decode(record.data)
            assert isinstance(event, Step)
            flows.setdefault(event.flow, []).append(event.step)
    return flows


def stored_count(kinesis: Kinesis) -> int:
    return sum(
        len(
            kinesis.get_records(
                kinesis.get_shard_iterator(STREAM, s.shard_id, "TRIM_HORIZON")
            ).records
        )
        for s in kinesis.list_shards(STREAM).shards
    )


class TestPartialFailures:
    """Only failed entries are retried; every event ends delivered or failed."""

    def test_failed_entries_are_retried_and_delivered(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis, sent: list[Any]
    ) -> None:
        """Every third entry fails once; the retry round sends only those."""
        kinesis.faults.fail_entries("InternalFailure", every=3, times=4)
        records = batch([Placed(customer=f"c{n}", n=n) for n in range(12)])
        results = backend.publish_many(records)
        assert [2 if n % 3 == 2 else 1 for n in range(12)] == [r.attempts for r in results]
        assert all(isinstance(r, PublishReceipt) for r in results)
        assert [12, 4] == [len(params["Records"]) for _, params in sent]
        assert 12 == stored_count(kinesis)

    def test_results_keep_input_order(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis
    ) -> None:
        """Retried entries come back at their original positions."""
        kinesis.faults.fail_entries(THROTTLED, fraction=0.5, seed=3, times=30)
        records = batch([Placed(customer=f"c{n % 9}", n=n) for n in range(60)])
        results = backend.publish_many(records)
        assert [r.event_id for r in records] == [r.event_id for r in results]

    def test_non_retryable_entry_codes_fail_at_once(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis
    ) -> None:
        """A KMS access error on an entry is final after one attempt, with its code."""
        kinesis.faults.fail_entries("KMSAccessDeniedException", every=2, times=1)
        results = backend.publish_many(batch([Placed(customer="a", n=n) for n in range(3)]))
        failure = results[1]
        assert isinstance(failure, PublishFailure)
        assert ("KMSAccessDeniedException", 1) == (failure.code, failure.attempts)
        assert [True, False, True] == [r.ok for r in results]


class TestThrottlingStorm:
    """Throttling that outlasts the retry budget becomes ThrottledError failures."""

    def test_storm_exhausts_attempts(
        self,
        batch: Batch,
        make_backend: Callable[..., KinesisBackend],
        kinesis: Kinesis,
        fake_time: FakeTime,
    ) -> None:
        """Every entry throttled every time: all fail after max_attempts, none dropped."""
        kinesis.faults.fail_entries(THROTTLED, fraction=1.0)
        backend = make_backend(max_attempts=3)
        results = backend.publish_many(batch([Placed(customer=f"c{n}", n=n) for n in range(20)]))
        assert 20 == len(results)
        assert all(isinstance(r, PublishFailure) for r in results)
        failures = [r for r in results if isinstance(r, PublishFailure)]
        assert {(THROTTLED, 3, ThrottledError)} == {
            (f.code, f.attempts, type(f.error)) for f in failures
        }
        assert "max_attempts=3" in failures[0].message
        assert 2 == len(fake_time.naps)
        assert 0 == stored_count(kinesis)

    def test_storm_stops_at_the_deadline(
        self,
        batch: Batch,
        make_backend: Callable[..., KinesisBackend],
        kinesis: Kinesis,
        fake_time: FakeTime,
    ) -> None:
        """With a long budget of attempts, the deadline ends the retries."""
        kinesis.faults.fail_entries(THROTTLED, fraction=1.0)
        backend = make_backend(max_attempts=1000, base_delay=1.0, max_delay=1.0, deadline=10.0)
        results = backend.publish_many(batch([Placed(customer="a", n=0)]))
        failure = results[0]
        assert isinstance(failure, PublishFailure)
        assert isinstance(failure.error, ThrottledError)
        assert 10.0 > sum(fake_time.naps)
        assert failure.attempts == len(fake_time.naps) + 1
        assert "retry deadline 10 s" in failure.message

    def test_storm_that_passes_is_survived(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis, fake_time: FakeTime
    ) -> None:
        """A storm shorter than the budget costs attempts, not events."""
        kinesis.faults.fail_entries(THROTTLED, fraction=1.0, times=40)
        results = backend.publish_many(batch([Placed(customer=f"c{n}", n=n) for n in range(20)]))
        assert [3] * 20 == [r.attempts for r in results]
        assert all(isinstance(r, PublishReceipt) for r in results)

    def test_whole_request_throttling_is_retried(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis
    ) -> None:
        """A throttled PutRecords call as a whole is retried like failed entries."""
        kinesis.faults.fail(THROTTLED, operation="PutRecords", times=2)
        results = backend.publish_many(batch([Placed(customer="a", n=n) for n in range(5)]))
        assert [3] * 5 == [r.attempts for r in results]

    def test_publish_retries_put_record(self, backend: KinesisBackend, kinesis: Kinesis) -> None:
        """A single publish retries a throttled PutRecord and reports the attempts."""
        kinesis.faults.fail(THROTTLED, operation="PutRecord", times=2)
        assert 3 == backend.publish(rec(Placed(customer="a", n=0))).attempts


class TestStreamDeletedMidRun:
    """A stream deleted during a batch: delivered events keep receipts, the rest fail."""

    def test_deleted_during_backoff(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis, fake_time: FakeTime
    ) -> None:
        """Entries waiting for a retry when the stream vanishes fail with StreamNotFoundError."""
        kinesis.faults.fail_entries("InternalFailure", every=4)
        fake_time.during_nap.append(lambda: kinesis.delete_stream(STREAM))
        results = backend.publish_many(batch([Placed(customer=f"c{n}", n=n) for n in range(16)]))
        assert 16 == len(results)
        outcome = [type(r.error) if isinstance(r, PublishFailure) else "ok" for r in results]
        assert ["ok", "ok", "ok", StreamNotFoundError] * 4 == outcome

    def test_deleted_between_requests_of_one_batch(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis, sent: list[Any]
    ) -> None:
        """After the first 500-record request the stream is gone: no further requests are sent."""
        kinesis.faults.fail("ResourceNotFoundException", operation="PutRecords", times=1)
        results = backend.publish_many(batch([Placed(customer="a", n=n) for n in range(1200)]))
        assert 1 == len(sent)
        assert {StreamNotFoundError} == {
            type(r.error) for r in results if isinstance(r, PublishFailure)
        }
        assert 1200 == len(results)


class TestOrderingUnderFaults:
    """Strictly ordered events keep per-key order through retries."""

    def test_failed_entry_is_not_overtaken(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis, sent: list[Any]
    ) -> None:
        """Later records of a key wait for the retried one; the stream holds them in order."""
        kinesis.faults.fail_entries("InternalFailure", every=2, times=3)
        steps = [Step(flow=f"f{n % 2}", step=n) for n in range(8)]
        results = backend.publish_many(batch(steps))
        assert all(isinstance(r, PublishReceipt) for r in results)
        assert {"f0": [0, 2, 4, 6], "f1": [1, 3, 5, 7]} == stored_steps(kinesis)
        assert all(len(params["Records"]) <= 2 for _, params in sent)

    def test_final_failure_blocks_the_key(
        self,
        batch: Batch,
        make_backend: Callable[..., KinesisBackend],
        kinesis: Kinesis,
        fake_time: FakeTime,
    ) -> None:
        """When a record of a key finally fails, later ones for that key fail unsent."""
        kinesis.faults.fail_entries(THROTTLED, every=1, times=1)
        fake_time.during_nap.append(lambda: kinesis.faults.fail(THROTTLED, operation="PutRecords"))
        backend = make_backend(max_attempts=2)
        steps = [Step(flow="a", step=n) for n in range(4)] + [Step(flow="b", step=0)]
        results = backend.publish_many(batch(steps))
        outcome = [
            (type(r.error), r.attempts) if isinstance(r, PublishFailure) else "ok" for r in results
        ]
        blocked = (DeliveryError, 0)
        assert [(ThrottledError, 2), blocked, blocked, blocked, "ok"] == outcome
        assert {"b": [0]} == stored_steps(kinesis)
        assert isinstance(results[1], PublishFailure)
        assert "was not delivered" in results[1].message

    @settings(max_examples=25, deadline=None)
    @given(
        seed=st.integers(0, 10_000),
        fraction=st.floats(0.0, 0.6),
        count=st.integers(1, 80),
        keys=st.integers(1, 6),
    )
    @pytest.mark.parametrize("checked", [False, True], ids=["list", "checked"])
    def test_every_event_accounted_for_in_order(
        self, checked: bool, seed: int, fraction: float, count: int, keys: int
    ) -> None:
        """Random entry failures: each event delivered or failed, delivered ones in key order."""
        kinesis = Kinesis()
        kinesis.create_stream(STREAM, SHARDS)
        kinesis.faults.fail_entries("InternalFailure", fraction=fraction, seed=seed)
        from botocore.config import Config

        from eventwire_emulator.boto import client

        boto = client(kinesis, config=Config(retries={"total_max_attempts": 1}))
        backend = KinesisBackend(
            STREAM,
            client=boto,
            retry=RetryPolicy(max_attempts=3),
            sleep=lambda _: None,
            rng=random.Random(seed),
        )
        steps = [Step(flow=f"f{n % keys}", step=n) for n in range(count)]
        records = records_for(steps, source="tests") if checked else [rec(s) for s in steps]
        results: list[PublishResult] = backend.publish_many(records)
        assert [s.id for s in steps] == [r.event_id for r in results]
        delivered = {r.event_id for r in results if isinstance(r, PublishReceipt)}
        expected: dict[str, list[int]] = {}
        for step in steps:
            if step.id in delivered:
                expected.setdefault(step.flow, []).append(step.step)
        assert expected == stored_steps(kinesis)
        for flow in {s.flow for s in steps}:
            mine = [r.ok for s, r in zip(steps, results, strict=True) if s.flow == flow]
            # Delivered events of a key form a prefix: nothing after a failure got through.
            assert sorted(mine, reverse=True) == mine


class TestFailuresKeepTheirCause:
    """A record that runs out of retries says what went wrong at the bottom."""

    def test_whole_call_failure(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis, sent: list[Any]
    ) -> None:
        """A 500 on every PutRecords: the AWS code, botocore's error as cause, marked ambiguous.

        The Kinesis API reference lists InternalFailure as a 500 that the caller
        may retry; nothing says whether the failed request was applied.
        """
        kinesis.faults.fail("InternalFailure", operation="PutRecords", times=10)
        [result] = backend.publish_many(batch([Placed(customer="c", n=1)]))
        assert isinstance(result, PublishFailure)
        assert "InternalFailure" == result.code
        assert isinstance(result.error.__cause__, ClientError)
        assert "gave up after 4 attempt(s)" in result.message
        assert result.error.ambiguous
        assert 4 == result.attempts == len(sent)

    def test_throttled_entries_are_not_ambiguous(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis
    ) -> None:
        """A throttled entry was refused, not lost: the failure is certain and names the code."""
        kinesis.faults.fail_entries(THROTTLED, every=1, times=10)
        [result] = backend.publish_many(batch([Placed(customer="c", n=1)]))
        assert isinstance(result, PublishFailure)
        assert isinstance(result.error, ThrottledError)
        assert THROTTLED == result.code
        assert not result.error.ambiguous

    def test_receipt_after_an_ambiguous_attempt_says_so(
        self, batch: Batch, backend: KinesisBackend, kinesis: Kinesis
    ) -> None:
        """After a 5xx and a retry, the record may be on the stream twice: the receipt says so."""
        kinesis.faults.fail("InternalFailure", operation="PutRecords", times=1)
        [first] = backend.publish_many(batch([Placed(customer="c", n=1)]))
        [second] = backend.publish_many(batch([Placed(customer="c", n=2)]))
        assert isinstance(first, PublishReceipt)
        assert isinstance(second, PublishReceipt)
        assert (2, True) == (first.attempts, first.ambiguous)
        assert (1, False) == (second.attempts, second.ambiguous)
