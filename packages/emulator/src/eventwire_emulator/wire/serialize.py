"""Output shapes: model results as the JSON documents Kinesis returns.

Blobs go out base64-encoded, timestamps as epoch seconds, hash keys and sequence
numbers as decimal strings; optional members are omitted when the model has none.
"""

from __future__ import annotations

import binascii
import json
from typing import Any

from eventwire_emulator.model import (
    BillingCommitment,
    ChildShard,
    Consumer,
    GetRecordsResult,
    HashRange,
    PutRecordResult,
    PutRecordsResult,
    Record,
    Shard,
    ShardBatch,
    StreamDescription,
    StreamDescriptionSummary,
    StreamSummary,
)
from eventwire_emulator.wire.errors import aws_error

JsonObject = dict[str, Any]

_string = json.JSONEncoder(ensure_ascii=True).encode


def b64(data: bytes) -> str:
    """Encode a blob for JSON."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def hash_key_range(hash_range: HashRange) -> JsonObject:
    """HashKeyRange."""
    return {"StartingHashKey": str(hash_range.start), "EndingHashKey": str(hash_range.end)}


def shard(value: Shard) -> JsonObject:
    """Shard, as DescribeStream and ListShards list it."""
    out: JsonObject = {"ShardId": value.shard_id}
    if value.parent_shard_id is not None:
        out["ParentShardId"] = value.parent_shard_id
    if value.adjacent_parent_shard_id is not None:
        out["AdjacentParentShardId"] = value.adjacent_parent_shard_id
    out["HashKeyRange"] = hash_key_range(value.hash_key_range)
    sequence_range: JsonObject = {
        "StartingSequenceNumber": value.sequence_number_range.starting_sequence_number
    }
    if value.sequence_number_range.ending_sequence_number is not None:
        sequence_range["EndingSequenceNumber"] = value.sequence_number_range.ending_sequence_number
    out["SequenceNumberRange"] = sequence_range
    return out


def child_shard(value: ChildShard) -> JsonObject:
    """ChildShard, reported at the end of a closed parent."""
    return {
        "ShardId": value.shard_id,
        "ParentShards": list(value.parent_shards),
        "HashKeyRange": hash_key_range(value.hash_key_range),
    }


def record(value: Record) -> JsonObject:
    """Record, as GetRecords and SubscribeToShard events carry it."""
    return {
        "SequenceNumber": value.sequence_number,
        "ApproximateArrivalTimestamp": value.approximate_arrival_timestamp,
        "Data": b64(value.data),
        "PartitionKey": value.partition_key,
        "EncryptionType": value.encryption_type,
    }


def get_records(result: GetRecordsResult) -> JsonObject:
    """GetRecordsOutput; NextShardIterator is omitted once a closed shard is read out."""
    out: JsonObject = {
        "Records": [record(item) for item in result.records],
        "MillisBehindLatest": result.millis_behind_latest,
    }
    if result.next_shard_iterator is not None:
        out["NextShardIterator"] = result.next_shard_iterator
    if result.child_shards is not None:
        out["ChildShards"] = [child_shard(item) for item in result.child_shards]
    return out


def subscribe_to_shard_event(batch: ShardBatch) -> JsonObject:
    """SubscribeToShardEvent; at the end of a closed shard it names the children instead."""
    out: JsonObject = {
        "Records": [record(item) for item in batch.records],
        "MillisBehindLatest": batch.millis_behind_latest,
    }
    if batch.continuation_sequence_number is not None:
        out["ContinuationSequenceNumber"] = batch.continuation_sequence_number
    if batch.child_shards is not None:
        out["ChildShards"] = [child_shard(item) for item in batch.child_shards]
    return out


def _monitoring(metrics: tuple[str, ...]) -> list[JsonObject]:
    return [{"ShardLevelMetrics": list(metrics)}]


def stream_description(value: StreamDescription) -> JsonObject:
    """StreamDescription."""
    out: JsonObject = {
        "StreamName": value.stream_name,
        "StreamARN": value.stream_arn,
        "StreamStatus": value.stream_status,
        "StreamModeDetails": {"StreamMode": value.stream_mode},
        "Shards": [shard(item) for item in value.shards],
        "HasMoreShards": value.has_more_shards,
        "RetentionPeriodHours": value.retention_period_hours,
        "StreamCreationTimestamp": value.stream_creation_timestamp,
        "EnhancedMonitoring": _monitoring(value.enhanced_monitoring),
        "EncryptionType": value.encryption_type,
    }
    if value.key_id is not None:
        out["KeyId"] = value.key_id
    return out


def stream_description_summary(value: StreamDescriptionSummary) -> JsonObject:
    """StreamDescriptionSummary."""
    out: JsonObject = {
        "StreamName": value.stream_name,
        "StreamARN": value.stream_arn,
        "StreamStatus": value.stream_status,
        "StreamModeDetails": {"StreamMode": value.stream_mode},
        "RetentionPeriodHours": value.retention_period_hours,
        "StreamCreationTimestamp": value.stream_creation_timestamp,
        "EnhancedMonitoring": _monitoring(value.enhanced_monitoring),
        "EncryptionType": value.encryption_type,
        "OpenShardCount": value.open_shard_count,
        "ConsumerCount": value.consumer_count,
        "MaxRecordSizeInKiB": value.max_record_size_in_kib,
    }
    if value.key_id is not None:
        out["KeyId"] = value.key_id
    return out


def stream_summary(value: StreamSummary) -> JsonObject:
    """StreamSummary, as ListStreams lists it."""
    return {
        "StreamName": value.stream_name,
        "StreamARN": value.stream_arn,
        "StreamStatus": value.stream_status,
        "StreamModeDetails": {"StreamMode": value.stream_mode},
        "StreamCreationTimestamp": value.stream_creation_timestamp,
    }


def consumer(value: Consumer) -> JsonObject:
    """Consumer, as RegisterStreamConsumer and ListStreamConsumers return it."""
    return {
        "ConsumerName": value.consumer_name,
        "ConsumerARN": value.consumer_arn,
        "ConsumerStatus": value.consumer_status,
        "ConsumerCreationTimestamp": value.consumer_creation_timestamp,
    }


def billing_commitment(value: BillingCommitment) -> JsonObject:
    """MinimumThroughputBillingCommitment, as the account-settings operations return it."""
    out: JsonObject = {"Status": value.status}
    if value.started_at is not None:
        out["StartedAt"] = value.started_at
    if value.ended_at is not None:
        out["EndedAt"] = value.ended_at
    return out


def consumer_description(value: Consumer) -> JsonObject:
    """ConsumerDescription: a Consumer plus its stream's ARN."""
    return {**consumer(value), "StreamARN": value.stream_arn}


