"""Resource policies of streams and consumers: PutResourcePolicy, Get..., Delete...

Policies are stored as the JSON text given, after checking it is a policy
document with statements, and returned as stored.
"""

from __future__ import annotations

import json

from eventwire_emulator.model.account import Account
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.errors import InvalidArgument, ModelError, ResourceNotFound
from eventwire_emulator.model.stream import Stream

MAX_POLICY_BYTES = 20 * 1024
"""Kinesis data stream resource policies are limited to 20 KiB (developer guide)."""


def check_policy(policy: str) -> None:
    """Check that `policy` is a JSON policy document with at least one statement.

    Raises:
        InvalidArgument: the text is not JSON, not an object, or has no Statement.
    """
    if len(policy.encode()) > MAX_POLICY_BYTES:
        raise InvalidArgument(f"Policy is larger than {MAX_POLICY_BYTES} bytes.")
    try:
        document = json.loads(policy)
    except ValueError as exc:
        raise InvalidArgument(f"Policy is not valid JSON: {exc}.") from exc
    if not isinstance(document, dict) or not document.get("Statement"):
        raise InvalidArgument("Policy must be a JSON object with a non-empty Statement.")


class ResourcePolicies:
    """Resource policies of one account's streams and consumers; thread-safe."""

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission

    def _resource(self, resource_arn: str) -> Stream:
        found, consumer = self._account.resource(resource_arn)
        # Policies are kept by ARN: a stream's must be spelled as its ARN is.
        if consumer is None and resource_arn != found.arn:
            raise InvalidArgument(f"Invalid ResourceARN {resource_arn!r}.")
        return found

    def policy_for(self, resource_arn: str) -> str | None:
        """The policy attached to a stream or consumer, for authorization; no API call."""
        try:
            found = self._resource(resource_arn)
        except ModelError:
            return None
        with found.lock:
            return found.policies.get(resource_arn)

    def put_resource_policy(self, resource_arn: str, policy: str) -> None:
        """PutResourcePolicy: attach (or replace) the policy of a stream or consumer."""
        self._admission.api_call("PutResourcePolicy")
        check_policy(policy)
        found = self._resource(resource_arn)
        self._account.require_active(found, "PutResourcePolicy")
        with found.lock, self._admission.changing(found, "PutResourcePolicy"):
            found.policies[resource_arn] = policy

    def get_resource_policy(self, resource_arn: str) -> str:
        """GetResourcePolicy: the policy as stored, or "{}" when none is attached."""
        self._admission.api_call("GetResourcePolicy")
        found = self._resource(resource_arn)
        with found.lock:
            return found.policies.get(resource_arn, "{}")

    def delete_resource_policy(self, resource_arn: str) -> None:
        """DeleteResourcePolicy.

        Raises:
            ResourceNotFound: no policy is attached to the resource.
        """
        self._admission.api_call("DeleteResourcePolicy")
        found = self._resource(resource_arn)
        self._account.require_active(found, "DeleteResourcePolicy")
        with found.lock, self._admission.changing(found, "DeleteResourcePolicy"):
            if found.policies.pop(resource_arn, None) is None:
                raise ResourceNotFound(f"No resource policy is attached to {resource_arn}.")
