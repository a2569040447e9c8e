"""What JSON cannot carry in an event: non-finite floats, lone surrogates, nesting too deep.

pydantic writes NaN and infinity as ``null`` (a record that no longer decodes
into its own class) and raises its own errors for the other two. The encoder
asks this module which field is to blame, so the caller gets an
``InvalidEventError`` naming it before anything leaves the process.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from eventwire.errors import InvalidEventError, preview
from eventwire.limits import is_encodable

if TYPE_CHECKING:
    from eventwire.events import Event

MAX_DEPTH = 200
"""Nesting deeper than this is reported as too deep (pydantic's encoder stops near here)."""


PATH_LENGTH = 60
"""Field paths in messages are cut to this many characters (a deep path can be huge)."""


def has_foreign_models(event_class: type[BaseModel]) -> bool:
    """Whether ``event_class`` nests pydantic models that write non-finite floats as null.

    Event classes write NaN as the ``NaN`` token, which the encoder spots in
    the bytes it made; a nested model of the user's own writes ``null``, so
    events holding one are checked field by field instead.
    """
    seen: set[int] = set()

    def visit(node: object) -> bool:
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, dict):
            owner = node.get("cls")
            if (
                isinstance(owner, type)
                and issubclass(owner, BaseModel)
                and owner.model_config.get("ser_json_inf_nan") != "constants"
            ):
                return True
            return any(visit(value) for value in node.values())
        if isinstance(node, list | tuple):
            return any(visit(value) for value in node)
        return False

    return visit(event_class.__pydantic_core_schema__)


# Schema node types whose JSON never holds a number token, or that only hold other nodes.
# Anything else (float, any, complex, a function's own serializer...) may write NaN.
_FINITE_NODES = frozenset({
    "str", "int", "bool", "none", "datetime", "date", "time", "timedelta", "uuid", "bytes",
    "decimal", "url", "multi-host-url", "list", "set", "frozenset", "tuple", "dict",
    "nullable", "default", "function-after", "function-before", "union", "tagged-union",
    "chain", "lax-or-strict", "json-or-python", "custom-error", "model", "model-fields",
    "model-field", "typed-dict", "typed-dict-field", "dataclass", "dataclass-args",
    "dataclass-field", "definitions", "definition-ref", "literal", "enum",
})  # fmt: skip
# Serializers that write text (or filter), never a float of their own.
_TEXT_SERIALIZERS = frozenset({"to-string", "format", "include-exclude-dict",
                               "include-exclude-sequence"})  # fmt: skip
_NOT_SERIALIZED = frozenset({"function", "metadata", "serialization", "config", "expected",
                             "members"})  # fmt: skip


def may_write_non_finite(event_class: type[BaseModel]) -> bool:
    """Whether JSON of ``event_class`` can hold a ``NaN`` or ``Infinity`` token.

    A class made only of strings, integers, times and the like cannot, so the
    encoder need not scan its bytes for the tokens; any node this check does
    not know counts as "can".
    """
    schema: object = event_class.__pydantic_core_schema__
    seen: set[int] = set()

    def visit(node: object) -> bool:
        if isinstance(node, list | tuple):
            return any(visit(item) for item in node)
        if not isinstance(node, dict) or id(node) in seen:
            return False
        seen.add(id(node))
        kind = node.get("type")
        if kind is not None and kind not in _FINITE_NODES:
            return True
        if kind == "literal" and any(isinstance(v, float) for v in node.get("expected", ())):
            return True
        if kind == "enum" and (
            node.get("sub_type") == "float"
            or any(isinstance(member.value, float) for member in node.get("members", ()))
        ):
            return True
        serialization = node.get("serialization")
        if isinstance(serialization, dict) and serialization.get("type") not in _TEXT_SERIALIZERS:
            return True
        # Nodes and the mappings that hold them (fields by name); validator functions,
        # config and metadata play no part in serialization.
        return any(
            visit(value)
            for key, value in node.items()
            if key not in _NOT_SERIALIZED and isinstance(value, dict | list | tuple)
        )

    return not isinstance(schema, dict) or visit(schema)


def find_problem(event: Event) -> tuple[str, str] | None:
    """The first field path holding a value JSON cannot carry, and why; None if there is none."""
    return _walk(event.model_dump(), "", 0)


def _walk(value: Any, path: str, depth: int) -> tuple[str, str] | None:
    if depth > MAX_DEPTH:
        return path or "<root>", f"it is nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, float) and not math.isfinite(value):
        return path, f"{value} is not a JSON number (NaN and infinity have no JSON form)"
    if isinstance(value, str):
        if value.isascii() or is_encodable(value):
            return None
        return path, f"{preview(value)} holds a lone surrogate, which UTF-8 cannot encode"
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple | set | frozenset):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str):
            found = _walk(key, f"{path}.<key>" if path else "<key>", depth + 1)
            if found is not None:
                return found
        step = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
        found = _walk(item, step, depth + 1)
        if found is not None:
            return found
    return None


def unencodable(event: Event, cause: Exception | None = None) -> InvalidEventError:
    """The error for ``event``, which JSON cannot carry; names the field when it can be found."""
    event_type = type(event).type
    problem = find_problem(event)
    if problem is not None:
        path, reason = problem
        if len(path) > PATH_LENGTH:
            path = f"{path[: PATH_LENGTH - 3]}..."
        return InvalidEventError(
            f"event {event_type!r} (id {preview(event.id)}) cannot be encoded as JSON: "
            f"field {path!r}: {reason}",
            event_type=event_type,
        )
    return InvalidEventError(
        f"event {event_type!r} (id {preview(event.id)}) cannot be encoded as JSON: {cause}",
        event_type=event_type,
    )
