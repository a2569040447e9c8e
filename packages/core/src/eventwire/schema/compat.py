"""Schema compatibility: which changes between two event schemas break readers, by mode."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eventwire.errors import SchemaError


class CompatibilityMode(enum.StrEnum):
    """Who must keep working after a change (the AWS Glue Schema Registry's names).

    ``BACKWARD``: readers using the new classes read records written with the
    old ones (the default: upgrade consumers first). ``FORWARD``: readers still
    on the old classes read records written with the new ones. ``FULL``: both.
    ``NONE``: no check.
    """

    BACKWARD = "BACKWARD"
    FORWARD = "FORWARD"
    FULL = "FULL"
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class BreakingChange:
    """One change that breaks readers in a mode.

    Attributes:
        event_type: the event's CloudEvents ``type``.
        path: where in the record, dotted (``data.address.city``); empty for the whole type.
        kind: what changed (``required field added``, ``type narrowed``, ...).
        detail: the values involved.
        breaks: ``BACKWARD`` (new readers, old records) or ``FORWARD`` (old readers, new records).
    """

    event_type: str
    path: str
    kind: str
    detail: str
    breaks: str

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.event_type}{where}: {self.kind}{detail} [breaks {self.breaks}]"


# What a narrowing (values the first schema accepts, the second refuses) is called when
# the first schema is the old one (BACKWARD) and when it is the new one (FORWARD).
_WORDS: dict[str, tuple[str, str]] = {
    "required": ("required field added", "required field removed"),
    "became_required": ("optional field became required", "required field became optional"),
    "field_refused": ("field removed", "field added"),
    "extras": ("unknown fields no longer allowed", "unknown fields now allowed"),
    "type": ("type narrowed", "type widened"),
    "values": ("enum value removed", "enum value added"),
    "restricted": ("values restricted to a list", "values no longer restricted to a list"),
    "constraint": ("constraint tightened", "constraint loosened"),
}
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")
_MAX_DEPTH = 64
_CHECKS_BACKWARD = (CompatibilityMode.BACKWARD, CompatibilityMode.FULL)


def parse_mode(mode: CompatibilityMode | str) -> CompatibilityMode:
    """The mode named by ``mode`` (case-insensitive), or ``SchemaError`` listing the choices."""
    try:
        return CompatibilityMode(str(mode).upper())
    except ValueError:
        choices = ", ".join(m.value for m in CompatibilityMode)
        raise SchemaError(f"compatibility mode {mode!r} must be one of {choices}") from None


def schema_changes(
    event_type: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    mode: CompatibilityMode | str = CompatibilityMode.BACKWARD,
) -> list[BreakingChange]:
    """The changes from ``old`` to ``new`` (one event's JSON Schemas) that break ``mode``."""
    mode = parse_mode(mode)
    found: list[BreakingChange] = []
    if mode in _CHECKS_BACKWARD:
        _Walk(event_type, "BACKWARD", old, new, found).narrowing(old, new, "", 0)
    if mode in (CompatibilityMode.FORWARD, CompatibilityMode.FULL):
        _Walk(event_type, "FORWARD", new, old, found).narrowing(new, old, "", 0)
    return found


def breaking_changes(
    old: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    mode: CompatibilityMode | str = CompatibilityMode.BACKWARD,
    *,
    still_decodes: Callable[[str], bool] = lambda event_type: False,
) -> list[BreakingChange]:
    """Every breaking change between two sets of schemas keyed by event ``type``.

    A type in ``old`` but not in ``new`` breaks BACKWARD unless
    ``still_decodes(type)`` (an upcaster chain still reads its records). A new
    type breaks nothing.
    """
    mode = parse_mode(mode)
    found: list[BreakingChange] = []
    for event_type in sorted(old):
        if event_type in new:
            found += schema_changes(event_type, old[event_type], new[event_type], mode)
        elif mode in _CHECKS_BACKWARD and not still_decodes(event_type):
            detail = "its records no longer decode; keep the class or register an upcaster"
            found.append(BreakingChange(event_type, "", "event type removed", detail, "BACKWARD"))
    return found


class _Walk:
    """Finds values the ``writer`` schema accepts and the ``reader`` schema refuses."""

    def __init__(
        self,
        event_type: str,
        breaks: str,
        writer_root: Mapping[str, Any],
        reader_root: Mapping[str, Any],
        found: list[BreakingChange],
    ) -> None:
        self.event_type = event_type
        self.breaks = breaks
        self.roots = (writer_root, reader_root)
        self.found = found
        self.wording = 0 if breaks == "BACKWARD" else 1

    def report(self, path: str, key: str, detail: str) -> None:
        self.found.append(
            BreakingChange(self.event_type, path, _WORDS[key][self.wording], detail, self.breaks)
        )

    def narrowing(self, writer: Any, reader: Any, path: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        writer = _resolve(writer, self.roots[0])
        reader = _resolve(reader, self.roots[1])
        if reader is True or reader == {} or writer is False:
            return
        if not isinstance(writer, dict) or not isinstance(reader, dict):
            return
        branches = writer.get("anyOf") or writer.get("oneOf")
        if branches:
            for branch in branches:
                self.narrowing(branch, reader, path, depth + 1)
            return
        options = reader.get("anyOf") or reader.get("oneOf")
        if options:
            self._into_union(writer, options, path, depth)
            return
        if self._types(writer, reader, path):
            return
        self._values(writer, reader, path)
        self._constraints(writer, reader, path)
        if "properties" in writer or "properties" in reader:
            self._object(writer, reader, path, depth)
        if isinstance(writer.get("items"), dict) and isinstance(reader.get("items"), dict):
            self.narrowing(writer["items"], reader["items"], f"{path}[]", depth + 1)

    def _into_union(
        self, writer: dict[str, Any], options: list[Any], path: str, depth: int
    ) -> None:
        wanted = _types(writer, self.roots[0])
        best: list[BreakingChange] | None = None
        for option in options:
            trial: list[BreakingChange] = []
            _Walk(self.event_type, self.breaks, *self.roots, trial).narrowing(
                writer, option, path, depth + 1
            )
            if not trial:
                return
            fits = _types(_resolve(option, self.roots[1]), self.roots[1])
            if best is None or (wanted and fits and wanted & fits):
                best = trial
        self.found += best or []

    def _types(self, writer: dict[str, Any], reader: dict[str, Any], path: str) -> bool:
        accepted = _types(reader, self.roots[1])
        if accepted is None:
            return False
        given = _types(writer, self.roots[0])
        if given is None:
            self.report(path, "type", f"any value -> {_listed(accepted)}")
            return True
        # JSON Schema's number includes the integers.
        widened = accepted | {"integer"} if "number" in accepted else accepted
        if given - widened:
            self.report(path, "type", f"{_listed(given)} -> {_listed(accepted)}")
            return True
        return False

    def _values(self, writer: dict[str, Any], reader: dict[str, Any], path: str) -> None:
        allowed = _values(reader)
        if allowed is None:
            return
        given = _values(writer)
        if given is None:
            self.report(path, "restricted", f"to {sorted(allowed)}")
            return
        lost = given - allowed
        if lost:
            self.report(path, "values", ", ".join(sorted(lost)))

    def _constraints(self, writer: dict[str, Any], reader: dict[str, Any], path: str) -> None:
        for keyword in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, *_EXACT):
            if keyword not in reader:
                continue
            bound, had = reader[keyword], writer.get(keyword)
            tighter = (
                had is None
                or (keyword in _LOWER_BOUNDS and bound > had)
                or (keyword in _UPPER_BOUNDS and bound < had)
                or (keyword in _EXACT and bound != had)
            )
            if tighter:
                self.report(path, "constraint", f"{keyword} {had!r} -> {bound!r}")

    def _object(
        self, writer: dict[str, Any], reader: dict[str, Any], path: str, depth: int
    ) -> None:
        given: dict[str, Any] = writer.get("properties", {})
        known: dict[str, Any] = reader.get("properties", {})
        required = set(writer.get("required", ()))
        for name in reader.get("required", ()):
            if name not in required:
                key = "became_required" if name in given else "required"
                self.report(_join(path, name), key, "")
        extras = reader.get("additionalProperties", True)
        for name, schema in given.items():
            if name in known:
                self.narrowing(schema, known[name], _join(path, name), depth + 1)
            elif extras is False:
                self.report(_join(path, name), "field_refused", "readers forbid unknown fields")
            elif isinstance(extras, dict):
                self.narrowing(schema, extras, _join(path, name), depth + 1)
        writer_extras = writer.get("additionalProperties", True)
        if extras is False and writer_extras is not False:
            self.report(path, "extras", "")
        elif isinstance(extras, dict) and isinstance(writer_extras, dict):
            self.narrowing(writer_extras, extras, _join(path, "*"), depth + 1)


def _resolve(schema: Any, root: Mapping[str, Any]) -> Any:
    for _ in range(_MAX_DEPTH):
        if not isinstance(schema, dict) or "$ref" not in schema:
            return schema
        reference = schema["$ref"]
        if not isinstance(reference, str) or not reference.startswith("#/"):
            raise SchemaError(f"only local $refs can be compared, not {reference!r}")
        target: Any = root
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise SchemaError(f"$ref {reference!r} points nowhere in its schema")
            target = target[part]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings} if isinstance(target, dict) else target
    return schema


def _types(schema: Any, root: Mapping[str, Any]) -> set[str] | None:
    if not isinstance(schema, dict):
        return None
    if "type" in schema:
        kind = schema["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    values = _raw_values(schema)
    if values is not None:
        return {_json_type(value) for value in values}
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        union: set[str] = set()
        for branch in branches:
            kinds = _types(_resolve(branch, root), root)
            if kinds is None:
                return None
            union |= kinds
        return union
    return None


def _raw_values(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    return None


def _values(schema: Mapping[str, Any]) -> set[str] | None:
    values = _raw_values(schema)
    return None if values is None else {json.dumps(v, sort_keys=True) for v in values}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _listed(kinds: set[str]) -> str:
    return "|".join(sorted(kinds))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
