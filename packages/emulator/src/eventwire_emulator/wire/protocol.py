"""Wire: the Kinesis JSON 1.1 protocol over a model, the one thing a transport calls."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from eventwire_emulator.model import Cloud, Kinesis, ModelError
from eventwire_emulator.wire import cbor
from eventwire_emulator.wire.authorize import authorize
from eventwire_emulator.wire.cbor import MEDIA_TYPE as CBOR_MEDIA_TYPE
from eventwire_emulator.wire.errors import (
    AwsError,
    SerializationError,
    UnknownOperationError,
    UnsupportedOperationError,
    WireError,
    aws_error,
)
from eventwire_emulator.wire.headers import header
from eventwire_emulator.wire.identity import account_of, credential_scope
from eventwire_emulator.wire.operations import HANDLERS, UNSUPPORTED
from eventwire_emulator.wire.parsing import PARSERS
from eventwire_emulator.wire.response import (
    WireResponse,
    cbor_error_response,
    cbor_response,
    error_response,
    json_response,
    stream_response,
)
from eventwire_emulator.wire.sigv4 import Verifier
from eventwire_emulator.wire.subscribe import SubscriptionPolicy, subscribe_to_shard

logger = logging.getLogger(__name__)

TARGET_PREFIX = "Kinesis_20131202."
JSON_MEDIA_TYPES = frozenset(
    {"application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json"}
)

#: Credential scopes remembered with the model they route to; cleared when full.
_SCOPE_CACHE_SIZE = 1024

_OPERATIONS = {TARGET_PREFIX + name: name for name in [*PARSERS, *UNSUPPORTED]}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_loads = json.JSONDecoder(parse_constant=_reject_constant).decode


class Wire:
    """Serve Kinesis JSON requests from a model; as thread-safe as the model.

    ``handle`` never raises: malformed input, validation failures and model errors
    all become AWS-shaped error responses; an unexpected exception (a bug) is logged
    and reported as a 500 ``InternalFailure``.
    """

    def __init__(
        self,
        kinesis: Kinesis,
        *,
        subscription: SubscriptionPolicy | None = None,
        accounts: Mapping[str, str] | None = None,
    ) -> None:
        self.kinesis = kinesis
        self.subscription = subscription or SubscriptionPolicy()
        #: One model per (account, region); ``kinesis`` serves its own pair.
        self.cloud = Cloud(kinesis)
        #: Access key -> account id (see ``identity.account_of``).
        self.accounts = dict(accounts or {})
        self._routes: dict[str, tuple[Kinesis, str]] = {}
        #: Set to verify SigV4 signatures (``serve --auth sigv4``); None accepts any.
        self.verifier: Verifier | None = None

    def route(self, headers: Mapping[str, str] | None) -> tuple[Kinesis, str]:
        """Return the model a request goes to (its scope's region and account) and its key.

        A request without a SigV4 Authorization header goes to ``kinesis``, keyless.

        Raises:
            ModelError: the scope names a malformed region, or too many accounts.
        """
        if not headers:
            return self.kinesis, ""
        authorization = headers.get("authorization") or header(headers, "Authorization")
        if not authorization:
            return self.kinesis, ""
        start = authorization.find("Credential=")
        key = authorization[start : authorization.find(",", start)] if start >= 0 else ""
        found = self._routes.get(key)
        if found is not None:
            return found
        scope = credential_scope(authorization)
        if scope is None:
            return self.kinesis, ""
        account = account_of(scope.access_key, self.accounts, self.kinesis.account_id)
        found = self.cloud.get(account, scope.region), scope.access_key
        if len(self._routes) >= _SCOPE_CACHE_SIZE:
            self._routes.clear()
        self._routes[key] = found
        return found

    def handle(
        self,
        target: str | None,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        method: str = "POST",
        path: str = "/",
        query: str = "",
    ) -> WireResponse:
        """Answer one request.

        Args:
            target: the ``X-Amz-Target`` header, e.g. ``Kinesis_20131202.PutRecord``.
            body: the raw request body.
            headers: the request headers: ``Content-Type``, and ``Authorization``
                for the region, the account and (with a verifier) the signature.
            method: the HTTP method, path and query, which a SigV4 signature covers.
            path: see `method`.
            query: see `method`.
        """
        use_cbor = False
        try:
            operation = _OPERATIONS.get(target or "")
            if operation is None:
                raise UnknownOperationError(
                    f"Unknown operation {target!r}." if target else "Missing X-Amz-Target header."
                )
            if headers:
                use_cbor = _check_content_type(header(headers, "Content-Type"))
            if operation in UNSUPPORTED:
                raise UnsupportedOperationError(
                    f"{operation} is not supported by the eventwire emulator: "
                    f"{UNSUPPORTED[operation]}."
                )
            if use_cbor and operation == "SubscribeToShard":
                raise SerializationError(
                    "SubscribeToShard over CBOR is not supported by the eventwire emulator; "
                    "use application/x-amz-json-1.1."
                )
            if self.verifier is not None:
                self.verifier.verify(
                    method, path, query, headers or {}, body, self.kinesis.clock.now()
                )
            kinesis, access_key = self.route(headers)
            params = PARSERS[operation](cbor.decode_request(body) if use_cbor else _decode(body))
            policies = self.kinesis.account.policies
            if policies is not None:
                authorize(kinesis, policies, access_key, operation, params)
            if operation == "SubscribeToShard":
                return stream_response(subscribe_to_shard(kinesis, params, self.subscription))
            result = HANDLERS[operation](kinesis, params)
            return cbor_response(result) if use_cbor else json_response(result)
        except WireError as exc:
            error = exc.to_aws()
        except ModelError as exc:
            error = aws_error(exc)
        except Exception:
            logger.exception("emulator bug while handling %s", target)
            error = AwsError("InternalFailure", 500, "The emulator failed; see its log.")
        return cbor_error_response(error) if use_cbor else error_response(error)


def _check_content_type(content_type: str | None) -> bool:
    """Return whether the request is CBOR; raise for a media type neither protocol uses."""
    if content_type is None:
        return False
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == CBOR_MEDIA_TYPE:
        return True
    if media_type not in JSON_MEDIA_TYPES:
        raise SerializationError(
            f"Unsupported Content-Type {content_type!r}: this emulator speaks "
            f"application/x-amz-json-1.1 and {CBOR_MEDIA_TYPE}."
        )
    return False


def _decode(body: bytes) -> Any:
    if not body:
        # AWS answers an empty body with SerializationException: even an operation
        # without members expects "{}" (botocore and the other SDKs send it).
        raise SerializationError("Request body is empty; send a JSON object, at least {}.")
    try:
        document = _loads(body.decode())
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise SerializationError(f"Request body is not valid JSON: {exc}") from exc
    except RecursionError:
        # The decoder recurses per level: nesting deep enough exhausts the stack.
        raise SerializationError("Request body is not valid JSON: nested too deeply.") from None
    # UTF-8 cannot carry a surrogate, so only a \uD800-\uDFFF escape can make one;
    # walk the document only when the body has such an escape.
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(document):
        raise SerializationError(
            "Request body is not valid JSON: a string has an unpaired surrogate escape."
        )
    return document


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(document: Any) -> bool:
    """Whether any key or string in `document` holds a surrogate code point."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
