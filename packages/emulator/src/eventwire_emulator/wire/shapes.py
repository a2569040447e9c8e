"""Per-operation input shapes, transcribed from the Kinesis 2013-12-02 service model.

Review this file against the API reference (or botocore's ``kinesis/2013-12-02``
``service-2.json``): each named shape below carries the same name and constraints
as the service model's shape, and each operation lists its members in the model's
order with the model's ``required`` list.
"""

from __future__ import annotations

from eventwire_emulator.wire.validation import (
    Blob,
    Boolean,
    Integer,
    ListOf,
    MapOf,
    Shape,
    String,
    Structure,
    Timestamp,
)

_NAME = "[a-zA-Z0-9_.-]+"

StreamName = String(min_len=1, max_len=128, pattern=_NAME)
StreamARN = String(min_len=1, max_len=2048, pattern=r"arn:aws.*:kinesis:.*:\d{12}:stream/\S+")
StreamId = String(min_len=1, max_len=24, pattern="[a-z0-9]{20}-[a-z0-9]{3}")
ResourceARN = String(min_len=1, max_len=2048, pattern=r"arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+")
PolicyResourceARN = String(
    min_len=1, max_len=2048, pattern=r"arn:aws.*:kinesis:.*:\d{12}:.*(stream|channel)/\S+"
)
Policy = String()
ConsumerName = String(min_len=1, max_len=128, pattern=_NAME)
ConsumerARN = String(
    min_len=1,
    max_len=2048,
    pattern=r"^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+",
)
ShardId = String(min_len=1, max_len=128, pattern=_NAME)
HASH_KEY_PATTERN = r"0|([1-9]\d{0,38})"
HashKey = String(pattern=HASH_KEY_PATTERN)
SequenceNumber = String(pattern=r"0|([1-9]\d{0,128})")
PartitionKey = String(min_len=1, max_len=256)
Data = Blob(min_len=0, max_len=10485760)
ShardIterator = String(min_len=1, max_len=512)
NextToken = String(min_len=1, max_len=1048576)
KeyId = String(min_len=1, max_len=2048)
TagKey = String(min_len=1, max_len=128)
TagValue = String(min_len=0, max_len=256)
TagMap = MapOf(TagKey, TagValue, min_len=1, max_len=200)
TagKeyList = ListOf(TagKey, min_len=1, max_len=50)
PositiveIntegerObject = Integer(min=1)
NaturalIntegerObject = Integer(min=0)
RetentionPeriodHours = Integer()
MaxRecordSizeInKiB = Integer(min=1024, max=10240)
Limit10000 = Integer(min=1, max=10000)
ListTagsForStreamInputLimit = Integer(min=1, max=50)

