"""What backend authors build on: the backend contract, records, error mapping and the limits.

Service developers publish through ``eventwire.Publisher`` and never need this
module; a backend (``eventwire_kinesis``, ``eventwire_emulator`` or a
third-party one) implements ``Backend``, turns its vendor's errors into
eventwire's with ``error_for_aws_code``, and respects the Kinesis limits that
live in ``eventwire.limits`` (re-exported here). Plugin managers for tests and
tools come from ``make_plugin_manager``.
"""

from __future__ import annotations

from eventwire.aggregation import UserRecord, aggregate, deaggregate, is_aggregated
from eventwire.async_backend import (
    AsyncBackend,
    InlineAsyncBackend,
    ThreadedAsyncBackend,
    async_backend_for,
)
from eventwire.aws_errors import RETRYABLE_AWS_CODES, error_for_aws_code
from eventwire.backend import Backend
from eventwire.cloudevents import encode
from eventwire.keys import check_hash_key, check_partition_key
from eventwire.limits import (
    DEFAULT_MAX_RECORD_SIZE,
    MAX_HASH_KEY,
    MAX_PARTITION_KEY_LENGTH,
    MAX_RECORD_SIZE_LIMIT,
    MAX_RECORDS_PER_REQUEST,
    MAX_REQUEST_BYTES,
    SHARD_WRITE_BYTES_PER_SECOND,
    SHARD_WRITE_RECORDS_PER_SECOND,
    local_problem,
    record_weight,
    split_requests,
)
from eventwire.plugins import get_plugin_manager, make_plugin_manager
from eventwire.records import (
    CheckedRecords,
    PublishFailure,
    PublishReceipt,
    PublishResult,
    Record,
    ShardInfo,
    failure_from,
    record_for,
    records_for,
)

__all__ = [
    "DEFAULT_MAX_RECORD_SIZE",
    "MAX_HASH_KEY",
    "MAX_PARTITION_KEY_LENGTH",
    "MAX_RECORDS_PER_REQUEST",
    "MAX_RECORD_SIZE_LIMIT",
    "MAX_REQUEST_BYTES",
    "RETRYABLE_AWS_CODES",
    "SHARD_WRITE_BYTES_PER_SECOND",
    "SHARD_WRITE_RECORDS_PER_SECOND",
    "AsyncBackend",
    "Backend",
    "CheckedRecords",
    "InlineAsyncBackend",
    "PublishFailure",
    "PublishReceipt",
    "PublishResult",
    "Record",
    "ShardInfo",
    "ThreadedAsyncBackend",
    "UserRecord",
    "aggregate",
    "async_backend_for",
    "check_hash_key",
    "check_partition_key",
    "deaggregate",
    "encode",
    "error_for_aws_code",
    "failure_from",
    "get_plugin_manager",
    "is_aggregated",
    "local_problem",
    "make_plugin_manager",
    "record_for",
    "record_weight",
    "records_for",
    "split_requests",
]
