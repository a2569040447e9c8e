"""Model errors are named by one table, and reach clients as AWS error documents."""

from __future__ import annotations

import logging

import pytest

from eventwire_emulator.model import (
    InjectedFault,
    InvalidArgument,
    IteratorExpired,
    Kinesis,
    LimitExceeded,
    ManualClock,
    ModelError,
    NextTokenExpired,
    ResourceInUse,
    ResourceNotFound,
    StreamNotFound,
    ThroughputExceeded,
    UnsupportedInStreamMode,
)
from eventwire_emulator.wire import AwsError, Wire, aws_error
from tests.emulator.wire.conftest import Client

TABLE: list[tuple[ModelError, str, int]] = [
    (StreamNotFound("s", "000000000000"), "ResourceNotFoundException", 400),
    (ResourceNotFound("no shard"), "ResourceNotFoundException", 400),
    (ResourceInUse("busy"), "ResourceInUseException", 400),
    (InvalidArgument("bad"), "InvalidArgumentException", 400),
    (UnsupportedInStreamMode("SplitShard", "s", "ON_DEMAND"), "ValidationException", 400),
    (LimitExceeded("too many"), "LimitExceededException", 400),
    (
        ThroughputExceeded("slow down", "shardId-000000000000"),
        "ProvisionedThroughputExceededException",
        400,
    ),
    (IteratorExpired("old"), "ExpiredIteratorException", 400),
    (NextTokenExpired("old"), "ExpiredNextTokenException", 400),
]


class TestAwsError:
    """aws_error names each model error with its AWS code and HTTP status."""

    @pytest.mark.parametrize(("exc", "code", "status"), TABLE, ids=[c for _, c, _ in TABLE])
    def test_model_error(self, exc: ModelError, code: str, status: int) -> None:
        assert AwsError(code, status, exc.message) == aws_error(exc)

    @pytest.mark.parametrize(
        ("code", "status"),
        [
            ("InternalFailure", 500),
            ("InternalFailureException", 500),
            ("ServiceUnavailable", 503),
            ("KMSThrottlingException", 400),
            ("KMSAccessDeniedException", 400),
            ("AccessDeniedException", 400),
            ("ProvisionedThroughputExceededException", 400),
            ("SomethingNew", 400),
        ],
    )
    def test_injected_fault_keeps_its_code(self, code: str, status: int) -> None:
        assert AwsError(code, status, "boom") == aws_error(InjectedFault(code, "boom"))

    def test_subclass_maps_like_its_base(self) -> None:
        class Custom(InvalidArgument):
            pass

        assert "InvalidArgumentException" == aws_error(Custom("x")).code

    def test_unmapped_model_error_is_an_internal_failure(self) -> None:
        class Unmapped(ModelError):
            pass

        assert AwsError("InternalFailure", 500, "x") == aws_error(Unmapped("x"))

    def test_body_is_the_json_error_document(self) -> None:
        assert (
            b'{"__type":"LimitExceededException","message":"m"}'
            == AwsError("LimitExceededException", 400, "m").body()
        )


