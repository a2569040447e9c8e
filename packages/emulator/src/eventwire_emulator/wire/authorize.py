"""Which action and resource a request is, for the IAM-style policies of the model."""

from __future__ import annotations

from typing import Any

from eventwire_emulator.model import AccessPolicies, Caller, Kinesis

_ACCOUNT_WIDE = "*"


def resource_of(kinesis: Kinesis, operation: str, params: dict[str, Any]) -> str:
    """Return the ARN a request acts on, as IAM sees it ("*" for account-wide calls).

    A consumer ARN names a consumer; a stream name becomes its stream's ARN in the
    caller's account and region; GetRecords acts on its iterator's stream. A
    ListShards page asked for by NextToken alone is account-wide here.
    """
    for member in ("ConsumerARN", "ResourceARN", "StreamARN"):
        value = params.get(member)
        if isinstance(value, str):
            return value
    name = params.get("StreamName")
    if isinstance(name, str):
        return kinesis.stream_arn(name)
    if operation == "GetRecords":
        arn = kinesis.iterator_stream_arn(params["ShardIterator"])
        if arn is not None:
            return arn
    return _ACCOUNT_WIDE


def authorize(
    kinesis: Kinesis,
    policies: AccessPolicies,
    access_key: str,
    operation: str,
    params: dict[str, Any],
) -> None:
    """Check the caller's identity policies and the resource's policy for one request.

    Raises:
        AccessDenied: the policies do not allow it.
    """
    resource = resource_of(kinesis, operation, params)
    caller = Caller(access_key, kinesis.account_id)
    resource_policy = kinesis.policy_for(resource) if resource != _ACCOUNT_WIDE else None
    policies.check(caller, f"kinesis:{operation}", resource, resource_policy)
