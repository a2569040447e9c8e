from __future__ import annotations

import re

import pytest

import eventwire_emulator
from eventwire import ConfigurationError, Event
from eventwire_emulator import Kinesis, read_records
from eventwire_emulator.settings import quotas_setting


class Note(Event, event_type="test.emulator.note", partition_key="key"):
    key: str
    text: str


class TestPytestPlugin:
    """The pytest11 entry point gives users emulator fixtures without a conftest."""

    def test_fixtures_in_a_user_project(self, pytester: pytest.Pytester) -> None:
        """A user's tests get an emulator, a boto3 client, a publisher and a stream reader."""
        pytester.makepyfile(
            """
            import json
            from eventwire import Event
            from eventwire_emulator import read_records

            class Paid(Event, partition_key="invoice"):
                invoice: str

            def test_all(kinesis_emulator, kinesis_client, emulator_publisher, read_stream):
                answer = kinesis_client.put_record(
                    StreamName="test-stream", Data=json.dumps({"personId": 1}), PartitionKey="1"
                )
                assert "shardId-000000000003" == answer["ShardId"]
                receipt = emulator_publisher.publish(Paid(invoice="i-1"))
                stored = read_records(kinesis_emulator, "test-stream")
                assert {answer["SequenceNumber"], receipt.sequence_number} == {
                    record.sequence_number for record in stored
                }

            def test_clock(kinesis_clock, kinesis_emulator):
                kinesis_emulator.quotas = True
                before = kinesis_clock.now()
                kinesis_clock.advance(5)
                assert before + 5 == kinesis_clock.now()
            """
        )
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=2)

    def test_read_stream_decodes(self, pytester: pytest.Pytester) -> None:
        """read_stream returns the typed events the publisher wrote, equal to the originals."""
        pytester.makepyfile(
            """
            from eventwire import Event

            class Paid(Event, partition_key="invoice"):
                invoice: str

            def test_equal(emulator_publisher, read_stream):
                sent = [Paid(invoice=f"i-{n}") for n in range(10)]
                emulator_publisher.publish_many(sent)
                got = sorted(read_stream(), key=lambda e: e.invoice)
                assert [e.with_source("test") for e in sorted(sent, key=lambda e: e.invoice)] == got
            """
        )
        pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


class TestReading:
    """read_records reads every shard, closed parents included."""

    def test_parents_and_children(self) -> None:
        """Records written before and after a split are all read back, each exactly once."""
        kinesis = Kinesis()
        kinesis.create_stream("r", 1)
        before = [kinesis.put_record("r", f"b{n}".encode(), f"k{n}") for n in range(10)]
        kinesis.split_shard("r", "shardId-000000000000", str(2**127))
        after = [kinesis.put_record("r", f"a{n}".encode(), f"k{n}") for n in range(10)]
        records = read_records(kinesis, "r")
        expected = {r.sequence_number for r in before + after}
        assert expected == {record.sequence_number for record in records}
        assert 20 == len(records)
        assert {"shardId-000000000000"} == {
            record.shard_id for record in records if record.data.startswith(b"b")
        }
        assert "shardId-000000000000" not in {
            record.shard_id for record in records if record.data.startswith(b"a")
        }


class TestQuotasSetting:
    """EVENTWIRE_EMULATOR_QUOTAS switches quotas either way."""

    @pytest.mark.parametrize(
        ("value", "default", "expected"),
        [("", True, True), ("", False, False), ("on", False, True), ("OFF", True, False)],
    )
    def test_values(
        self, monkeypatch: pytest.MonkeyPatch, value: str, default: bool, expected: bool
    ) -> None:
        """Unset keeps the caller's default; on/off override it."""
        monkeypatch.setenv("EVENTWIRE_EMULATOR_QUOTAS", value)
        assert expected is quotas_setting(default)

    def test_bad_value(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Anything else is a configuration error naming the variable."""
        monkeypatch.setenv("EVENTWIRE_EMULATOR_QUOTAS", "maybe")
        with pytest.raises(ConfigurationError, match="EVENTWIRE_EMULATOR_QUOTAS='maybe'"):
            quotas_setting(True)


class TestPublicSurface:
    """eventwire_emulator's public names change only on purpose."""

    def test_all(self) -> None:
        """__all__ is pinned."""
        assert [
            "QUOTAS_ENV", "EmulatorBackend", "FaultInjector", "Kinesis", "ManualClock",
            "StoredRecord", "SystemClock", "__version__", "client", "read_events",
            "read_records", "shared_emulator",
        ] == eventwire_emulator.__all__  # fmt: skip


class TestDemo:
    """The Quickstart demo runs and shows the walkthrough answer and the spread."""

    def test_demo_output(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The demo prints put_record's answer, the events read back and per-shard counts."""
        from eventwire_emulator.demo import main

        main()
        out = capsys.readouterr().out
        assert '"ShardId": "shardId-000000000003"' in out  # md5("1") is in the top quarter
        assert '"EncryptionType": "NONE"' in out
        assert "PersonCreated {'person_id': 1, 'name': 'Ada'}" in out
        assert 'raw {"personId": 1}' in out
        assert "records per shard:" in out
        assert 1 == out.count('"specversion": "1.0"')  # one envelope, shown once
        assert "4900…" in out
        assert 0 == len(re.findall(r"\d{56}", out))  # no full-length sequence number
        assert out.rstrip().splitlines()[-1].lstrip().startswith("eventwire tail orders")
        assert 13 == sum(int(line.split()[-1]) for line in out.splitlines() if "#" in line)
