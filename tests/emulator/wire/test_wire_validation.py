"""Requests are checked against the service model's constraints, with AWS's messages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.wire.conftest import Client

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
CONSUMER_ARN = f"{ARN}/consumer/c:1700000000"
NAME_PATTERN = "[a-zA-Z0-9_.-]+"


def null(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def bad(value: str, path: str, constraint: str) -> str:
    return f"Value {value} at '{path}' failed to satisfy constraint: {constraint}"


def detected(*violations: str) -> str:
    count = len(violations)
    return f"{count} validation error{'' if count == 1 else 's'} detected: " + "; ".join(violations)


# Operation -> (members sent, paths AWS reports as null), transcribed from each
# operation's "required" list in the API reference.
REQUIRED: dict[str, tuple[dict[str, Any], list[str]]] = {
    "AddTagsToStream": ({"StreamName": "s"}, ["tags"]),
    "CreateStream": ({}, ["streamName"]),
    "DecreaseStreamRetentionPeriod": ({"StreamName": "s"}, ["retentionPeriodHours"]),
    "DisableEnhancedMonitoring": ({"StreamName": "s"}, ["shardLevelMetrics"]),
    "EnableEnhancedMonitoring": ({"StreamName": "s"}, ["shardLevelMetrics"]),
    "GetRecords": ({}, ["shardIterator"]),
    "GetShardIterator": ({"StreamName": "s"}, ["shardId", "shardIteratorType"]),
    "IncreaseStreamRetentionPeriod": ({"StreamName": "s"}, ["retentionPeriodHours"]),
    "ListStreamConsumers": ({}, ["streamARN"]),
    "ListTagsForResource": ({}, ["resourceARN"]),
    "MergeShards": ({"StreamName": "s"}, ["shardToMerge", "adjacentShardToMerge"]),
    "PutRecord": ({"StreamName": "s"}, ["data", "partitionKey"]),
    "PutRecords": ({"StreamName": "s"}, ["records"]),
    "RegisterStreamConsumer": ({}, ["streamARN", "consumerName"]),
    "RemoveTagsFromStream": ({"StreamName": "s"}, ["tagKeys"]),
    "SplitShard": ({"StreamName": "s"}, ["shardToSplit", "newStartingHashKey"]),
    "StartStreamEncryption": ({"StreamName": "s"}, ["encryptionType", "keyId"]),
    "StopStreamEncryption": ({"StreamName": "s"}, ["encryptionType", "keyId"]),
    "SubscribeToShard": ({}, ["consumerARN", "shardId", "startingPosition"]),
    "TagResource": ({}, ["tags", "resourceARN"]),
    "UntagResource": ({}, ["tagKeys", "resourceARN"]),
    "UpdateMaxRecordSize": ({"StreamARN": ARN}, ["maxRecordSizeInKiB"]),
    "UpdateShardCount": ({"StreamName": "s"}, ["targetShardCount", "scalingType"]),
    "UpdateStreamMode": ({}, ["streamARN", "streamModeDetails"]),
}

METRICS = (
    "IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, "
    "WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, "
    "IteratorAgeMilliseconds, ALL"
)
ITERATOR_TYPES = "AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP"
LONG_NAME = "a" * 129

# (operation, members, expected violations in order).
CONSTRAINTS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "DescribeStream",
        {"StreamName": LONG_NAME},
        [bad(f"'{LONG_NAME}'", "streamName", "Member must have length less than or equal to 128")],
    ),
    (
        "DescribeStream",
        {"StreamName": ""},
        [
            bad(
                "''",
                "streamName",
                f"Member must satisfy regular expression pattern: {NAME_PATTERN}",
            ),
            bad("''", "streamName", "Member must have length greater than or equal to 1"),
        ],
    ),
    (
        "DescribeStreamSummary",
        {"StreamName": "bad name!"},
        [
            bad(
                "'bad name!'",
                "streamName",
                f"Member must satisfy regular expression pattern: {NAME_PATTERN}",
            )
        ],
    ),
    (
        "DescribeStream",
        {"StreamName": "s", "Limit": 0},
        [bad("'0'", "limit", "Member must have value greater than or equal to 1")],
    ),
    (
        "ListStreams",
        {"Limit": 10001},
        [bad("'10001'", "limit", "Member must have value less than or equal to 10000")],
    ),
    (
        "ListShards",
        {"StreamName": "s", "MaxResults": 10001},
        [bad("'10001'", "maxResults", "Member must have value less than or equal to 10000")],
    ),
    (
        "ListTagsForStream",
        {"StreamName": "s", "Limit": 51},
        [bad("'51'", "limit", "Member must have value less than or equal to 50")],
    ),
    (
        "CreateStream",
        {"StreamName": "s", "ShardCount": 0},
        [bad("'0'", "shardCount", "Member must have value greater than or equal to 1")],
    ),
    (
        "CreateStream",
        {"StreamName": "s", "MaxRecordSizeInKiB": 1023},
        [
            bad(
                "'1023'",
                "maxRecordSizeInKiB",
                "Member must have value greater than or equal to 1024",
            )
        ],
    ),
    (
        "CreateStream",
        {"StreamName": "s", "StreamModeDetails": {"StreamMode": "FAST"}},
        [
            bad(
                "'FAST'",
                "streamModeDetails.streamMode",
                "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]",
            )
        ],
    ),
    (
        "CreateStream",
        {"StreamName": "s", "StreamModeDetails": {}},
        [null("streamModeDetails.streamMode")],
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": "", "PartitionKey": ""},
        [bad("''", "partitionKey", "Member must have length greater than or equal to 1")],
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": "", "PartitionKey": "k" * 257},
        [
            bad(
                f"'{'k' * 257}'",
                "partitionKey",
                "Member must have length less than or equal to 256",
            )
        ],
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": "", "PartitionKey": "k", "ExplicitHashKey": "01"},
        [
            bad(
                "'01'",
                "explicitHashKey",
                r"Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})",
            )
        ],
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": "", "PartitionKey": "k", "SequenceNumberForOrdering": "x"},
        [
            bad(
                "'x'",
                "sequenceNumberForOrdering",
                r"Member must satisfy regular expression pattern: 0|([1-9]\d{0,128})",
            )
        ],
    ),
    (
        "GetShardIterator",
        {"StreamName": "s", "ShardId": "shardId-0", "ShardIteratorType": "OLDEST"},
        [
            bad(
                "'OLDEST'",
                "shardIteratorType",
                f"Member must satisfy enum value set: [{ITERATOR_TYPES}]",
            )
        ],
    ),
    (
        "GetRecords",
        {"ShardIterator": "i" * 513},
        [
            bad(
                f"'{'i' * 513}'",
                "shardIterator",
                "Member must have length less than or equal to 512",
            )
        ],
    ),
    (
        "PutRecords",
        {"StreamName": "s", "Records": []},
        [bad("'[]'", "records", "Member must have length greater than or equal to 1")],
    ),
    (
        "PutRecords",
        {"StreamName": "s", "Records": [{"Data": ""}, {"PartitionKey": ""}]},
        [
            null("records.1.member.partitionKey"),
            null("records.2.member.data"),
            bad(
                "''",
                "records.2.member.partitionKey",
                "Member must have length greater than or equal to 1",
            ),
        ],
    ),
    (
        "PutRecords",
        {
            "StreamName": "s",
            "Records": [{"Data": "", "PartitionKey": "k", "ExplicitHashKey": "-1"}],
        },
        [
            bad(
                "'-1'",
                "records.1.member.explicitHashKey",
                r"Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})",
            )
        ],
    ),
    (
        "EnableEnhancedMonitoring",
        {"StreamName": "s", "ShardLevelMetrics": ["Bytes"]},
        [
            bad(
                "'[Bytes]'",
                "shardLevelMetrics",
                "Member must satisfy constraint: "
                f"[Member must satisfy enum value set: [{METRICS}]]",
            )
        ],
    ),
    (
        "DisableEnhancedMonitoring",
        {"StreamName": "s", "ShardLevelMetrics": ["ALL"] * 8},
        [
            bad(
                "'[" + ", ".join(["ALL"] * 8) + "]'",
                "shardLevelMetrics",
                "Member must have length less than or equal to 7",
            )
        ],
    ),
    (
        "AddTagsToStream",
        {"StreamName": "s", "Tags": {}},
        [bad("'{}'", "tags", "Member must have length greater than or equal to 1")],
    ),
    (
        "AddTagsToStream",
        {"StreamName": "s", "Tags": {"": "v"}},
        [
            bad(
                "'{=v}'",
                "tags",
                "Map keys must satisfy constraint: "
                "[Member must have length greater than or equal to 1]",
            )
        ],
    ),
    (
        "TagResource",
        {"ResourceARN": ARN, "Tags": {"k": "v" * 257}},
        [
            bad(
                f"'{{k={'v' * 257}}}'",
                "tags",
                "Map value must satisfy constraint: "
                "[Member must have length less than or equal to 256]",
            )
        ],
    ),
    (
        "RemoveTagsFromStream",
        {"StreamName": "s", "TagKeys": [str(i) for i in range(51)]},
        [
            bad(
                "'[" + ", ".join(str(i) for i in range(51)) + "]'",
                "tagKeys",
                "Member must have length less than or equal to 50",
            )
        ],
    ),
    (
        "ListShards",
        {"StreamName": "s", "ShardFilter": {"Type": "NEWEST"}},
        [
            bad(
                "'NEWEST'",
                "shardFilter.type",
                "Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, "
                "FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]",
            )
        ],
    ),
    (
        "SubscribeToShard",
        {"ConsumerARN": CONSUMER_ARN, "ShardId": "shardId-0", "StartingPosition": {}},
        [null("startingPosition.type")],
    ),
    (
        "DescribeStream",
        {"StreamARN": "arn:aws:s3:::bucket"},
        [
            bad(
                "'arn:aws:s3:::bucket'",
                "streamARN",
                r"Member must satisfy regular expression pattern: "
                r"arn:aws.*:kinesis:.*:\d{12}:stream/\S+",
            )
        ],
    ),
    (
        "DescribeStreamConsumer",
        {"ConsumerARN": ARN},
        [
            bad(
                f"'{ARN}'",
                "consumerARN",
                r"Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\d{12}:"
                r".*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+",
            )
        ],
    ),
    (
        "UpdateShardCount",
        {"StreamName": "s", "TargetShardCount": 2, "ScalingType": "FAST"},
        [bad("'FAST'", "scalingType", "Member must satisfy enum value set: [UNIFORM_SCALING]")],
    ),
    (
        "StartStreamEncryption",
        {"StreamName": "s", "EncryptionType": "AES", "KeyId": ""},
        [
            bad("'AES'", "encryptionType", "Member must satisfy enum value set: [NONE, KMS]"),
            bad("''", "keyId", "Member must have length greater than or equal to 1"),
        ],
    ),
    (
        "RegisterStreamConsumer",
        {"StreamARN": ARN, "ConsumerName": "c" * 129},
        [
            bad(
                f"'{'c' * 129}'",
                "consumerName",
                "Member must have length less than or equal to 128",
            )
        ],
    ),
    (
        "UpdateStreamMode",
        {
            "StreamARN": ARN,
            "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
            "WarmThroughputMiBps": -1,
        },
        [bad("'-1'", "warmThroughputMiBps", "Member must have value greater than or equal to 0")],
    ),
    (
        "ListStreamConsumers",
        {"StreamARN": ARN, "NextToken": ""},
        [bad("''", "nextToken", "Member must have length greater than or equal to 1")],
    ),
]

# (operation, members, SerializationException message).
TYPE_ERRORS: list[tuple[str, Any, str]] = [
    ("DescribeStream", {"StreamName": 123}, "NUMBER_VALUE can not be converted to a String"),
    ("DescribeStream", {"StreamName": True}, "TRUE_VALUE can not be converted to a String"),
    (
        "DescribeStream",
        {"StreamName": "s", "Limit": "10"},
        "STRING_VALUE can not be converted to an Integer",
    ),
    (
        "DeleteStream",
        {"StreamName": "s", "EnforceConsumerDeletion": "yes"},
        "STRING_VALUE can not be converted to a Boolean",
    ),
    (
        "PutRecords",
        {"StreamName": "s", "Records": {"Data": ""}},
        "Start of structure or map found where not expected.",
    ),
    (
        "AddTagsToStream",
        {"StreamName": "s", "Tags": [["k", "v"]]},
        "Start of list found where not expected",
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": 5, "PartitionKey": "k"},
        "NUMBER_VALUE can not be converted to a Blob",
    ),
    (
        "ListShards",
        {"StreamName": "s", "StreamCreationTimestamp": "2024-01-01"},
        "STRING_VALUE can not be converted to a Timestamp",
    ),
    ("ListStreams", [], "Start of list found where not expected"),
    ("ListStreams", "x", "STRING_VALUE can not be converted to a Structure"),
    (
        "CreateStream",
        {"StreamName": "s", "StreamModeDetails": "ON_DEMAND"},
        "STRING_VALUE can not be converted to a Structure",
    ),
    ("ListStreams", {"Limit": False}, "FALSE_VALUE can not be converted to an Integer"),
    ("ListStreams", {"Limit": [1]}, "Start of list found where not expected"),
    ("ListStreams", {"Limit": {"n": 1}}, "Start of structure or map found where not expected."),
]


class TestRequiredMembers:
    """A missing required member is reported as null, with every other missing one."""

    @pytest.mark.parametrize("operation", sorted(REQUIRED))
    def test_missing_members_are_listed(self, client: Client, operation: str) -> None:
        members, paths = REQUIRED[operation]
        assert (400, "ValidationException", detected(*(null(p) for p in paths))) == client.error(
            operation, **members
        )

    def test_json_null_counts_as_missing(self, client: Client) -> None:
        assert (400, "ValidationException", detected(null("streamName"))) == client.error(
            "CreateStream", StreamName=None
        )


class TestConstraints:
    """Lengths, ranges, patterns and enums fail with AWS's constraint messages."""

    @pytest.mark.parametrize(
        ("operation", "members", "violations"),
        CONSTRAINTS,
        ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(CONSTRAINTS)],
    )
    def test_violation_message(
        self, client: Client, operation: str, members: dict[str, Any], violations: list[str]
    ) -> None:
        assert (400, "ValidationException", detected(*violations)) == client.error(
            operation, **members
        )

    def test_put_records_with_501_entries_is_rejected(self, client: Client) -> None:
        records = [{"Data": "", "PartitionKey": "k"}] * 501
        status, code, message = client.error("PutRecords", StreamName="s", Records=records)
        assert (400, "ValidationException") == (status, code)
        assert message.endswith("Member must have length less than or equal to 500")

    def test_data_over_ten_mebibytes_is_reported_by_size(self, client: Client) -> None:
        data = "A" * (((10 * 1024 * 1024) // 3 + 1) * 4)
        size = len(data) // 4 * 3
        expected = bad(
            f"'java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]'",
            "data",
            "Member must have length less than or equal to 10485760",
        )
        assert (400, "ValidationException", detected(expected)) == client.error(
            "PutRecord", StreamName="s", Data=data, PartitionKey="k"
        )

    def test_violations_in_entries_and_top_level_are_reported_together(
        self, client: Client
    ) -> None:
        status, code, message = client.error(
            "PutRecords", StreamName="", Records=[{"Data": "", "PartitionKey": ""}]
        )
        assert (400, "ValidationException") == (status, code)
        assert message.startswith("3 validation errors detected: ")
        assert "'records.1.member.partitionKey'" in message

    def test_fractional_integers_are_truncated(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        assert 1 == len(client.ok("ListShards", StreamName="s", MaxResults=1.9)["Shards"])


class TestTypeErrors:
    """A member of the wrong JSON type is a SerializationException, before constraints."""

    @pytest.mark.parametrize(
        ("operation", "body", "message"),
        TYPE_ERRORS,
        ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(TYPE_ERRORS)],
    )
    def test_wrong_type(self, client: Client, operation: str, body: Any, message: str) -> None:
        status, document = client.raw(operation, body)
        assert (400, "SerializationException", message) == (
            status,
            document["__type"],
            document["message"],
        )

    @pytest.mark.parametrize("data", ["!!!!", "aGk", "aGk=aGk=x", "héllo="])
    def test_bad_base64_data(self, client: Client, data: str) -> None:
        status, code, message = client.error(
            "PutRecord", StreamName="s", Data=data, PartitionKey="k"
        )
        assert (400, "SerializationException") == (status, code)
        assert message.startswith("Base64 encoded value at 'data' is invalid")

    def test_bad_base64_in_a_put_records_entry(self, client: Client) -> None:
        status, code, message = client.error(
            "PutRecords",
            StreamName="s",
            Records=[{"Data": "aGk=", "PartitionKey": "k"}, {"Data": "*", "PartitionKey": "k"}],
        )
        assert (400, "SerializationException") == (status, code)
        assert "'records.2.member.data'" in message

    def test_overflowing_number_for_an_integer(self, client: Client) -> None:
        status, document = client.raw("ListStreams", b'{"Limit": 1e400}')
        assert (400, "SerializationException") == (status, document["__type"])

    def test_overflowing_number_for_a_timestamp(self, client: Client) -> None:
        status, document = client.raw(
            "ListShards", b'{"StreamName": "s", "StreamCreationTimestamp": 1e400}'
        )
        assert (400, "SerializationException") == (status, document["__type"])


class TestUnknownMembers:
    """Members the service model does not define are ignored, as AWS ignores them."""

    def test_unknown_member_is_ignored(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1, DryRun=False, Bogus={"x": 1})
        assert ["s"] == client.ok("ListStreams")["StreamNames"]
