"""IAM-style authorization: identity policies per access key, stream resource policies.

Evaluation follows the IAM policy evaluation logic (IAM User Guide) for
requests within one account: an explicit Deny in any applicable policy wins;
otherwise an Allow in an identity policy of the caller, or in the resource's
policy for a principal that names the caller, allows; otherwise the request
is implicitly denied. Actions and resource ARNs match with the ``*`` and
``?`` wildcards, actions case-insensitively; ``NotAction`` and ``NotResource``
are honoured. ``Condition`` blocks are not evaluated: a statement that has one
never applies (so a conditional Allow grants nothing), which the docs say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eventwire_emulator.model.errors import InvalidArgument, ModelError

PolicyDocument = Mapping[str, Any]


class AccessDenied(ModelError):
    """The caller's policies do not allow the action on the resource."""

    def __init__(self, message: str, action: str) -> None:
        super().__init__(message)
        self.action = action


@lru_cache(maxsize=1024)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _listed(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidArgument(f"Policy value {value!r} must be a string or a list of strings.")


def _any_match(patterns: Iterable[str], text: str, *, ignore_case: bool) -> bool:
    return any(_pattern(p, ignore_case).fullmatch(text) for p in patterns)


def statements(document: PolicyDocument) -> list[Mapping[str, Any]]:
    """Return the statements of a policy document, checking their shape.

    Raises:
        InvalidArgument: not a policy document (Statement, Effect, Action, Resource).
    """
    raw = document.get("Statement") if isinstance(document, Mapping) else None
    listed = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(listed, list) or not listed:
        raise InvalidArgument("A policy document needs a non-empty Statement.")
    for statement in listed:
        if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
            raise InvalidArgument(f"Each statement needs Effect Allow or Deny: {statement!r}.")
        if ("Action" in statement) == ("NotAction" in statement):
            raise InvalidArgument(f"A statement needs one of Action, NotAction: {statement!r}.")
        for name in ("Action", "NotAction", "Resource", "NotResource"):
            if name in statement:
                _listed(statement[name])
    return list(listed)


def _applies(
    statement: Mapping[str, Any], action: str, resource: str, *, resource_side: bool
) -> bool:
    if "Condition" in statement:
        return False
    if "Action" in statement:
        if not _any_match(_listed(statement["Action"]), action, ignore_case=True):
            return False
    elif _any_match(_listed(statement["NotAction"]), action, ignore_case=True):
        return False
    if "Resource" in statement:
        return _any_match(_listed(statement["Resource"]), resource, ignore_case=False)
    if "NotResource" in statement:
        return not _any_match(_listed(statement["NotResource"]), resource, ignore_case=False)
    # A resource policy's statements apply to the resource it is attached to.
    return resource_side


def _names_principal(statement: Mapping[str, Any], account_id: str, user_arn: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    aws = principal.get("AWS")
    if aws is None:
        return False
    names = _listed(aws)
    return any(
        name in ("*", account_id, f"arn:aws:iam::{account_id}:root", user_arn) for name in names
    )


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a request: an access key in an account."""

    access_key: str
    account_id: str

    @property
    def arn(self) -> str:
        """The IAM user ARN the emulator gives the key's holder."""
        return f"arn:aws:iam::{self.account_id}:user/{self.access_key}"


class AccessPolicies:
    """Identity policies by access key; thread-safe once built (read-only)."""

    def __init__(self, identity: Mapping[str, PolicyDocument | Sequence[PolicyDocument]]) -> None:
        self._identity: dict[str, list[Mapping[str, Any]]] = {}
        for key, documents in identity.items():
            listed = [documents] if isinstance(documents, Mapping) else list(documents)
            self._identity[key] = [s for d in listed for s in statements(d)]

    @classmethod
    def from_json(cls, text: str) -> AccessPolicies:
        """Read ``{"ACCESS_KEY": policy document or [documents], ...}``.

        Raises:
            InvalidArgument: not JSON, or not that shape.
        """
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidArgument(f"The policy file is not JSON: {exc}.") from exc
        if not isinstance(document, dict):
            raise InvalidArgument("The policy file must map access keys to policy documents.")
        return cls(document)

    def check(
        self,
        caller: Caller,
        action: str,
        resource: str,
        resource_policy: str | None = None,
    ) -> None:
        """Allow or deny `action` on `resource` for `caller`, as IAM evaluates it.

        Raises:
            AccessDenied: worded as AWS words it, naming the action and resource.
        """
        identity = self._identity.get(caller.access_key, [])
        resource_statements: list[Mapping[str, Any]] = []
        if resource_policy is not None and resource_policy.strip() not in ("", "{}"):
            resource_statements = [
                s
                for s in statements(json.loads(resource_policy))
                if _names_principal(s, caller.account_id, caller.arn)
            ]
        denied_by = None
        allowed = False
        for side, listed in (("identity", identity), ("resource", resource_statements)):
            for statement in listed:
                if not _applies(statement, action, resource, resource_side=side == "resource"):
                    continue
                if statement["Effect"] == "Deny":
                    denied_by = denied_by or side
                else:
                    allowed = True
        prefix = (
            f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource}"
        )
        if denied_by is not None:
            kind = "an identity-based" if denied_by == "identity" else "a resource-based"
            raise AccessDenied(f"{prefix} with an explicit deny in {kind} policy", action)
        if not allowed:
            raise AccessDenied(
                f"{prefix} because no identity-based policy allows the {action} action", action
            )
