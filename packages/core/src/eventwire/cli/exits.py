"""The ``eventwire`` command line's exit statuses, and which error ends with which."""

from __future__ import annotations

from enum import IntEnum

from eventwire.errors import BackendError, ConfigurationError, EventwireError


class ExitCode(IntEnum):
    """Exit statuses of every ``eventwire`` command (docs/cli.md lists them)."""

    OK = 0
    """Everything asked for was done."""
    FAILED = 1
    """The command ran but some of its work failed: records not published or not decoded."""
    USAGE = 2
    """The command line itself was wrong: an unknown option, a missing argument (Click's)."""
    CONFIGURATION = 3
    """Something to set up first: a region, credentials, an endpoint, an importable module."""
    SERVICE = 4
    """The service refused or could not be reached: connection, permissions, no such stream."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (128 + SIGINT, as shells report it)."""


def exit_code_for(error: EventwireError) -> ExitCode:
    """The exit status a command ends with when ``error`` stops it."""
    if isinstance(error, ConfigurationError):
        return ExitCode.CONFIGURATION
    if isinstance(error, BackendError):
        return ExitCode.SERVICE
    return ExitCode.FAILED
