"""SigV4 request verification, as AWS JSON services do it, with their error codes.

Follows the Signature Version 4 signing process of the AWS General Reference
(canonical request, string to sign, derived signing key). Errors are those a
JSON-protocol service answers, each a 400: no Authorization header is
``MissingAuthenticationTokenException``, a malformed one
``IncompleteSignatureException``, an unknown access key
``UnrecognizedClientException``, a wrong secret or a date more than 15 minutes
away ``InvalidSignatureException``. What repeats between requests is cached
(bounded; see `Verifier`), so a request costs one HMAC, two hashes and the
building of its canonical request.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar
from urllib.parse import quote, unquote

from eventwire_emulator.wire.errors import WireError
from eventwire_emulator.wire.headers import header

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
_KEY_CACHE_SIZE = 256
#: Authorization headers up to the signature: one per client key and date, or so.
_CREDENTIAL_CACHE_SIZE = 256
#: X-Amz-Date values: a client makes one a second.
_DATE_CACHE_SIZE = 64

_K = TypeVar("_K")
_V = TypeVar("_V")


class MissingAuthenticationToken(WireError):
    """The request carries no Authorization header."""

    code = "MissingAuthenticationTokenException"


class IncompleteSignature(WireError):
    """The Authorization header or X-Amz-Date is malformed."""

    code = "IncompleteSignatureException"


class UnrecognizedClient(WireError):
    """The access key is not one the emulator was given."""

    code = "UnrecognizedClientException"


class InvalidSignature(WireError):
    """The signature does not match, or the request's date is too far from now."""

    code = "InvalidSignatureException"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.digest(key, text.encode(), "sha256")


class _Memo(Generic[_K, _V]):
    """A dict that forgets everything when full: bounded, and cheap on the hot path.

    Thread-safe for what it holds: each value is worked out from its key alone
    (and the verifier's secrets), so a race can only work one out twice.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[_K, _V] = {}
        self._lock = threading.Lock()

    def put(self, key: _K, value: _V) -> _V:
        with self._lock:
            if len(self.items) >= self.size:
                self.items.clear()
            self.items[key] = value
        return value


def _epoch(amz_date: str) -> float:
    """Seconds since the epoch of an X-Amz-Date (``YYYYMMDDTHHMMSSZ``).

    Sliced by hand rather than with strptime, which costs a third of a verification.
    """
    if len(amz_date) != 16 or amz_date[8] != "T" or amz_date[15] != "Z":
        raise IncompleteSignature(f"Invalid X-Amz-Date {amz_date!r}: use YYYYMMDDTHHMMSSZ.")
    try:
        fields = (
            int(amz_date[0:4]),
            int(amz_date[4:6]),
            int(amz_date[6:8]),
            int(amz_date[9:11]),
            int(amz_date[11:13]),
            int(amz_date[13:15]),
        )
        datetime(*fields)  # rejects a month 13 or a 31 February
    except ValueError:
        raise IncompleteSignature(f"Invalid X-Amz-Date {amz_date!r}.") from None
    return float(calendar.timegm((*fields, 0, 0, 0)))


@dataclass(frozen=True, slots=True)
class _Credential:
    """An Authorization header's parts other than the signature."""

    scope: tuple[str, ...]
    signed: tuple[str, ...]
    #: The credential scope without the key, as the string to sign has it.
    scope_text: str
    signed_text: str


