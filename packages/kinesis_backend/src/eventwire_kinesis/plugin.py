"""eventwire hook implementations: the ``kinesis`` and ``localstack`` backends, CLI commands.

Only hooks live here, and boto3 is imported when a backend is built, so that
listing the installed backends stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventwire import hookimpl

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import click

    from eventwire.backends import Backend

BACKENDS = ("kinesis", "localstack")


@hookimpl
def eventwire_list_backends() -> Sequence[str]:
    """``kinesis`` (AWS, the standard credential chain) and ``localstack``."""
    return list(BACKENDS)


@hookimpl
def eventwire_make_backend(name: str, options: Mapping[str, object]) -> Backend | None:
    """Build the ``kinesis`` or ``localstack`` backend from ``options`` and the environment."""
    if name not in BACKENDS:
        return None
    from eventwire_kinesis.backend import KinesisBackend

    return KinesisBackend.from_options(options, name=name)


@hookimpl
def eventwire_add_commands(group: click.Group) -> None:
    """``eventwire tail``, ``publish`` and ``streams``; boto3 and Click load only here."""
    from eventwire_kinesis.cli import COMMANDS

    for command in COMMANDS:
        group.add_command(command)
