"""The ``eventwire`` command line (``pip install eventwire-core[cli]``) and its plugin helpers.

Plugins add subcommands with the ``eventwire_add_commands`` hook; errors they raise
that are ``EventwireError`` are reported as one line with ``exit_code_for``'s status.
"""

from __future__ import annotations

from eventwire.cli.app import CommandGroup, main, make_cli, run
from eventwire.cli.exits import ExitCode, exit_code_for
from eventwire.cli.imports import import_modules

__all__ = [
    "CommandGroup",
    "ExitCode",
    "exit_code_for",
    "import_modules",
    "main",
    "make_cli",
    "run",
]
