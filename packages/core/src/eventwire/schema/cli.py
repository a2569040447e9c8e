"""``python -m eventwire.schema export|check``: argument parsing around the plain functions."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TextIO

from eventwire.errors import EventwireError
from eventwire.registry import EventRegistry, default_registry
from eventwire.schema.commands import check, export
from eventwire.schema.compat import CompatibilityMode

EXIT_OK = 0
EXIT_BREAKING = 1
EXIT_USAGE = 2


def load_events(modules: Sequence[str], registry: str | None = None) -> EventRegistry:
    """Import ``modules`` (so their event classes register) and return the registry to read.

    Args:
        modules: dotted module names that define event classes.
        registry: ``module:attribute`` of an ``EventRegistry`` (default: ``default_registry``).

    Raises:
        EventwireError: a module cannot be imported or the registry is not one.
    """
    for module in modules:
        _import(module)
    if registry is None:
        return default_registry
    module_name, _, attribute = registry.partition(":")
    found = getattr(_import(module_name), attribute, None) if attribute else None
    if not isinstance(found, EventRegistry):
        raise EventwireError(f"--registry {registry!r} must name an EventRegistry as module:name")
    return found


def parse_streams(values: Sequence[str]) -> dict[str, list[str]]:
    """``["orders=com.example.order.", "audit"]`` -> ``{"orders": [...], "audit": []}``."""
    streams: dict[str, list[str]] = {}
    for value in values:
        name, _, prefixes = value.partition("=")
        if not name:
            raise EventwireError(f"--stream {value!r} must be NAME or NAME=TYPE_PREFIX[,...]")
        streams[name] = [p for p in prefixes.split(",") if p]
    return streams or {"events": []}


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    prog: str = "python -m eventwire.schema",
) -> int:
    """Run one command; return the exit status (0 ok, 1 breaking changes, 2 usage or errors).

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).
        out: where reports go (default: standard output).
        prog: the program name usage lines show (``eventwire schema`` when a
            command line mounts these commands).
    """
    out = out or sys.stdout
    parser = _parser(prog)
    args = parser.parse_args(argv)
    try:
        registry = load_events(args.module, args.registry)
        if args.command == "export":
            for path in export(
                args.out, registry=registry, streams=parse_streams(args.stream),
                title=args.title, version=args.api_version,
            ):  # fmt: skip
                print(f"wrote {path}", file=out)
            return EXIT_OK
        result = check(args.snapshot, registry=registry, mode=args.mode)
    except EventwireError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(result.report(), file=out)
    return EXIT_OK if result.ok else EXIT_BREAKING


def _import(module: str) -> object:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EventwireError(f"cannot import {module!r}: {exc}") from exc


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Export event schemas (JSON Schema, AsyncAPI) and check changes against them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, summary in (
        ("export", "write events/<type>.schema.json and asyncapi.json"),
        ("check", "compare the current classes with a committed snapshot"),
    ):
        command = commands.add_parser(name, help=summary, description=summary)
        command.add_argument(
            "-m", "--module", action="append", default=[],
            help="module defining event classes (repeatable)",
        )  # fmt: skip
        command.add_argument("--registry", help="module:name of an EventRegistry")
        if name == "export":
            command.add_argument("--out", required=True, help="directory to write")
            command.add_argument(
                "--stream", action="append", default=[],
                help="NAME or NAME=TYPE_PREFIX[,...]: an AsyncAPI channel (default: events)",
            )  # fmt: skip
            command.add_argument("--title", default="eventwire events", help="info.title")
            command.add_argument("--api-version", default="1.0.0", help="info.version")
        else:
            command.add_argument("--snapshot", required=True, help="directory export wrote")
            command.add_argument(
                "--mode", default=CompatibilityMode.BACKWARD.value,
                type=str.upper, choices=[m.value for m in CompatibilityMode],
                help="which readers must keep working (default: BACKWARD)",
            )  # fmt: skip
    return parser
