"""eventwire hook implementations: the ``emulator`` backend and ``eventwire serve``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventwire import hookimpl

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import click

    from eventwire.backends import Backend

NAME = "emulator"


@hookimpl
def eventwire_list_backends() -> Sequence[str]:
    """The emulator backend is available wherever this distribution is installed."""
    return [NAME]


@hookimpl
def eventwire_make_backend(name: str, options: Mapping[str, object]) -> Backend | None:
    """Make the in-process emulator backend (``emulator``)."""
    if name != NAME:
        return None
    from eventwire_emulator.backend import EmulatorBackend

    return EmulatorBackend.from_options(options)


@hookimpl
def eventwire_add_commands(group: click.Group) -> None:
    """``eventwire serve``; Click is imported only when the command line runs."""
    from eventwire_emulator.cli import serve

    group.add_command(serve)
