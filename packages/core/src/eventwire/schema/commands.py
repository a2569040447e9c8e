"""``export`` and ``check``: the schema commands as plain functions for any command line."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventwire.errors import SchemaError
from eventwire.registry import default_registry
from eventwire.schema.asyncapi import asyncapi_document
from eventwire.schema.compat import (
    BreakingChange,
    CompatibilityMode,
    breaking_changes,
    parse_mode,
)
from eventwire.schema.documents import canonical_json, registry_schemas

if TYPE_CHECKING:
    from eventwire.events import Event
    from eventwire.registry import EventRegistry

EVENTS_DIR = "events"
ASYNCAPI_FILE = "asyncapi.json"
SCHEMA_SUFFIX = ".schema.json"
MAX_SNAPSHOT_FILE = 16 * 1024 * 1024
"""The largest schema file ``check`` reads (a snapshot is source code, not data)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` found.

    Attributes:
        mode: the compatibility mode checked.
        breaking: the changes that break readers in ``mode``.
        changed: types whose schema differs from the snapshot (breaking or not).
        added: types with no schema in the snapshot.
    """

    mode: CompatibilityMode
    breaking: list[BreakingChange] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No breaking change."""
        return not self.breaking

    def report(self) -> str:
        """Human-readable lines: each breaking change, then a summary."""
        lines = [f"BREAKING: {change}" for change in self.breaking]
        compatible = sorted(set(self.changed) - {c.event_type for c in self.breaking})
        lines += [f"changed compatibly: {event_type}" for event_type in compatible]
        lines += [f"new event type: {event_type}" for event_type in self.added]
        verdict = (
            f"{len(self.breaking)} breaking change(s) in {self.mode} mode"
            if self.breaking
            else f"no breaking change in {self.mode} mode"
        )
        if compatible or self.added:
            verdict += "; re-export the schemas to update the snapshot"
        return "\n".join([*lines, verdict])


def streams_for(
    registry: EventRegistry, streams: Mapping[str, Sequence[str]] | Sequence[str]
) -> dict[str, list[type[Event]]]:
    """Event classes per stream: every event on each listed stream, or those with a type prefix.

    Args:
        registry: where the classes are registered.
        streams: stream names (every event goes on each), or a mapping from a stream
            name to the type prefixes of the events it carries (empty: every event).

    Raises:
        SchemaError: a stream would carry no event.
    """
    classes = [registry.get(event_type) for event_type in registry.types()]
    prefixes = streams if isinstance(streams, Mapping) else {name: () for name in streams}
    chosen: dict[str, list[type[Event]]] = {}
    for stream, wanted in prefixes.items():
        picked = [c for c in classes if not wanted or c.type.startswith(tuple(wanted))]
        if not picked:
            raise SchemaError(
                f"stream {stream!r} carries no registered event (prefixes {list(wanted)}, "
                f"registered: {registry.types()}); import the modules that define them"
            )
        chosen[stream] = picked
    return chosen


def export(
    out_dir: str | Path,
    *,
    registry: EventRegistry = default_registry,
    streams: Mapping[str, Sequence[str]] | Sequence[str] = ("events",),
    title: str = "eventwire events",
    version: str = "1.0.0",
) -> list[Path]:
    """Write every registered event's JSON Schema and the AsyncAPI document under ``out_dir``.

    Files: ``events/<type>.schema.json`` (JSON Schema 2020-12, one per event
    type) and ``asyncapi.json``. Schema files of types no longer registered
    are removed, so the directory is exactly the current contract.

    Returns:
        The files written, sorted.

    Raises:
        SchemaError: no event is registered, or a stream carries none.
    """
    schemas = registry_schemas(registry)
    if not schemas:
        raise SchemaError(
            "no event class is registered; import the modules that define your events"
        )
    root = Path(out_dir)
    events_dir = root / EVENTS_DIR
    events_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for event_type, schema in schemas.items():
        written.append(_write(events_dir / schema_file_name(event_type), schema))
    for stale in set(events_dir.glob(f"*{SCHEMA_SUFFIX}")) - set(written):
        stale.unlink()
    document = asyncapi_document(streams_for(registry, streams), title=title, version=version)
    written.append(_write(root / ASYNCAPI_FILE, document))
    return sorted(written)


def load_snapshot(snapshot_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The schemas of a directory ``export`` wrote, by event type.

    Raises:
        SchemaError: the directory holds no schemas, or a file is not a schema ``export`` wrote.
    """
    events_dir = Path(snapshot_dir) / EVENTS_DIR
    if not events_dir.is_dir():
        raise SchemaError(
            f"{events_dir} does not exist; run 'python -m eventwire.schema export "
            f"--out {snapshot_dir}' and commit the result to create the snapshot"
        )
    schemas: dict[str, dict[str, Any]] = {}
    for path in sorted(events_dir.glob(f"*{SCHEMA_SUFFIX}")):
        if path.stat().st_size > MAX_SNAPSHOT_FILE:
            raise SchemaError(f"{path} is larger than {MAX_SNAPSHOT_FILE} bytes")
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            event_type = schema["properties"]["type"]["const"]
        except (ValueError, TypeError, KeyError) as exc:
            raise SchemaError(
                f"{path} is not an event schema written by export ({type(exc).__name__}: {exc})"
            ) from None
        if not isinstance(event_type, str):
            raise SchemaError(f"{path}: properties.type.const must be the event type")
        schemas[event_type] = schema
    return schemas


def check(
    snapshot_dir: str | Path,
    *,
    registry: EventRegistry = default_registry,
    mode: CompatibilityMode | str = CompatibilityMode.BACKWARD,
) -> CheckResult:
    """Compare the registered classes with a committed snapshot; name each breaking change.

    Raises:
        SchemaError: the snapshot cannot be read or ``mode`` is unknown.
    """
    mode = parse_mode(mode)
    old = load_snapshot(snapshot_dir)
    new = registry_schemas(registry)
    breaking = breaking_changes(old, new, mode, still_decodes=registry.can_decode)
    changed = sorted(
        t for t in old if t in new and canonical_json(old[t]) != canonical_json(new[t])
    )
    added = sorted(t for t in new if t not in old)
    return CheckResult(mode=mode, breaking=breaking, changed=changed, added=added)


def schema_file_name(event_type: str) -> str:
    """The file name of ``event_type``'s schema (characters unsafe in paths become ``_``)."""
    return _UNSAFE.sub("_", event_type) + SCHEMA_SUFFIX


def _write(path: Path, document: object) -> Path:
    path.write_text(canonical_json(document), encoding="utf-8")
    return path