class TestModelErrorsThroughTheWire:
    """Real model failures come back with the table's code and status."""

    def test_unknown_stream(self, client: Client) -> None:
        assert (
            400,
            "ResourceNotFoundException",
            "Stream nope under account 000000000000 not found.",
        ) == client.error("DescribeStream", StreamName="nope")

    def test_existing_stream(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        status, code, _ = client.error("CreateStream", StreamName="s", ShardCount=1)
        assert (400, "ResourceInUseException") == (status, code)

    def test_hash_key_out_of_range(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        status, code, _ = client.error(
            "PutRecord", StreamName="s", Data="", PartitionKey="k", ExplicitHashKey=str(2**128)
        )
        assert (400, "InvalidArgumentException") == (status, code)

    def test_expired_iterator(self, client: Client, clock: ManualClock) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        iterator = client.ok(
            "GetShardIterator",
            StreamName="s",
            ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        clock.advance(301)
        status, code, _ = client.error("GetRecords", ShardIterator=iterator)
        assert (400, "ExpiredIteratorException") == (status, code)

    def test_expired_next_token(self, client: Client, clock: ManualClock) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=3)
        token = client.ok("ListShards", StreamName="s", MaxResults=1)["NextToken"]
        clock.advance(301)
        status, code, _ = client.error("ListShards", NextToken=token)
        assert (400, "ExpiredNextTokenException") == (status, code)

    def test_shard_limit(self, clock: ManualClock) -> None:
        client = Client(Wire(Kinesis(clock=clock, shard_limit=2)))
        status, code, _ = client.error("CreateStream", StreamName="s", ShardCount=3)
        assert (400, "LimitExceededException") == (status, code)

    def test_write_throughput(self, clock: ManualClock) -> None:
        client = Client(Wire(Kinesis(clock=clock, quotas=True)))
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        data = "A" * (4 * 1024 * 100)  # 300 KiB a record; a shard takes 1 MiB/s
        codes = [
            client.raw("PutRecord", {"StreamName": "s", "Data": data, "PartitionKey": "k"})
            for _ in range(5)
        ]
        assert (400, "ProvisionedThroughputExceededException") == (
            codes[-1][0],
            codes[-1][1]["__type"],
        )

    @pytest.mark.parametrize(
        ("operation", "members"),
        [
            ("UpdateShardCount", {"TargetShardCount": 8, "ScalingType": "UNIFORM_SCALING"}),
            ("SplitShard", {"ShardToSplit": "shardId-000000000000", "NewStartingHashKey": "5"}),
            (
                "MergeShards",
                {
                    "ShardToMerge": "shardId-000000000000",
                    "AdjacentShardToMerge": "shardId-000000000001",
                },
            ),
        ],
    )
    def test_resharding_an_on_demand_stream(
        self, client: Client, operation: str, members: dict[str, object]
    ) -> None:
        client.ok("CreateStream", StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        assert (
            400,
            "ValidationException",
            f"{operation} is not supported for stream od in ON_DEMAND mode; "
            "it applies to PROVISIONED streams only.",
        ) == client.error(operation, StreamName="od", **members)

    def test_injected_fault(self, client: Client, kinesis: Kinesis) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        kinesis.faults.fail("InternalFailure", operation="PutRecord")
        assert (500, "InternalFailure", "Internal Service Failure") == client.error(
            "PutRecord", StreamName="s", Data="", PartitionKey="k"
        )
        client.ok("PutRecord", StreamName="s", Data="", PartitionKey="k")


class TestPutRecordsEntryFailures:
    """Per-entry failures carry ErrorCode and ErrorMessage; the others succeed."""

    def test_every_second_entry_fails(self, client: Client, kinesis: Kinesis) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        kinesis.faults.fail_entries("ProvisionedThroughputExceededException", every=2)
        result = client.ok(
            "PutRecords",
            StreamName="s",
            Records=[{"Data": "", "PartitionKey": str(i)} for i in range(4)],
        )
        assert 2 == result["FailedRecordCount"]
        assert [False, True, False, True] == ["ErrorCode" in entry for entry in result["Records"]]
        assert {
            "ErrorCode": "ProvisionedThroughputExceededException",
            "ErrorMessage": "Rate exceeded (injected fault).",
        } == result["Records"][1]
        assert {"SequenceNumber", "ShardId"} == set(result["Records"][0])

    def test_throttled_entries_are_named_by_the_table(self, clock: ManualClock) -> None:
        client = Client(Wire(Kinesis(clock=clock, quotas=True)))
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        records = [{"Data": "", "PartitionKey": "k"}] * 500
        client.ok("PutRecords", StreamName="s", Records=records)
        client.ok("PutRecords", StreamName="s", Records=records)
        result = client.ok("PutRecords", StreamName="s", Records=records[:2])
        assert 2 == result["FailedRecordCount"]
        assert {
            "ErrorCode": "ProvisionedThroughputExceededException",
            "ErrorMessage": "Rate exceeded for shard shardId-000000000000 in stream s "
            "under account 000000000000.",
        } == result["Records"][0]

    def test_message_is_json_escaped(self, client: Client, kinesis: Kinesis) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        kinesis.faults.fail_entries("InternalFailure", 'say "no"\n', every=1)
        result = client.ok(
            "PutRecords", StreamName="s", Records=[{"Data": "", "PartitionKey": "k"}]
        )
        assert 'say "no"\n' == result["Records"][0]["ErrorMessage"]


class TestBugs:
    """An exception that is not a model error is logged and answered with a 500."""

    def test_unexpected_exception(self, caplog: pytest.LogCaptureFixture) -> None:
        class Broken(Kinesis):
            def list_streams(self, **_: object) -> object:  # type: ignore[override]
                raise RuntimeError("oops")

        client = Client(Wire(Broken(clock=ManualClock())))
        with caplog.at_level(logging.ERROR, logger="eventwire_emulator.wire.protocol"):
            assert (500, "InternalFailure", "The emulator failed; see its log.") == client.error(
                "ListStreams"
            )
        assert "RuntimeError: oops" in caplog.text