ShardIteratorType = String(
    enum=("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
)
ShardFilterType = String(
    enum=(
        "AFTER_SHARD_ID",
        "AT_TRIM_HORIZON",
        "FROM_TRIM_HORIZON",
        "AT_LATEST",
        "AT_TIMESTAMP",
        "FROM_TIMESTAMP",
    )
)
StreamMode = String(enum=("PROVISIONED", "ON_DEMAND"))
EncryptionType = String(enum=("NONE", "KMS"))
ScalingType = String(enum=("UNIFORM_SCALING",))
MetricsName = String(
    enum=(
        "IncomingBytes",
        "IncomingRecords",
        "OutgoingBytes",
        "OutgoingRecords",
        "WriteProvisionedThroughputExceeded",
        "ReadProvisionedThroughputExceeded",
        "IteratorAgeMilliseconds",
        "ALL",
    )
)
MetricsNameList = ListOf(MetricsName, min_len=1, max_len=7)

RecordDistributionStrategy = String(enum=("AUTO", "USER_PARTITION_KEY"))
MinimumThroughputBillingCommitmentInput = Structure(
    {"Status": String(enum=("ENABLED", "DISABLED"))}, required=("Status",)
)
StreamModeDetails = Structure({"StreamMode": StreamMode}, required=("StreamMode",))
ShardFilter = Structure(
    {"Type": ShardFilterType, "ShardId": ShardId, "Timestamp": Timestamp()},
    required=("Type",),
)
StartingPosition = Structure(
    {"Type": ShardIteratorType, "SequenceNumber": SequenceNumber, "Timestamp": Timestamp()},
    required=("Type",),
)
PutRecordsRequestEntry = Structure(
    {"Data": Data, "ExplicitHashKey": HashKey, "PartitionKey": PartitionKey},
    required=("Data", "PartitionKey"),
)
PutRecordsRequestEntryList = ListOf(PutRecordsRequestEntry, min_len=1, max_len=500)


def _stream_op(members: dict[str, Shape], required: tuple[str, ...] = ()) -> Structure:
    """An operation addressing a stream by StreamName or StreamARN, plus its own members."""
    return Structure(
        {"StreamName": StreamName, **members, "StreamARN": StreamARN, "StreamId": StreamId},
        required=required,
    )


#: Operation name -> input shape. Member order within a shape only affects the order
#: in which violations are listed.
OPERATIONS: dict[str, Structure] = {
    "AddTagsToStream": _stream_op({"Tags": TagMap}, required=("Tags",)),
    "CreateStream": Structure(
        {
            "StreamName": StreamName,
            "ShardCount": PositiveIntegerObject,
            "StreamModeDetails": StreamModeDetails,
            "Tags": TagMap,
            "WarmThroughputMiBps": NaturalIntegerObject,
            "MaxRecordSizeInKiB": MaxRecordSizeInKiB,
        },
        required=("StreamName",),
    ),
    "DecreaseStreamRetentionPeriod": _stream_op(
        {"RetentionPeriodHours": RetentionPeriodHours}, required=("RetentionPeriodHours",)
    ),
    "DeleteStream": _stream_op({"EnforceConsumerDeletion": Boolean()}),
    "DeregisterStreamConsumer": Structure(
        {
            "StreamARN": StreamARN,
            "ConsumerName": ConsumerName,
            "ConsumerARN": ConsumerARN,
            "StreamId": StreamId,
        }
    ),
    "DeleteResourcePolicy": Structure(
        {"ResourceARN": PolicyResourceARN, "StreamId": StreamId}, required=("ResourceARN",)
    ),
    "DescribeAccountSettings": Structure({}),
    "DescribeLimits": Structure({}),
    "DescribeStream": _stream_op({"Limit": Limit10000, "ExclusiveStartShardId": ShardId}),
    "DescribeStreamConsumer": Structure(
        {
            "StreamARN": StreamARN,
            "ConsumerName": ConsumerName,
            "ConsumerARN": ConsumerARN,
            "StreamId": StreamId,
        }
    ),
    "DescribeStreamSummary": _stream_op({}),
    "DisableEnhancedMonitoring": _stream_op(
        {"ShardLevelMetrics": MetricsNameList}, required=("ShardLevelMetrics",)
    ),
    "EnableEnhancedMonitoring": _stream_op(
        {"ShardLevelMetrics": MetricsNameList}, required=("ShardLevelMetrics",)
    ),
    "GetRecords": Structure(
        {
            "ShardIterator": ShardIterator,
            "Limit": Limit10000,
            "StreamARN": StreamARN,
            "StreamId": StreamId,
        },
        required=("ShardIterator",),
    ),
    "GetShardIterator": _stream_op(
        {
            "ShardId": ShardId,
            "ShardIteratorType": ShardIteratorType,
            "StartingSequenceNumber": SequenceNumber,
            "Timestamp": Timestamp(),
        },
        required=("ShardId", "ShardIteratorType"),
    ),
    "GetResourcePolicy": Structure(
        {"ResourceARN": PolicyResourceARN, "StreamId": StreamId}, required=("ResourceARN",)
    ),
    "IncreaseStreamRetentionPeriod": _stream_op(
        {"RetentionPeriodHours": RetentionPeriodHours}, required=("RetentionPeriodHours",)
    ),
    "ListShards": _stream_op(
        {
            "NextToken": NextToken,
            "ExclusiveStartShardId": ShardId,
            "MaxResults": Limit10000,
            "StreamCreationTimestamp": Timestamp(),
            "ShardFilter": ShardFilter,
        }
    ),
    "ListStreamConsumers": Structure(
        {
            "StreamARN": StreamARN,
            "NextToken": NextToken,
            "MaxResults": Limit10000,
            "StreamCreationTimestamp": Timestamp(),
            "StreamId": StreamId,
        },
        required=("StreamARN",),
    ),
    "ListStreams": Structure(
        {"Limit": Limit10000, "ExclusiveStartStreamName": StreamName, "NextToken": NextToken}
    ),
    "ListTagsForResource": Structure(
        {"ResourceARN": ResourceARN, "StreamId": StreamId}, required=("ResourceARN",)
    ),
    "ListTagsForStream": _stream_op(
        {"ExclusiveStartTagKey": TagKey, "Limit": ListTagsForStreamInputLimit}
    ),
    "MergeShards": _stream_op(
        {"ShardToMerge": ShardId, "AdjacentShardToMerge": ShardId},
        required=("ShardToMerge", "AdjacentShardToMerge"),
    ),
    "PutRecord": _stream_op(
        {
            "Data": Data,
            "PartitionKey": PartitionKey,
            "ExplicitHashKey": HashKey,
            "SequenceNumberForOrdering": SequenceNumber,
        },
        required=("Data", "PartitionKey"),
    ),
    "PutRecords": _stream_op(
        {"Records": PutRecordsRequestEntryList},
        required=("Records",),
    ),
    "PutResourcePolicy": Structure(
        {"ResourceARN": PolicyResourceARN, "StreamId": StreamId, "Policy": Policy},
        required=("ResourceARN", "Policy"),
    ),
    "RegisterStreamConsumer": Structure(
        {
            "StreamARN": StreamARN,
            "ConsumerName": ConsumerName,
            "StreamId": StreamId,
            "Tags": TagMap,
        },
        required=("StreamARN", "ConsumerName"),
    ),
    "RemoveTagsFromStream": _stream_op({"TagKeys": TagKeyList}, required=("TagKeys",)),
    "SplitShard": _stream_op(
        {"ShardToSplit": ShardId, "NewStartingHashKey": HashKey},
        required=("ShardToSplit", "NewStartingHashKey"),
    ),
    "StartStreamEncryption": _stream_op(
        {"EncryptionType": EncryptionType, "KeyId": KeyId},
        required=("EncryptionType", "KeyId"),
    ),
    "StopStreamEncryption": _stream_op(
        {"EncryptionType": EncryptionType, "KeyId": KeyId},
        required=("EncryptionType", "KeyId"),
    ),
    "SubscribeToShard": Structure(
        {
            "ConsumerARN": ConsumerARN,
            "StreamId": StreamId,
            "ShardId": ShardId,
            "StartingPosition": StartingPosition,
        },
        required=("ConsumerARN", "ShardId", "StartingPosition"),
    ),
    "TagResource": Structure(
        {"Tags": TagMap, "ResourceARN": ResourceARN, "StreamId": StreamId},
        required=("Tags", "ResourceARN"),
    ),
    "UntagResource": Structure(
        {"TagKeys": TagKeyList, "ResourceARN": ResourceARN, "StreamId": StreamId},
        required=("TagKeys", "ResourceARN"),
    ),
    "UpdateAccountSettings": Structure(
        {"MinimumThroughputBillingCommitment": MinimumThroughputBillingCommitmentInput},
        required=("MinimumThroughputBillingCommitment",),
    ),
    "UpdateMaxRecordSize": Structure(
        {"StreamARN": StreamARN, "StreamId": StreamId, "MaxRecordSizeInKiB": MaxRecordSizeInKiB},
        required=("MaxRecordSizeInKiB",),
    ),
    "UpdateShardCount": _stream_op(
        {"TargetShardCount": PositiveIntegerObject, "ScalingType": ScalingType},
        required=("TargetShardCount", "ScalingType"),
    ),
    "UpdateStreamMode": Structure(
        {
            "StreamARN": StreamARN,
            "StreamId": StreamId,
            "StreamModeDetails": StreamModeDetails,
            "WarmThroughputMiBps": NaturalIntegerObject,
        },
        required=("StreamARN", "StreamModeDetails"),
    ),
    "UpdateStreamRecordDistributionStrategy": Structure(
        {
            "StreamARN": StreamARN,
            "StreamId": StreamId,
            "RecordDistributionStrategy": RecordDistributionStrategy,
        },
        required=("StreamARN", "RecordDistributionStrategy"),
    ),
    "UpdateStreamWarmThroughput": _stream_op(
        {"WarmThroughputMiBps": NaturalIntegerObject}, required=("WarmThroughputMiBps",)
    ),
}
