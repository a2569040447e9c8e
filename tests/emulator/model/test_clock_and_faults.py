import time

import pytest

from eventwire_emulator.model import (
    Clock,
    FaultInjector,
    InjectedFault,
    Kinesis,
    ManualClock,
    PutRecordsRequestEntry,
    SystemClock,
)


class TestClocks:
    """Clocks are injectable; the manual one moves only when told."""

    def test_manual_clock_advance_set_and_sleep(self):
        """advance/set/sleep move a ManualClock, never backwards by advance."""
        clock = ManualClock(100.0)
        assert 101.5 == clock.advance(1.5)
        clock.sleep(0.5)
        assert 102.0 == clock.now()
        clock.set(50.0)
        assert 50.0 == clock.now()
        with pytest.raises(ValueError, match="negative"):
            clock.advance(-1)

    def test_system_clock_is_a_clock(self):
        """SystemClock follows the Clock protocol and tracks time.time()."""
        clock = SystemClock()
        assert isinstance(clock, Clock)
        assert abs(time.time() - clock.now()) < 1.0


def entries(n):
    return [PutRecordsRequestEntry(b"d", f"k{i}") for i in range(n)]


class TestFaults:
    """Scripted faults fail calls or entries with the chosen AWS code."""

    def setup_method(self):
        self.clock = ManualClock()
        self.k = Kinesis(clock=self.clock)
        self.k.create_stream("s", 1)

    def test_fail_next_calls_of_an_operation(self):
        """The next N calls of the named operation fail, then calls succeed."""
        self.k.faults.fail("KMSThrottlingException", "slow down", operation="PutRecord", times=2)
        self.k.describe_stream("s")
        for _ in range(2):
            with pytest.raises(InjectedFault) as caught:
                self.k.put_record("s", b"x", "p")
            assert ("KMSThrottlingException", "slow down") == (
                caught.value.code,
                caught.value.message,
            )
        assert "shardId-000000000000" == self.k.put_record("s", b"x", "p").shard_id

    def test_fail_for_a_period(self):
        """Every call fails from the first one the rule sees until the period ends."""
        self.k.faults.fail_for(2.0, operation="PutRecord")
        self.k.describe_stream("s")
        self.clock.advance(5.0)  # the period starts with the first matching call
        for _ in range(3):
            with pytest.raises(InjectedFault) as caught:
                self.k.put_record("s", b"x", "p")
            assert "InternalFailure" == caught.value.code
            self.clock.advance(0.6)
        self.clock.advance(0.3)
        assert "shardId-000000000000" == self.k.put_record("s", b"x", "p").shard_id
        with pytest.raises(ValueError, match="positive"):
            self.k.faults.fail_for(0)

    def test_fail_any_operation_default_message(self):
        """operation=None matches any call; known codes get AWS-like messages."""
        self.k.faults.fail("InternalFailure")
        with pytest.raises(InjectedFault, match="Internal Service Failure"):
            self.k.list_streams()

    def test_every_kth_entry_fails(self):
        """every=3 fails entries 3, 6, 9... and the others succeed in order."""
        self.k.faults.fail_entries("ProvisionedThroughputExceededException", every=3)
        result = self.k.put_records("s", entries(9))
        assert 3 == result.failed_record_count
        failed = [i for i, r in enumerate(result.records) if r.error]
        assert [2, 5, 8] == failed
        assert None is result.records[2].sequence_number
        assert all(r.sequence_number for i, r in enumerate(result.records) if i not in failed)

    def test_failed_entries_carry_the_injected_fault(self):
        """A failed entry holds an InjectedFault with the scripted code and message."""
        self.k.faults.fail_entries("KMSThrottlingException", "slow down", every=2)
        first, second = self.k.put_records("s", entries(2)).records
        assert None is first.error
        assert (None, None) == (second.sequence_number, second.shard_id)
        assert isinstance(second.error, InjectedFault)
        assert ("KMSThrottlingException", "slow down") == (
            second.error.code,
            second.error.message,
        )

    def test_fraction_is_deterministic_by_seed(self):
        """The same seed fails the same entries."""
        outcomes = []
        for _ in range(2):
            faults = FaultInjector()
            faults.fail_entries(fraction=0.3, seed=7)
            k = Kinesis(clock=ManualClock(), faults=faults)
            k.create_stream("s", 1)
            outcomes.append([r.error is not None for r in k.put_records("s", entries(50)).records])
        assert outcomes[0] == outcomes[1]
        assert 0 < sum(outcomes[0]) < 50

    def test_entry_fault_times_cap(self):
        """Times caps how many entries fail."""
        self.k.faults.fail_entries(every=1, times=2)
        assert 2 == self.k.put_records("s", entries(5)).failed_record_count
        assert 0 == self.k.put_records("s", entries(5)).failed_record_count

    def test_latency_advances_manual_clock(self):
        """Latency sleeps on the model clock, advancing a ManualClock."""
        start = self.clock.now()
        self.k.faults.add_latency(2.5, operation="PutRecord", times=1)
        self.k.put_record("s", b"x", "p")
        self.k.put_record("s", b"x", "p")
        assert start + 2.5 == self.clock.now()

    def test_clear_and_argument_checks(self):
        """clear() removes rules; bad rule arguments are ValueErrors."""
        self.k.faults.fail("InternalFailure", times=5)
        self.k.faults.clear()
        self.k.list_streams()
        with pytest.raises(ValueError, match="exactly one"):
            self.k.faults.fail_entries()
        with pytest.raises(ValueError, match="times"):
            self.k.faults.fail("X", times=0)
        with pytest.raises(ValueError, match="fraction"):
            self.k.faults.fail_entries(fraction=2.0)
        with pytest.raises(ValueError, match="negative"):
            self.k.faults.add_latency(-1)
