"""Operation handlers: validated request members in, model call, JSON document out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from eventwire_emulator.model import Kinesis, PutRecordsRequestEntry, ShardFilter
from eventwire_emulator.wire import serialize
from eventwire_emulator.wire.errors import InvalidArgumentError
from eventwire_emulator.wire.serialize import JsonObject

Params: TypeAlias = dict[str, Any]
# A handler returns a document to encode, or (on hot paths) the encoded JSON itself.
Handler: TypeAlias = Callable[[Kinesis, Params], JsonObject | bytes]

#: The body of an operation the service model gives no output shape: empty, as AWS sends it.
NO_OUTPUT = b""


def stream_of(params: Params) -> str:
    """Return the stream a request names, by ARN or by name.

    Raises:
        InvalidArgumentError: neither is given, or they name different streams.
    """
    arn: str | None = params.get("StreamARN")
    name: str | None = params.get("StreamName")
    if arn is not None:
        if name is not None and arn.rpartition("/")[2] != name:
            raise InvalidArgumentError(
                f"StreamARN {arn} and StreamName {name} refer to different streams."
            )
        return arn
    if name is None:
        raise InvalidArgumentError("Either StreamName or StreamARN must be provided.")
    return name


def create_stream(kinesis: Kinesis, params: Params) -> bytes:
    """CreateStream."""
    mode = params.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED")
    kinesis.create_stream(
        params["StreamName"],
        params.get("ShardCount"),
        stream_mode=mode,
        tags=params.get("Tags"),
        max_record_size_in_kib=params.get("MaxRecordSizeInKiB"),
    )
    return NO_OUTPUT


def delete_stream(kinesis: Kinesis, params: Params) -> bytes:
    """DeleteStream."""
    kinesis.delete_stream(
        stream_of(params),
        enforce_consumer_deletion=params.get("EnforceConsumerDeletion", False),
    )
    return NO_OUTPUT


def describe_stream(kinesis: Kinesis, params: Params) -> JsonObject:
    """DescribeStream."""
    result = kinesis.describe_stream(
        stream_of(params),
        limit=params.get("Limit"),
        exclusive_start_shard_id=params.get("ExclusiveStartShardId"),
    )
    return {"StreamDescription": serialize.stream_description(result)}


def describe_stream_summary(kinesis: Kinesis, params: Params) -> JsonObject:
    """DescribeStreamSummary."""
    result = kinesis.describe_stream_summary(stream_of(params))
    return {"StreamDescriptionSummary": serialize.stream_description_summary(result)}


def list_streams(kinesis: Kinesis, params: Params) -> JsonObject:
    """ListStreams."""
    result = kinesis.list_streams(
        limit=params.get("Limit"),
        exclusive_start_stream_name=params.get("ExclusiveStartStreamName"),
        next_token=params.get("NextToken"),
    )
    out: JsonObject = {
        "StreamNames": result.stream_names,
        "HasMoreStreams": result.has_more_streams,
        "StreamSummaries": [serialize.stream_summary(item) for item in result.stream_summaries],
    }
    if result.next_token is not None:
        out["NextToken"] = result.next_token
    return out


def describe_limits(kinesis: Kinesis, params: Params) -> JsonObject:
    """DescribeLimits."""
    limits = kinesis.describe_limits()
    return {
        "ShardLimit": limits.shard_limit,
        "OpenShardCount": limits.open_shard_count,
        "OnDemandStreamCount": limits.on_demand_stream_count,
        "OnDemandStreamCountLimit": limits.on_demand_stream_count_limit,
    }


def put_record(kinesis: Kinesis, params: Params) -> bytes:
    """PutRecord."""
    result = kinesis.put_record(
        stream_of(params),
        params["Data"],
        params["PartitionKey"],
        explicit_hash_key=params.get("ExplicitHashKey"),
        sequence_number_for_ordering=params.get("SequenceNumberForOrdering"),
    )
    return serialize.put_record_body(result)


def put_records(kinesis: Kinesis, params: Params) -> bytes:
    """PutRecords; ``Records`` holds request-entry tuples (see ``parsing``)."""
    entries: list[PutRecordsRequestEntry] = params["Records"]
    return serialize.put_records_body(kinesis.put_records(stream_of(params), entries))


def get_shard_iterator(kinesis: Kinesis, params: Params) -> JsonObject:
    """GetShardIterator."""
    iterator = kinesis.get_shard_iterator(
        stream_of(params),
        params["ShardId"],
        params["ShardIteratorType"],
        starting_sequence_number=params.get("StartingSequenceNumber"),
        timestamp=params.get("Timestamp"),
    )
    return {"ShardIterator": iterator}


def get_records(kinesis: Kinesis, params: Params) -> JsonObject:
    """GetRecords."""
    result = kinesis.get_records(params["ShardIterator"], limit=params.get("Limit"))
    return serialize.get_records(result)


def list_shards(kinesis: Kinesis, params: Params) -> JsonObject:
    """ListShards; the stream is optional when a NextToken carries it."""
    stream = None
    if "StreamARN" in params or "StreamName" in params:
        stream = stream_of(params)
    shard_filter = params.get("ShardFilter")
    result = kinesis.list_shards(
        stream,
        next_token=params.get("NextToken"),
        exclusive_start_shard_id=params.get("ExclusiveStartShardId"),
        max_results=params.get("MaxResults"),
        shard_filter=None
        if shard_filter is None
        else ShardFilter(
            shard_filter["Type"], shard_filter.get("ShardId"), shard_filter.get("Timestamp")
        ),
        stream_creation_timestamp=params.get("StreamCreationTimestamp"),
    )
    out: JsonObject = {"Shards": [serialize.shard(item) for item in result.shards]}
    if result.next_token is not None:
        out["NextToken"] = result.next_token
    return out


def split_shard(kinesis: Kinesis, params: Params) -> bytes:
    """SplitShard."""
    kinesis.split_shard(stream_of(params), params["ShardToSplit"], params["NewStartingHashKey"])
    return NO_OUTPUT


def merge_shards(kinesis: Kinesis, params: Params) -> bytes:
    """MergeShards."""
    kinesis.merge_shards(stream_of(params), params["ShardToMerge"], params["AdjacentShardToMerge"])
    return NO_OUTPUT


def update_shard_count(kinesis: Kinesis, params: Params) -> JsonObject:
    """UpdateShardCount."""
    result = kinesis.update_shard_count(
        stream_of(params), params["TargetShardCount"], params["ScalingType"]
    )
    return {
        "StreamName": result.stream_name,
        "CurrentShardCount": result.current_shard_count,
        "TargetShardCount": result.target_shard_count,
        "StreamARN": result.stream_arn,
    }


def increase_stream_retention_period(kinesis: Kinesis, params: Params) -> bytes:
    """IncreaseStreamRetentionPeriod."""
    kinesis.increase_stream_retention_period(stream_of(params), params["RetentionPeriodHours"])
    return NO_OUTPUT


def decrease_stream_retention_period(kinesis: Kinesis, params: Params) -> bytes:
    """DecreaseStreamRetentionPeriod."""
    kinesis.decrease_stream_retention_period(stream_of(params), params["RetentionPeriodHours"])
    return NO_OUTPUT


def start_stream_encryption(kinesis: Kinesis, params: Params) -> bytes:
    """StartStreamEncryption."""
    kinesis.start_stream_encryption(stream_of(params), params["EncryptionType"], params["KeyId"])
    return NO_OUTPUT


def stop_stream_encryption(kinesis: Kinesis, params: Params) -> bytes:
    """StopStreamEncryption."""
    kinesis.stop_stream_encryption(stream_of(params), params["EncryptionType"], params["KeyId"])
    return NO_OUTPUT


def _monitoring(kinesis: Kinesis, params: Params, *, enable: bool) -> JsonObject:
    method = kinesis.enable_enhanced_monitoring if enable else kinesis.disable_enhanced_monitoring
    result = method(stream_of(params), params["ShardLevelMetrics"])
    return {
        "StreamName": result.stream_name,
        "CurrentShardLevelMetrics": list(result.current_shard_level_metrics),
        "DesiredShardLevelMetrics": list(result.desired_shard_level_metrics),
        "StreamARN": result.stream_arn,
    }


def enable_enhanced_monitoring(kinesis: Kinesis, params: Params) -> JsonObject:
    """EnableEnhancedMonitoring."""
    return _monitoring(kinesis, params, enable=True)


def disable_enhanced_monitoring(kinesis: Kinesis, params: Params) -> JsonObject:
    """DisableEnhancedMonitoring."""
    return _monitoring(kinesis, params, enable=False)


def update_stream_mode(kinesis: Kinesis, params: Params) -> bytes:
    """UpdateStreamMode."""
    kinesis.update_stream_mode(params["StreamARN"], params["StreamModeDetails"]["StreamMode"])
    return NO_OUTPUT


def update_max_record_size(kinesis: Kinesis, params: Params) -> bytes:
    """UpdateMaxRecordSize; the stream is named by ARN only."""
    arn = params.get("StreamARN")
    if arn is None:
        raise InvalidArgumentError("StreamARN must be provided.")
    kinesis.update_max_record_size(arn, params["MaxRecordSizeInKiB"])
    return NO_OUTPUT


def add_tags_to_stream(kinesis: Kinesis, params: Params) -> bytes:
    """AddTagsToStream."""
    kinesis.add_tags_to_stream(stream_of(params), params["Tags"])
    return NO_OUTPUT


def remove_tags_from_stream(kinesis: Kinesis, params: Params) -> bytes:
    """RemoveTagsFromStream."""
    kinesis.remove_tags_from_stream(stream_of(params), params["TagKeys"])
    return NO_OUTPUT


def list_tags_for_stream(kinesis: Kinesis, params: Params) -> JsonObject:
    """ListTagsForStream."""
    result = kinesis.list_tags_for_stream(
        stream_of(params),
        exclusive_start_tag_key=params.get("ExclusiveStartTagKey"),
        limit=params.get("Limit"),
    )
    return {"Tags": serialize.tag_list(result.tags), "HasMoreTags": result.has_more_tags}


def tag_resource(kinesis: Kinesis, params: Params) -> bytes:
    """TagResource."""
    kinesis.tag_resource(params["ResourceARN"], params["Tags"])
    return NO_OUTPUT


def untag_resource(kinesis: Kinesis, params: Params) -> bytes:
    """UntagResource."""
    kinesis.untag_resource(params["ResourceARN"], params["TagKeys"])
    return NO_OUTPUT


def list_tags_for_resource(kinesis: Kinesis, params: Params) -> JsonObject:
    """ListTagsForResource."""
    return {"Tags": serialize.tag_list(kinesis.list_tags_for_resource(params["ResourceARN"]))}


def register_stream_consumer(kinesis: Kinesis, params: Params) -> JsonObject:
    """RegisterStreamConsumer, with its Tags applied atomically."""
    result = kinesis.register_stream_consumer(
        params["StreamARN"], params["ConsumerName"], tags=params.get("Tags")
    )
    return {"Consumer": serialize.consumer(result)}


def describe_stream_consumer(kinesis: Kinesis, params: Params) -> JsonObject:
    """DescribeStreamConsumer."""
    result = kinesis.describe_stream_consumer(
        stream_arn=params.get("StreamARN"),
        consumer_name=params.get("ConsumerName"),
        consumer_arn=params.get("ConsumerARN"),
    )
    return {"ConsumerDescription": serialize.consumer_description(result)}


def list_stream_consumers(kinesis: Kinesis, params: Params) -> JsonObject:
    """ListStreamConsumers."""
    result = kinesis.list_stream_consumers(
        params["StreamARN"],
        max_results=params.get("MaxResults"),
        next_token=params.get("NextToken"),
        stream_creation_timestamp=params.get("StreamCreationTimestamp"),
    )
    out: JsonObject = {"Consumers": [serialize.consumer(item) for item in result.consumers]}
    if result.next_token is not None:
        out["NextToken"] = result.next_token
    return out


def deregister_stream_consumer(kinesis: Kinesis, params: Params) -> bytes:
    """DeregisterStreamConsumer."""
    kinesis.deregister_stream_consumer(
        stream_arn=params.get("StreamARN"),
        consumer_name=params.get("ConsumerName"),
        consumer_arn=params.get("ConsumerARN"),
    )
    return NO_OUTPUT


def put_resource_policy(kinesis: Kinesis, params: Params) -> bytes:
    """PutResourcePolicy."""
    kinesis.put_resource_policy(params["ResourceARN"], params["Policy"])
    return NO_OUTPUT


def get_resource_policy(kinesis: Kinesis, params: Params) -> JsonObject:
    """GetResourcePolicy."""
    return {"Policy": kinesis.get_resource_policy(params["ResourceARN"])}


def delete_resource_policy(kinesis: Kinesis, params: Params) -> bytes:
    """DeleteResourcePolicy."""
    kinesis.delete_resource_policy(params["ResourceARN"])
    return NO_OUTPUT


def describe_account_settings(kinesis: Kinesis, params: Params) -> JsonObject:
    """DescribeAccountSettings."""
    commitment = kinesis.describe_account_settings()
    return {"MinimumThroughputBillingCommitment": serialize.billing_commitment(commitment)}


def update_account_settings(kinesis: Kinesis, params: Params) -> JsonObject:
    """UpdateAccountSettings."""
    status = params["MinimumThroughputBillingCommitment"]["Status"]
    commitment = kinesis.update_account_settings(status)
    return {"MinimumThroughputBillingCommitment": serialize.billing_commitment(commitment)}


def update_stream_warm_throughput(kinesis: Kinesis, params: Params) -> JsonObject:
    """UpdateStreamWarmThroughput."""
    result = kinesis.update_stream_warm_throughput(stream_of(params), params["WarmThroughputMiBps"])
    return {
        "StreamARN": result.stream_arn,
        "StreamName": result.stream_name,
        "WarmThroughput": {
            "TargetMiBps": result.target_mibps,
            "CurrentMiBps": result.current_mibps,
        },
    }


def update_stream_record_distribution_strategy(kinesis: Kinesis, params: Params) -> bytes:
    """UpdateStreamRecordDistributionStrategy."""
    kinesis.update_stream_record_distribution_strategy(
        params["StreamARN"], params["RecordDistributionStrategy"]
    )
    return NO_OUTPUT


#: Operations of the service model the emulator answers with a 400 naming them: Kinesis
#: channels deliver a stream to S3 or S3 Tables, services this emulator does not have.
#: ValidationException is in each one's modeled errors, so SDKs raise a typed error.
UNSUPPORTED: dict[str, str] = {
    name: "channels deliver to Amazon S3, which this emulator does not emulate"
    for name in (
        "CreateChannel",
        "DeleteChannel",
        "DescribeChannel",
        "ListChannels",
        "UpdateChannel",
    )
}


#: Operation name -> handler, for every operation answered with a JSON document.
#: SubscribeToShard streams instead; see ``subscribe``.
HANDLERS: dict[str, Handler] = {
    "AddTagsToStream": add_tags_to_stream,
    "CreateStream": create_stream,
    "DecreaseStreamRetentionPeriod": decrease_stream_retention_period,
    "DeleteStream": delete_stream,
    "DeregisterStreamConsumer": deregister_stream_consumer,
    "DeleteResourcePolicy": delete_resource_policy,
    "DescribeAccountSettings": describe_account_settings,
    "DescribeLimits": describe_limits,
    "DescribeStream": describe_stream,
    "DescribeStreamConsumer": describe_stream_consumer,
    "DescribeStreamSummary": describe_stream_summary,
    "DisableEnhancedMonitoring": disable_enhanced_monitoring,
    "EnableEnhancedMonitoring": enable_enhanced_monitoring,
    "GetRecords": get_records,
    "GetResourcePolicy": get_resource_policy,
    "GetShardIterator": get_shard_iterator,
    "IncreaseStreamRetentionPeriod": increase_stream_retention_period,
    "ListShards": list_shards,
    "ListStreamConsumers": list_stream_consumers,
    "ListStreams": list_streams,
    "ListTagsForResource": list_tags_for_resource,
    "ListTagsForStream": list_tags_for_stream,
    "MergeShards": merge_shards,
    "PutRecord": put_record,
    "PutRecords": put_records,
    "PutResourcePolicy": put_resource_policy,
    "RegisterStreamConsumer": register_stream_consumer,
    "RemoveTagsFromStream": remove_tags_from_stream,
    "SplitShard": split_shard,
    "StartStreamEncryption": start_stream_encryption,
    "StopStreamEncryption": stop_stream_encryption,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "UpdateAccountSettings": update_account_settings,
    "UpdateMaxRecordSize": update_max_record_size,
    "UpdateShardCount": update_shard_count,
    "UpdateStreamMode": update_stream_mode,
    "UpdateStreamRecordDistributionStrategy": update_stream_record_distribution_strategy,
    "UpdateStreamWarmThroughput": update_stream_warm_throughput,
}
