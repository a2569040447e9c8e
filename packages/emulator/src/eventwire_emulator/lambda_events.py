"""Lambda Kinesis event documents built from what the emulator stored, to test handlers offline."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from eventwire_emulator.reading import stored_kinesis_records

if TYPE_CHECKING:
    from eventwire_emulator.model import Kinesis

LAMBDA_ROLE = "arn:aws:iam::123456789012:role/lambda-role"
"""The ``invokeIdentityArn`` written into built events (any role ARN would do)."""


def lambda_events(
    kinesis: Kinesis, stream: str, *, batch_size: int = 100, role_arn: str = LAMBDA_ROLE
) -> list[dict[str, Any]]:
    """The Kinesis events Lambda would hand a function for every record of ``stream``.

    One document per ``batch_size`` records of one shard, in the shape of the
    AWS Lambda developer guide's "Using Lambda with Kinesis Data Streams"
    example event: KPL aggregates stay whole (Lambda does not open them), data
    is base64 text and the arrival time is epoch seconds.

    Raises:
        ValueError: ``batch_size`` is outside Lambda's 1 to 10,000.
    """
    if not 1 <= batch_size <= 10_000:
        raise ValueError(f"batch_size must be 1 to 10000 (Lambda's range), got {batch_size}")
    arn = kinesis.stream_arn(stream)
    documents: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    current_shard: str | None = None
    for shard_id, record in stored_kinesis_records(kinesis, stream):
        if current and (shard_id != current_shard or len(current) == batch_size):
            documents.append({"Records": current})
            current = []
        current_shard = shard_id
        current.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record.partition_key,
                    "sequenceNumber": record.sequence_number,
                    "data": base64.b64encode(record.data).decode("ascii"),
                    "approximateArrivalTimestamp": record.approximate_arrival_timestamp,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard_id}:{record.sequence_number}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": role_arn,
                "awsRegion": kinesis.region,
                "eventSourceARN": arn,
            }
        )
    if current:
        documents.append({"Records": current})
    return documents
