"""IAM-style policy evaluation, per the IAM User Guide's policy evaluation logic."""

from __future__ import annotations

import json

import pytest

from eventwire_emulator.model import AccessDenied, AccessPolicies, Caller, InvalidArgument

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
ALICE = Caller("alice", "000000000000")


def allow(action: object, resource: object = ARN, effect: str = "Allow") -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": resource}],
    }


class TestIdentityPolicies:
    """Allow, implicit deny, wildcards, explicit Deny wins."""

    def test_allowed(self) -> None:
        AccessPolicies({"alice": allow("kinesis:PutRecord")}).check(ALICE, "kinesis:PutRecord", ARN)

    def test_implicit_deny_is_worded_as_aws(self) -> None:
        with pytest.raises(AccessDenied) as caught:
            AccessPolicies({"alice": allow("kinesis:PutRecord")}).check(
                ALICE, "kinesis:PutRecords", ARN
            )
        assert (
            "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: "
            f"kinesis:PutRecords on resource: {ARN} because no identity-based policy allows "
            "the kinesis:PutRecords action"
        ) == caught.value.message
        assert "kinesis:PutRecords" == caught.value.action

    def test_unknown_key_has_no_policy(self) -> None:
        with pytest.raises(AccessDenied):
            AccessPolicies({"bob": allow("*", "*")}).check(ALICE, "kinesis:ListStreams", "*")

    @pytest.mark.parametrize(
        ("action", "resource"),
        [
            ("kinesis:*", ARN),
            ("kinesis:Put*", ARN),
            ("KINESIS:putrecord", ARN),
            ("kinesis:PutRec?rd", ARN),
            (["kinesis:GetRecords", "kinesis:PutRecord"], ARN),
            ("kinesis:PutRecord", "arn:aws:kinesis:*:000000000000:stream/ord*"),
            ("*", "*"),
        ],
    )
    def test_wildcards(self, action: object, resource: object) -> None:
        policies = AccessPolicies({"alice": allow(action, resource)})
        policies.check(ALICE, "kinesis:PutRecord", ARN)

    @pytest.mark.parametrize(
        ("action", "resource"),
        [
            ("kinesis:Get*", ARN),
            ("kinesis:PutRecord", "arn:aws:kinesis:us-east-1:000000000000:stream/other"),
            ("kinesis:PutRecord", "arn:aws:kinesis:us-east-1:000000000000:stream/Orders"),
        ],
    )
    def test_non_matching(self, action: object, resource: object) -> None:
        with pytest.raises(AccessDenied):
            AccessPolicies({"alice": allow(action, resource)}).check(
                ALICE, "kinesis:PutRecord", ARN
            )

    def test_explicit_deny_wins(self) -> None:
        policies = AccessPolicies(
            {"alice": [allow("kinesis:*", "*"), allow("kinesis:PutRecord", ARN, "Deny")]}
        )
        with pytest.raises(AccessDenied, match="with an explicit deny in an identity-based"):
            policies.check(ALICE, "kinesis:PutRecord", ARN)
        policies.check(ALICE, "kinesis:PutRecords", ARN)

    def test_not_action(self) -> None:
        policy = {
            "Statement": [{"Effect": "Allow", "NotAction": "kinesis:Delete*", "Resource": "*"}]
        }
        policies = AccessPolicies({"alice": policy})
        policies.check(ALICE, "kinesis:PutRecord", ARN)
        with pytest.raises(AccessDenied):
            policies.check(ALICE, "kinesis:DeleteStream", ARN)

    def test_condition_never_applies(self) -> None:
        statement = {
            "Effect": "Allow",
            "Action": "kinesis:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
        with pytest.raises(AccessDenied):
            AccessPolicies({"alice": {"Statement": [statement]}}).check(
                ALICE, "kinesis:PutRecord", ARN
            )

    @pytest.mark.parametrize(
        "text",
        [
            "not json",
            "[]",
            '{"k": {"Statement": []}}',
            '{"k": {"Statement": [{"Effect": "Maybe"}]}}',
        ],
    )
    def test_malformed_files(self, text: str) -> None:
        with pytest.raises(InvalidArgument):
            AccessPolicies.from_json(text)


class TestResourcePolicies:
    """A stream's resource policy can allow a caller, and its Deny wins too."""

    def resource_policy(self, effect: str, principal: object) -> str:
        return json.dumps(
            {
                "Statement": [
                    {
                        "Effect": effect,
                        "Principal": principal,
                        "Action": "kinesis:PutRecord",
                        "Resource": ARN,
                    }
                ]
            }
        )

    @pytest.mark.parametrize(
        "principal",
        [
            {"AWS": "arn:aws:iam::000000000000:user/alice"},
            {"AWS": "000000000000"},
            {"AWS": ["arn:aws:iam::000000000000:root"]},
            "*",
        ],
    )
    def test_resource_policy_allows(self, principal: object) -> None:
        AccessPolicies({}).check(
            ALICE, "kinesis:PutRecord", ARN, self.resource_policy("Allow", principal)
        )

    def test_resource_policy_for_someone_else(self) -> None:
        policy = self.resource_policy("Allow", {"AWS": "arn:aws:iam::000000000000:user/bob"})
        with pytest.raises(AccessDenied):
            AccessPolicies({}).check(ALICE, "kinesis:PutRecord", ARN, policy)

    def test_resource_deny_beats_identity_allow(self) -> None:
        policies = AccessPolicies({"alice": allow("kinesis:*", "*")})
        with pytest.raises(AccessDenied, match="explicit deny in a resource-based policy"):
            policies.check(ALICE, "kinesis:PutRecord", ARN, self.resource_policy("Deny", "*"))
