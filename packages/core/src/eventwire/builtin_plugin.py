"""Hook implementations for the backends that ship with eventwire itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventwire.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import click

    from eventwire.backend import Backend

MEMORY = "memory"


@hookimpl
def eventwire_list_backends() -> Sequence[str]:
    """The in-memory recording backend is always available."""
    return [MEMORY]


@hookimpl
def eventwire_make_backend(name: str, options: Mapping[str, object]) -> Backend | None:
    """Make the in-memory recording backend (``memory``)."""
    if name != MEMORY:
        return None
    from eventwire.testing.recording import RecordingBackend

    return RecordingBackend.from_options(options)


@hookimpl
def eventwire_add_commands(group: click.Group) -> None:
    """Core's own subcommands (``eventwire backends``); Click is imported only here."""
    from eventwire.cli.commands import CORE_COMMANDS

    for command in CORE_COMMANDS:
        group.add_command(command)
