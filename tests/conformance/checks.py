"""The checks, each citing the Kinesis API reference behaviour it holds an endpoint to."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.conformance.harness import MAX_HASH_KEY, Endpoint, check, error_code, short_type

if TYPE_CHECKING:
    from mypy_boto3_kinesis.literals import ShardIteratorTypeType
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

BAD_REQUEST = {"ValidationException", "InvalidArgumentException"}


def _split_in_half(endpoint: Endpoint, name: str) -> tuple[str, list[str]]:
    parent = endpoint.shards(name)[0]
    middle = (int(parent["HashKeyRange"]["EndingHashKey"]) + 1) // 2
    endpoint.client.split_shard(
        StreamName=name, ShardToSplit=parent["ShardId"], NewStartingHashKey=str(middle)
    )
    endpoint.wait_active(name)
    children = [s["ShardId"] for s in endpoint.shards(name) if s.get("ParentShardId")]
    return parent["ShardId"], children


@check
def check_routing_at_ending_hash_key(endpoint: Endpoint) -> None:
    """A hash key equal to a shard's EndingHashKey belongs to that shard (ranges are inclusive)."""
    name = endpoint.stream(2)
    first, second = endpoint.shards(name)
    end = first["HashKeyRange"]["EndingHashKey"]
    put = endpoint.client.put_record
    assert (
        first["ShardId"]
        == put(StreamName=name, Data=b"x", PartitionKey="k", ExplicitHashKey=end)["ShardId"]
    )
    assert (
        second["ShardId"]
        == put(StreamName=name, Data=b"x", PartitionKey="k", ExplicitHashKey=str(int(end) + 1))[
            "ShardId"
        ]
    )
    assert (
        second["ShardId"]
        == put(StreamName=name, Data=b"x", PartitionKey="k", ExplicitHashKey=str(MAX_HASH_KEY))[
            "ShardId"
        ]
    )


@check
def check_explicit_hash_key_out_of_range(endpoint: Endpoint) -> None:
    """ExplicitHashKey 2^128 is outside the key space and rejected."""
    name = endpoint.stream(1)
    code = error_code(
        lambda: endpoint.client.put_record(
            StreamName=name, Data=b"x", PartitionKey="k", ExplicitHashKey=str(MAX_HASH_KEY + 1)
        )
    )
    assert code in BAD_REQUEST


@check
def check_puts_after_split_land_in_children(endpoint: Endpoint) -> None:
    """After SplitShard the parent is closed; new records go only to the children."""
    name = endpoint.stream(1)
    parent, children = _split_in_half(endpoint, name)
    assert 2 == len(children)
    landed = {
        endpoint.client.put_record(StreamName=name, Data=b"x", PartitionKey=f"key-{n}")["ShardId"]
        for n in range(40)
    }
    assert landed == set(children)
    assert parent not in landed


@check
def check_record_size_counts_data_and_key(endpoint: Endpoint) -> None:
    """The 1 MiB record limit counts the data plus the partition key."""
    name = endpoint.stream(2)
    key = "k" * 16
    code = error_code(
        lambda: endpoint.client.put_record(
            StreamName=name, Data=b"x" * (1024 * 1024 - 8), PartitionKey=key
        )
    )
    assert code in BAD_REQUEST
    fits = endpoint.client.put_record(
        StreamName=name, Data=b"x" * (1024 * 1024 - 16), PartitionKey=key
    )
    assert fits["SequenceNumber"]


@check
def check_sequence_numbers_increase_per_shard(endpoint: Endpoint) -> None:
    """Sequence numbers are decimal strings, increasing within a shard."""
    name = endpoint.stream(1)
    numbers = [
        endpoint.client.put_record(StreamName=name, Data=b"x", PartitionKey="k")["SequenceNumber"]
        for _ in range(20)
    ]
    assert all(re.fullmatch(r"[0-9]{20,128}", n) for n in numbers), numbers[:2]
    as_ints = [int(n) for n in numbers]
    assert sorted(set(as_ints)) == as_ints


@check
def check_sequence_number_for_ordering(endpoint: Endpoint) -> None:
    """SequenceNumberForOrdering makes a record's number exceed the one given."""
    name = endpoint.stream(1)
    first = endpoint.client.put_record(StreamName=name, Data=b"a", PartitionKey="k")
    second = endpoint.client.put_record(
        StreamName=name,
        Data=b"b",
        PartitionKey="k",
        SequenceNumberForOrdering=first["SequenceNumber"],
    )
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])