def _parse_authorization(value: str) -> tuple[_Credential, str]:
    """Return (credential scope and signed header names, signature)."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignature(
            f"Authorization header requires the {ALGORITHM} algorithm, got {algorithm!r}."
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, item = part.strip().partition("=")
        if equals:
            fields[name] = item
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
    if missing:
        raise IncompleteSignature(
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
            + f" Authorization={value[:200]}"
        )
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise IncompleteSignature(
            f"Credential should be scoped to a valid region, not {fields['Credential']!r}."
        )
    signed = fields["SignedHeaders"]
    credential = _Credential(tuple(scope), tuple(signed.split(";")), "/".join(scope[1:]), signed)
    return credential, fields["Signature"]


def _split_signature(value: str) -> tuple[str, str] | None:
    """Split a header ending ``, Signature=<sig>`` into what precedes the signature and it.

    None unless the result parses as `_parse_authorization` would parse the whole:
    one ``Signature=`` only, starting a field, and a signature without commas or
    surrounding spaces. Headers so split can share one parse of their first part.
    """
    start = value.find(_SIGNATURE)
    if start < 1 or value[start - 1] not in ", " or value.find(_SIGNATURE, start + 1) >= 0:
        return None
    signature = value[start + len(_SIGNATURE) :]
    if not signature or "," in signature or signature != signature.strip():
        return None
    return value[:start], signature


_SIGNATURE = "Signature="


def _canonical_query(query: str) -> str:
    pairs = []
    for item in query.split("&") if query else []:
        name, _, value = item.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


class Verifier:
    """Verifies SigV4 signatures against known access keys and secrets; thread-safe.

    What repeats from request to request is worked out once and remembered
    (bounded): signing keys per key, date, region and service; the parse of an
    Authorization header up to its signature; the time of each X-Amz-Date. Each
    follows from its own text (a signing key also from the secret), so every
    check still runs on every request.
    """

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self.secrets = dict(secrets)
        self._keys: _Memo[tuple[str, str, str, str], hmac.HMAC] = _Memo(_KEY_CACHE_SIZE)
        self._credentials: _Memo[str, _Credential] = _Memo(_CREDENTIAL_CACHE_SIZE)
        self._dates: _Memo[str, float] = _Memo(_DATE_CACHE_SIZE)

    def _signer(self, access_key: str, date: str, region: str, service: str) -> hmac.HMAC:
        """An HMAC keyed with the derived signing key, to copy for each signature.

        A copy skips keying the HMAC again (a third of its cost for a short message).
        """
        cache_key = (access_key, date, region, service)
        signer = self._keys.items.get(cache_key)
        if signer is None:
            secret = self.secrets[access_key]
            key = _hmac(
                _hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request"
            )
            signer = self._keys.put(cache_key, hmac.new(key, digestmod=hashlib.sha256))
        return signer

    def _credential(self, authorization: str) -> tuple[_Credential, str]:
        split = _split_signature(authorization)
        if split is not None:
            credential = self._credentials.items.get(split[0])
            if credential is not None:
                return credential, split[1]
        credential, signature = _parse_authorization(authorization)
        if split is not None and split[1] == signature:
            self._credentials.put(split[0], credential)
        return credential, signature

    def _epoch(self, amz_date: str) -> float:
        stamp = self._dates.items.get(amz_date)
        if stamp is None:
            stamp = self._dates.put(amz_date, _epoch(amz_date))
        return stamp

    def verify(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        now: float,
    ) -> str:
        """Check a request's signature; return its access key.

        Raises:
            WireError: one of this module's errors, as AWS names it.
        """
        authorization = _get(headers, "authorization")
        if not authorization:
            raise MissingAuthenticationToken("Missing Authentication Token")
        credential, signature = self._credential(authorization)
        access_key, date, region, service, _ = credential.scope
        amz_date = _get(headers, "x-amz-date")
        if amz_date is None:
            raise IncompleteSignature("Authorization header requires existence of X-Amz-Date.")
        stamp = self._epoch(amz_date)
        if access_key not in self.secrets:
            raise UnrecognizedClient("The security token included in the request is invalid.")
        if "host" not in credential.signed:
            raise IncompleteSignature("The Host header must be signed (SignedHeaders lacks host).")
        if abs(now - stamp) > MAX_SKEW_SECONDS:
            _refuse_time(stamp, now)
        # One list, joined once: method, path, query, a line per signed header, an
        # empty line (the headers block ends in a newline), the names, the payload hash.
        lines = [
            method,
            "/" if path in ("/", "") else quote(path, safe="/-_.~"),
            _canonical_query(query) if query else "",
        ]
        for name in credential.signed:
            value = _get(headers, name)
            if value is None:
                raise InvalidSignature(_MISMATCH)
            lines.append(f"{name}:{' '.join(value.split())}")
        # The payload line is the hash of the body received, never a header's claim of
        # it: an x-amz-content-sha256 left out of SignedHeaders would otherwise let a
        # changed body pass (SigV4: HexEncode(Hash(RequestPayload)); only S3 lets the
        # signed header stand in for the hash, and checks it against the body).
        lines += ("", credential.signed_text, hashlib.sha256(body).hexdigest())
        string_to_sign = "\n".join(
            (
                ALGORITHM,
                amz_date,
                credential.scope_text,
                hashlib.sha256("\n".join(lines).encode()).hexdigest(),
            )
        )
        mac = self._signer(access_key, date, region, service).copy()
        mac.update(string_to_sign.encode())
        expected = mac.hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise InvalidSignature(_MISMATCH)
        return access_key


def _get(headers: Mapping[str, str], name: str) -> str | None:
    """`header`, with the transports' lower-case names tried first (`name` is lower-case)."""
    value = headers.get(name)
    return value if value is not None else header(headers, name)


_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def _refuse_time(epoch: float, now: float) -> None:
    stamp = datetime.fromtimestamp(epoch, UTC)
    current = datetime.fromtimestamp(now, UTC)
    skew = now - epoch
    form = "%Y%m%dT%H%M%SZ"
    if skew > MAX_SKEW_SECONDS:
        earliest = datetime.fromtimestamp(now - MAX_SKEW_SECONDS, UTC)
        raise InvalidSignature(
            f"Signature expired: {stamp.strftime(form)} is now earlier than "
            f"{earliest.strftime(form)} ({current.strftime(form)} - 15 min.)"
        )
    if -skew > MAX_SKEW_SECONDS:
        latest = datetime.fromtimestamp(now + MAX_SKEW_SECONDS, UTC)
        raise InvalidSignature(
            f"Signature not yet current: {stamp.strftime(form)} is still later than "
            f"{latest.strftime(form)} ({current.strftime(form)} + 15 min.)"
        )