def tag_list(tags: list[tuple[str, str]] | dict[str, str]) -> list[JsonObject]:
    """TagList: ``[{"Key": ..., "Value": ...}]``."""
    pairs = tags.items() if isinstance(tags, dict) else tags
    return [{"Key": key, "Value": value} for key, value in pairs]


def put_record_body(result: PutRecordResult) -> bytes:
    """PutRecordOutput, encoded directly as `put_records_body` encodes its entries.

    The generic JSON encoder cost about 5 us a call for these three members, a
    tenth of the server's CPU time for a PutRecord (py-spy, in place).
    """
    return (
        f'{{"ShardId":"{result.shard_id}","SequenceNumber":"{result.sequence_number}",'
        f'"EncryptionType":{_string(result.encryption_type)}}}'
    ).encode()


def put_records_body(result: PutRecordsResult) -> bytes:
    """PutRecordsOutput, encoded directly: the hot path of 500-entry batches.

    Sequence numbers (digits) and shard ids (``shardId-`` and digits) are issued by the
    model and need no escaping; a failed entry's model error is named by the error table,
    and its code and message go through the JSON encoder.
    """
    parts: list[str] = []
    append = parts.append
    for sequence_number, shard_id, error in result.records:
        if error is None:
            append(f'{{"SequenceNumber":"{sequence_number}","ShardId":"{shard_id}"}}')
        else:
            named = aws_error(error)
            code, message = _string(named.code), _string(named.message)
            append(f'{{"ErrorCode":{code},"ErrorMessage":{message}}}')
    return (
        f'{{"FailedRecordCount":{int(result.failed_record_count)},"Records":[{",".join(parts)}],'
        f'"EncryptionType":{_string(result.encryption_type)}}}'
    ).encode()