@check
def check_data_round_trips_byte_for_byte(endpoint: Endpoint) -> None:
    """Every byte value survives PutRecord and GetRecords."""
    name = endpoint.stream(1)
    data = bytes(range(256)) * 4
    put = endpoint.client.put_record(StreamName=name, Data=data, PartitionKey="ключ")
    iterator = endpoint.client.get_shard_iterator(
        StreamName=name, ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = endpoint.client.get_records(ShardIterator=iterator)["Records"]
    assert [(data, "ключ")] == [(r["Data"], r["PartitionKey"]) for r in records]


@check
def check_iterator_positions(endpoint: Endpoint) -> None:
    """AT_SEQUENCE_NUMBER starts at a record, AFTER_SEQUENCE_NUMBER just after it."""
    name = endpoint.stream(1)
    puts = [
        endpoint.client.put_record(StreamName=name, Data=bytes([n]), PartitionKey="k")
        for n in range(3)
    ]
    shard_id, middle = puts[1]["ShardId"], puts[1]["SequenceNumber"]

    def read(kind: ShardIteratorTypeType) -> list[bytes]:
        iterator = endpoint.client.get_shard_iterator(
            StreamName=name,
            ShardId=shard_id,
            ShardIteratorType=kind,
            StartingSequenceNumber=middle,
        )["ShardIterator"]
        return [r["Data"] for r in endpoint.client.get_records(ShardIterator=iterator)["Records"]]

    assert [b"\x01", b"\x02"] == read("AT_SEQUENCE_NUMBER")
    assert [b"\x02"] == read("AFTER_SEQUENCE_NUMBER")


@check
def check_malformed_json_is_serialization_4xx(endpoint: Endpoint) -> None:
    """A body that is not JSON is a 4xx SerializationException, not a 500."""
    status, document = endpoint.raw("ListStreams", b'{"Limit": 1')
    assert (400, "SerializationException") == (status, short_type(document))


@check
def check_wrong_member_type_is_4xx(endpoint: Endpoint) -> None:
    """A member of the wrong JSON type is a 4xx SerializationException."""
    status, document = endpoint.raw("ListStreams", b'{"Limit": "ten"}')
    assert (400, "SerializationException") == (status, short_type(document))


@check
def check_unknown_operation_is_4xx(endpoint: Endpoint) -> None:
    """An X-Amz-Target naming no operation is a 4xx UnknownOperationException."""
    status, document = endpoint.raw("NoSuchOperation", b"{}")
    assert (400, "UnknownOperationException") == (status, short_type(document))


@check
def check_partition_key_length(endpoint: Endpoint) -> None:
    """Partition keys are 1 to 256 characters; empty and 257 are ValidationExceptions."""
    name = endpoint.stream(1)
    status, document = endpoint.raw(
        "PutRecord", b'{"StreamName": "%s", "Data": "eA==", "PartitionKey": ""}' % name.encode()
    )
    assert (400, "ValidationException") == (status, short_type(document))
    code = error_code(
        lambda: endpoint.client.put_record(StreamName=name, Data=b"x", PartitionKey="k" * 257)
    )
    assert "ValidationException" == code
    assert endpoint.client.put_record(StreamName=name, Data=b"x", PartitionKey="k" * 256)


@check
def check_put_records_entry_limit(endpoint: Endpoint) -> None:
    """PutRecords takes at most 500 entries."""
    name = endpoint.stream(1)
    entries: list[PutRecordsRequestEntryTypeDef] = [{"Data": b"x", "PartitionKey": "k"}] * 501
    code = error_code(lambda: endpoint.client.put_records(StreamName=name, Records=entries))
    assert code in BAD_REQUEST


@check
def check_put_records_partial_failure_shape(endpoint: Endpoint) -> None:
    """A throttled entry fails alone: ErrorCode and ErrorMessage, no SequenceNumber."""
    name = endpoint.stream(1)
    big = b"x" * (700 * 1024)
    answer = endpoint.client.put_records(
        StreamName=name,
        Records=[{"Data": big, "PartitionKey": "a"}, {"Data": big, "PartitionKey": "b"}],
    )
    first, second = answer["Records"]
    assert 1 == answer["FailedRecordCount"]
    assert {"SequenceNumber", "ShardId"} <= first.keys()
    assert "ErrorCode" not in first
    assert "ProvisionedThroughputExceededException" == second["ErrorCode"]
    assert second["ErrorMessage"]
    assert "SequenceNumber" not in second


@check
def check_put_record_throttled_over_1_mib_per_second(endpoint: Endpoint) -> None:
    """More than 1 MiB a second into one shard is ProvisionedThroughputExceededException."""
    name = endpoint.stream(1)
    big = b"x" * (600 * 1024)
    endpoint.client.put_record(StreamName=name, Data=big, PartitionKey="k")
    code = error_code(
        lambda: endpoint.client.put_record(StreamName=name, Data=big, PartitionKey="k")
    )
    assert "ProvisionedThroughputExceededException" == code


@check
def check_list_shards_pagination(endpoint: Endpoint) -> None:
    """MaxResults pages ListShards; NextToken pages on, and cannot be mixed with StreamName."""
    name = endpoint.stream(5)
    page = endpoint.client.list_shards(StreamName=name, MaxResults=2)
    seen = [s["ShardId"] for s in page["Shards"]]
    assert 2 == len(seen)
    first_token = page["NextToken"]
    code = error_code(lambda: endpoint.client.list_shards(StreamName=name, NextToken=first_token))
    assert "InvalidArgumentException" == code
    token: str | None = first_token
    while token:
        page = endpoint.client.list_shards(NextToken=token, MaxResults=2)
        seen.extend(s["ShardId"] for s in page["Shards"])
        token = page.get("NextToken")
    assert [f"shardId-{n:012d}" for n in range(5)] == seen


@check
def check_list_shards_filter(endpoint: Endpoint) -> None:
    """ShardFilter: AT_LATEST open shards, AT_TRIM_HORIZON those open then, FROM_ all since."""
    name = endpoint.stream(1)
    parent, children = _split_in_half(endpoint, name)
    latest = endpoint.shards(name, ShardFilter={"Type": "AT_LATEST"})
    assert sorted(children) == sorted(s["ShardId"] for s in latest)
    at_horizon = endpoint.shards(name, ShardFilter={"Type": "AT_TRIM_HORIZON"})
    assert [parent] == [s["ShardId"] for s in at_horizon]
    everything = endpoint.shards(name, ShardFilter={"Type": "FROM_TRIM_HORIZON"})
    assert sorted([parent, *children]) == sorted(s["ShardId"] for s in everything)
    after = endpoint.shards(name, ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": parent})
    assert sorted(children) == sorted(s["ShardId"] for s in after)


@check
def check_child_shards_at_end_of_closed_shard(endpoint: Endpoint) -> None:
    """Reading a closed shard to its end gives ChildShards and no NextShardIterator."""
    name = endpoint.stream(1)
    endpoint.client.put_record(StreamName=name, Data=b"before", PartitionKey="k")
    parent, children = _split_in_half(endpoint, name)
    iterator: str | None = endpoint.client.get_shard_iterator(
        StreamName=name, ShardId=parent, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    data: list[bytes] = []
    for _ in range(20):
        assert iterator is not None
        answer = endpoint.client.get_records(ShardIterator=iterator)
        data.extend(r["Data"] for r in answer["Records"])
        iterator = answer.get("NextShardIterator")
        if iterator is None:
            break
    assert [b"before"] == data
    assert iterator is None
    reported = answer.get("ChildShards", [])
    assert sorted(children) == sorted(c["ShardId"] for c in reported)
    assert all([parent] == c["ParentShards"] for c in reported)


@check
def check_merge_records_lineage(endpoint: Endpoint) -> None:
    """MergeShards makes one child naming both parents."""
    name = endpoint.stream(2)
    first, second = (s["ShardId"] for s in endpoint.shards(name))
    endpoint.client.merge_shards(StreamName=name, ShardToMerge=first, AdjacentShardToMerge=second)
    endpoint.wait_active(name)
    (child,) = endpoint.shards(name, ShardFilter={"Type": "AT_LATEST"})
    assert {first, second} == {child.get("ParentShardId"), child.get("AdjacentParentShardId")}
    assert ("0", str(MAX_HASH_KEY)) == (
        child["HashKeyRange"]["StartingHashKey"],
        child["HashKeyRange"]["EndingHashKey"],
    )


@check
def check_invalid_iterator(endpoint: Endpoint) -> None:
    """A shard iterator the service did not issue is rejected as a client error."""
    code = error_code(lambda: endpoint.client.get_records(ShardIterator="not-an-iterator" * 4))
    assert code in BAD_REQUEST


@check
def check_get_shard_iterator_unknown_shard(endpoint: Endpoint) -> None:
    """GetShardIterator on a shard that does not exist is ResourceNotFoundException."""
    name = endpoint.stream(1)
    code = error_code(
        lambda: endpoint.client.get_shard_iterator(
            StreamName=name, ShardId="shardId-000000000099", ShardIteratorType="LATEST"
        )
    )
    assert "ResourceNotFoundException" == code


@check
def check_missing_stream_not_found(endpoint: Endpoint) -> None:
    """Operations on a missing stream are ResourceNotFoundException."""
    code = error_code(
        lambda: endpoint.client.put_record(StreamName="no-such-stream", Data=b"x", PartitionKey="k")
    )
    assert "ResourceNotFoundException" == code


@check
def check_create_existing_stream_in_use(endpoint: Endpoint) -> None:
    """CreateStream with a name in use is ResourceInUseException."""
    name = endpoint.stream(1)
    code = error_code(
        lambda: endpoint.paced(lambda: endpoint.client.create_stream(StreamName=name, ShardCount=1))
    )
    assert "ResourceInUseException" == code


@check
def check_tags_on_create_and_by_arn(endpoint: Endpoint) -> None:
    """Tags given to CreateStream are listed by name and by ARN."""
    name = endpoint.stream(1, Tags={"team": "a"})
    by_name = endpoint.client.list_tags_for_stream(StreamName=name)["Tags"]
    arn = endpoint.client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    by_arn = endpoint.client.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert [("team", "a")] == [(t["Key"], t["Value"]) for t in by_name]
    assert [("team", "a")] == [(t["Key"], t["Value"]) for t in by_arn]


@check
def check_describe_limits(endpoint: Endpoint) -> None:
    """DescribeLimits reports open shards including a new stream's."""
    before = endpoint.paced(endpoint.client.describe_limits)["OpenShardCount"]
    endpoint.stream(3)
    limits = endpoint.paced(endpoint.client.describe_limits)  # one call a second
    assert before + 3 == limits["OpenShardCount"]
    assert limits["ShardLimit"] >= limits["OpenShardCount"]
