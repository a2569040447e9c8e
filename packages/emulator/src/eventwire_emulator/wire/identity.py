"""Who a request is from and where it goes: access key and region from the SigV4 scope.

The region is the credential scope's, as AWS routes a request by it; the account
is the one mapped to the access key: an explicit mapping first, then a key of
twelve digits is itself the account id (as LocalStack does), else the default
account (the primary model's, 000000000000 unless configured).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_CREDENTIAL = "Credential="


@dataclass(frozen=True, slots=True)
class Scope:
    """A SigV4 credential scope: ``KEY/DATE/REGION/SERVICE/aws4_request``."""

    access_key: str
    date: str
    region: str
    service: str


def credential_scope(authorization: str) -> Scope | None:
    """Return the credential scope of an ``AWS4-HMAC-SHA256`` Authorization header, if any."""
    start = authorization.find(_CREDENTIAL)
    if start < 0:
        return None
    start += len(_CREDENTIAL)
    end = authorization.find(",", start)
    parts = authorization[start : end if end >= 0 else len(authorization)].strip().split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        return None
    return Scope(parts[0], parts[1], parts[2], parts[3])


def account_of(access_key: str, accounts: Mapping[str, str], default: str) -> str:
    """Return the account id an access key belongs to (see the module docstring)."""
    mapped = accounts.get(access_key)
    if mapped is not None:
        return mapped
    if len(access_key) == 12 and access_key.isdigit():
        return access_key
    return default
