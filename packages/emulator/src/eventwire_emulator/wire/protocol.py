"""Wire: the Kinesis JSON 1.1 protocol over a model, the one thing a transport calls."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from eventwire_emulator.model import Kinesis, ModelError
from eventwire_emulator.wire.errors import (
    AwsError,
    SerializationError,
    UnknownOperationError,
    WireError,
    aws_error,
)
from eventwire_emulator.wire.operations import HANDLERS
from eventwire_emulator.wire.parsing import PARSERS
from eventwire_emulator.wire.response import (
    WireResponse,
    error_response,
    json_response,
    stream_response,
)
from eventwire_emulator.wire.subscribe import SubscriptionPolicy, subscribe_to_shard

logger = logging.getLogger(__name__)

TARGET_PREFIX = "Kinesis_20131202."
JSON_MEDIA_TYPES = frozenset(
    {"application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json"}
)

_OPERATIONS = {TARGET_PREFIX + name: name for name in PARSERS}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_loads = json.JSONDecoder(parse_constant=_reject_constant).decode


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # Transports differ in header casing; try the common spellings before scanning.
    value = headers.get(name) or headers.get(name.lower())
    if value is not None:
        return value
    lowered = name.lower()
    for key, item in headers.items():
        if key.lower() == lowered:
            return item
    return None


class Wire:
    """Serve Kinesis JSON requests from a model; as thread-safe as the model.

    ``handle`` never raises: malformed input, validation failures and model errors
    all become AWS-shaped error responses; an unexpected exception (a bug) is logged
    and reported as a 500 ``InternalFailure``.
    """

    def __init__(self, kinesis: Kinesis, *, subscription: SubscriptionPolicy | None = None) -> None:
        self.kinesis = kinesis
        self.subscription = subscription or SubscriptionPolicy()

    def handle(
        self, target: str | None, body: bytes, headers: Mapping[str, str] | None = None
    ) -> WireResponse:
        """Answer one request.

        Args:
            target: the ``X-Amz-Target`` header, e.g. ``Kinesis_20131202.PutRecord``.
            body: the raw request body.
            headers: the request headers; only ``Content-Type`` is consulted.
        """
        try:
            operation = _OPERATIONS.get(target or "")
            if operation is None:
                raise UnknownOperationError(
                    f"Unknown operation {target!r}." if target else "Missing X-Amz-Target header."
                )
            if headers:
                _check_content_type(_header(headers, "Content-Type"))
            params = PARSERS[operation](_decode(body))
            if operation == "SubscribeToShard":
                return stream_response(subscribe_to_shard(self.kinesis, params, self.subscription))
            return json_response(HANDLERS[operation](self.kinesis, params))
        except WireError as exc:
            return error_response(exc.to_aws())
        except ModelError as exc:
            return error_response(aws_error(exc))
        except Exception:
            logger.exception("emulator bug while handling %s", target)
            return error_response(
                AwsError("InternalFailure", 500, "The emulator failed; see its log.")
            )


def _check_content_type(content_type: str | None) -> None:
    if content_type is None:
        return
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise SerializationError(
            f"Unsupported Content-Type {content_type!r}: this emulator speaks "
            "application/x-amz-json-1.1 (for the Java SDK, disable CBOR)."
        )


def _decode(body: bytes) -> Any:
    if not body:
        # An empty body means no members, as an empty JSON object would.
        return {}
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
