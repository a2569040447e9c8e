"""Declarative input shapes and a compiler that turns them into fast validators."""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from eventwire_emulator.wire.errors import SerializationError, ValidationError

# A compiled checker takes a non-null JSON value, the member path AWS prints in messages
# and a list that collects constraint violations; it returns the converted value (bytes
# for blobs, float epoch seconds for timestamps) or raises SerializationError on a
# JSON type mismatch, which AWS reports before any constraint.
Checker: TypeAlias = Callable[[Any, str, list[str]], Any]


@dataclass(frozen=True, slots=True)
class String:
    """A string member: optional length bounds, a Java-style pattern, or an enum."""

    min_len: int | None = None
    max_len: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Integer:
    """An integer member with optional inclusive bounds."""

    min: int | None = None
    max: int | None = None


@dataclass(frozen=True, slots=True)
class Boolean:
    """A boolean member."""


@dataclass(frozen=True, slots=True)
class Blob:
    """A base64-encoded binary member; bounds apply to the decoded length."""

    min_len: int | None = None
    max_len: int | None = None


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A timestamp member, sent as epoch seconds."""


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list member with optional length bounds."""

    member: Shape
    min_len: int | None = None
    max_len: int | None = None


@dataclass(frozen=True, slots=True)
class MapOf:
    """A string-to-string map member with optional size bounds."""

    key: String
    value: String
    min_len: int | None = None
    max_len: int | None = None


@dataclass(frozen=True, slots=True)
class Structure:
    """A structure: its members in the service model's order and the required ones."""

    members: Mapping[str, Shape]
    required: tuple[str, ...] = field(default=())


Shape: TypeAlias = String | Integer | Boolean | Blob | Timestamp | ListOf | MapOf | Structure


def validate(checker: Checker, value: Any) -> dict[str, Any]:
    """Run a compiled top-level checker; raise ValidationError listing every violation."""
    errors: list[str] = []
    result: dict[str, Any] = checker(value, "", errors)
    if errors:
        raise ValidationError(errors)
    return result


def compile_shape(shape: Shape) -> Checker:
    """Compile a shape into a checker; compile once, at import time."""
    match shape:
        case String():
            return _compile_string(shape)
        case Integer():
            return _compile_integer(shape)
        case Boolean():
            return _check_boolean
        case Blob():
            return _compile_blob(shape)
        case Timestamp():
            return _check_timestamp
        case ListOf():
            return _compile_list(shape)
        case MapOf():
            return _compile_map(shape)
        case Structure():
            return _compile_structure(shape)
    raise TypeError(f"not a shape: {shape!r}")  # pragma: no cover - exhaustive match


def _violation(value: str, path: str, constraint: str) -> str:
    return f"Value {value} at '{path}' failed to satisfy constraint: {constraint}"


def _json_kind(value: Any) -> str:
    # The names AWS uses for the JSON token it could not convert.
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    if isinstance(value, int | float):
        return "NUMBER_VALUE"
    if isinstance(value, list):
        return "START_ARRAY"
    return "START_OBJECT"


def _type_error(value: Any, target: str) -> SerializationError:
    if isinstance(value, dict):
        return SerializationError("Start of structure or map found where not expected.")
    if isinstance(value, list):
        return SerializationError("Start of list found where not expected")
    return SerializationError(f"{_json_kind(value)} can not be converted to {target}")


def _string_constraints(shape: String) -> list[tuple[Callable[[str], bool], str]]:
    # Each entry is (is_violated, constraint text); order follows AWS messages: pattern,
    # then length, then enum.
    rules: list[tuple[Callable[[str], bool], str]] = []
    if shape.pattern is not None:
        fullmatch = re.compile(shape.pattern, re.ASCII).fullmatch
        rules.append(
            (
                lambda v: fullmatch(v) is None,
                f"Member must satisfy regular expression pattern: {shape.pattern}",
            )
        )
    if shape.min_len is not None:
        low = shape.min_len
        rules.append(
            (lambda v: len(v) < low, f"Member must have length greater than or equal to {low}")
        )
    if shape.max_len is not None:
        high = shape.max_len
        rules.append(
            (lambda v: len(v) > high, f"Member must have length less than or equal to {high}")
        )
    if shape.enum is not None:
        allowed = frozenset(shape.enum)
        rules.append(
            (
                lambda v: v not in allowed,
                f"Member must satisfy enum value set: [{', '.join(shape.enum)}]",
            )
        )
    return rules


def _compile_string(shape: String) -> Checker:
    rules = _string_constraints(shape)

    def check(value: Any, path: str, errors: list[str]) -> str:
        if type(value) is not str:
            raise _type_error(value, "a String")
        for violated, constraint in rules:
            if violated(value):
                errors.append(_violation(f"'{value}'", path, constraint))
        return value

    return check


def _compile_integer(shape: Integer) -> Checker:
    low, high = shape.min, shape.max

    def check(value: Any, path: str, errors: list[str]) -> int:
        kind = type(value)
        if kind is float:
            # AWS truncates fractional numbers sent for integer members.
            if not math.isfinite(value):
                raise SerializationError(f"{value} can not be converted to an Integer")
            value = int(value)
        elif kind is not int:
            raise _type_error(value, "an Integer")
        if (low is not None and value < low) or (high is not None and value > high):
            _bounds(value, low, high, "value", f"'{value}'", path, errors)
        return int(value)

    return check


