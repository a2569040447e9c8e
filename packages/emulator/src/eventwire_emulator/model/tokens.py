"""Opaque, tamper-evident tokens: shard iterators and pagination tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os

from eventwire_emulator.model.errors import InvalidArgument

TokenValue = str | int | float | None


class TokenCodec:
    """Signs JSON payloads with a per-model secret; thread-safe."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or os.urandom(32)

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:16]

    def encode(self, kind: str, payload: list[TokenValue]) -> str:
        """Return an opaque token of `kind` holding `payload`."""
        body = json.dumps([kind, *payload], separators=(",", ":")).encode()
        # Standard base64, as AWS's tokens: never a leading "-", which a command line
        # (the AWS CLI's --shard-iterator) would take for an option.
        return base64.b64encode(self._mac(body) + body).decode()

    def decode(self, kind: str, token: str, name: str) -> list[TokenValue]:
        """Return the payload of a token of `kind`.

        Raises:
            InvalidArgument: the token is garbage, forged, or of another kind.
        """
        try:
            raw = base64.b64decode(token.encode(), validate=True)
        except (binascii.Error, ValueError, AttributeError):
            raw = b""
        mac, body = raw[:16], raw[16:]
        if len(mac) == 16 and hmac.compare_digest(mac, self._mac(body)):
            value = json.loads(body)
            if isinstance(value, list) and value and value[0] == kind:
                return value[1:]
        raise InvalidArgument(
            f"Invalid {name}: {token[:64]!r} was not issued by this service or was altered."
        )