def _check_boolean(value: Any, path: str, errors: list[str]) -> bool:
    if type(value) is not bool:
        raise _type_error(value, "a Boolean")
    return value


def _check_timestamp(value: Any, path: str, errors: list[str]) -> float:
    if type(value) not in (int, float):
        raise _type_error(value, "a Timestamp")
    try:
        seconds = float(value)
    except OverflowError as exc:
        raise SerializationError(f"{value} can not be converted to a Timestamp") from exc
    if not math.isfinite(seconds):
        raise SerializationError(f"{value} can not be converted to a Timestamp")
    return seconds


def _buffer_repr(data: bytes) -> str:
    # AWS prints blobs by their Java buffer, so length errors show the size, not the data.
    return f"'java.nio.HeapByteBuffer[pos=0 lim={len(data)} cap={len(data)}]'"


def _compile_blob(shape: Blob) -> Checker:
    low, high = shape.min_len, shape.max_len
    decode = binascii.a2b_base64

    def check(value: Any, path: str, errors: list[str]) -> bytes:
        if type(value) is not str:
            raise _type_error(value, "a Blob")
        try:
            data = decode(value, strict_mode=True)
        except ValueError as exc:  # binascii.Error, or non-ASCII text
            raise SerializationError(f"Base64 encoded value at '{path}' is invalid: {exc}") from exc
        size = len(data)
        if (low is not None and size < low) or (high is not None and size > high):
            _bounds(size, low, high, "length", _buffer_repr(data), path, errors)
        return data

    return check


def _java_list(value: list[Any]) -> str:
    return "[" + ", ".join(str(item) for item in value) + "]"


def _bounds(
    size: int,
    low: int | None,
    high: int | None,
    measure: str,
    shown: str,
    path: str,
    errors: list[str],
) -> None:
    """Record violations of inclusive bounds on a value or a length (``measure``)."""
    if low is not None and size < low:
        errors.append(
            _violation(shown, path, f"Member must have {measure} greater than or equal to {low}")
        )
    if high is not None and size > high:
        errors.append(
            _violation(shown, path, f"Member must have {measure} less than or equal to {high}")
        )


def _compile_list(shape: ListOf) -> Checker:
    member = compile_shape(shape.member)
    low, high = shape.min_len, shape.max_len
    nested = isinstance(shape.member, Structure)

    def check(value: Any, path: str, errors: list[str]) -> list[Any]:
        if type(value) is not list:
            raise _type_error(value, "a List")
        if nested:
            # Structure members report their own paths, e.g. 'records.1.member.data'.
            out = [
                member(item, f"{path}.{index}.member", errors)
                for index, item in enumerate(value, 1)
            ]
        else:
            # Scalar members are reported once, wrapped, at the list's own path.
            inner: list[str] = []
            out = [member(item, path, inner) for item in value]
            if inner:
                reasons = ", ".join(dict.fromkeys(_constraint_of(text) for text in inner))
                errors.append(
                    _violation(
                        f"'{_java_list(value)}'",
                        path,
                        f"Member must satisfy constraint: [{reasons}]",
                    )
                )
        _bounds(len(value), low, high, "length", f"'{_java_list(value)}'", path, errors)
        return out

    return check


def _constraint_of(violation: str) -> str:
    return violation.partition("failed to satisfy constraint: ")[2]


def _compile_map(shape: MapOf) -> Checker:
    key_check, value_check = _compile_string(shape.key), _compile_string(shape.value)
    low, high = shape.min_len, shape.max_len

    def check(value: Any, path: str, errors: list[str]) -> dict[str, str]:
        if type(value) is not dict:
            raise _type_error(value, "a Map")
        bad_keys: list[str] = []
        bad_values: list[str] = []
        for key, item in value.items():
            key_check(key, path, bad_keys)
            if item is None:
                raise SerializationError(f"null value in map at '{path}'")
            value_check(item, path, bad_values)
        shown = "'{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}'"
        for label, bad in (("keys", bad_keys), ("value", bad_values)):
            if bad:
                reasons = ", ".join(dict.fromkeys(_constraint_of(text) for text in bad))
                errors.append(
                    _violation(shown, path, f"Map {label} must satisfy constraint: [{reasons}]")
                )
        _bounds(len(value), low, high, "length", shown, path, errors)
        return value

    return check


def _member_path(name: str) -> str:
    # AWS prints member names in lower camel case: StreamARN -> streamARN.
    return name[:1].lower() + name[1:]


def _compile_structure(shape: Structure) -> Checker:
    unknown = set(shape.required) - set(shape.members)
    if unknown:
        raise ValueError(f"required members not declared: {sorted(unknown)}")
    members = tuple(
        (name, _member_path(name), compile_shape(member), name in shape.required)
        for name, member in shape.members.items()
    )

    def check(value: Any, path: str, errors: list[str]) -> dict[str, Any]:
        if type(value) is not dict:
            if isinstance(value, list):
                raise SerializationError("Start of list found where not expected")
            raise SerializationError(f"{_json_kind(value)} can not be converted to a Structure")
        prefix = f"{path}." if path else ""
        out: dict[str, Any] = {}
        get = value.get
        for name, label, member, required in members:
            item = get(name)
            if item is None:
                # JSON null counts as absent, as it does for AWS.
                if required:
                    errors.append(_violation("null", prefix + label, "Member must not be null"))
                continue
            out[name] = member(item, prefix + label, errors)
        return out

    return check
