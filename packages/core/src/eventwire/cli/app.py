"""The root ``eventwire`` command: plugin subcommands, ``--version``, one-line errors."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from eventwire.cli.exits import ExitCode, exit_code_for
from eventwire.errors import ConfigurationError, EventwireError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pluggy

PROG = "eventwire"


class CommandGroup(click.Group):
    """A Click group that refuses a second command under a name already taken."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Add ``cmd``; a name another plugin took is a ``ConfigurationError``."""
        name = name or cmd.name
        if name is not None and name in self.commands and self.commands[name] is not cmd:
            raise ConfigurationError(
                f"two eventwire plugins add the command {name!r}; uninstall one, or set "
                "EVENTWIRE_DISABLE_PLUGIN_AUTOLOAD=1 to run without entry-point plugins"
            )
        super().add_command(cmd, name)


def _version() -> str:
    from eventwire import __version__

    return __version__


def make_cli(manager: pluggy.PluginManager | None = None) -> click.Group:
    """Build the ``eventwire`` group with every installed plugin's subcommands.

    Args:
        manager: the plugin manager to ask (default: the process-wide one).
    """
    from eventwire.plugins import get_plugin_manager

    manager = manager or get_plugin_manager()

    @click.group(
        name=PROG,
        cls=CommandGroup,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
        epilog=(
            "Examples:\n\n"
            "\b\n"
            "  eventwire serve --stream orders:4\n"
            "  eventwire publish orders events.jsonl --endpoint-url http://127.0.0.1:4567\n"
            "  eventwire tail orders --endpoint-url http://127.0.0.1:4567 --from trim-horizon\n"
            "\n"
            "Exit statuses: 0 done, 1 some work failed, 2 bad command line, "
            "3 configuration missing, 4 service refused or unreachable, 130 interrupted."
        ),
    )
    @click.version_option(
        _version(), "-V", "--version", prog_name=PROG, message="%(prog)s %(version)s"
    )
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        """Publish to, read from and run Kinesis data streams for eventwire services."""
        ctx.obj = manager

    manager.hook.eventwire_add_commands(group=cli)
    return cli


def _say(message: str) -> None:
    click.echo(f"{PROG}: error: {message}", err=True)


def run(argv: Sequence[str] | None = None, manager: pluggy.PluginManager | None = None) -> int:
    """Run the command line on ``argv`` and return its exit status instead of exiting."""
    try:
        cli = make_cli(manager)
        result: Any = cli.main(
            args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False
        )
    except click.exceptions.Abort:
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except EventwireError as exc:
        _say(str(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        click.echo("", err=True)
        return ExitCode.INTERRUPTED
    return int(result) if isinstance(result, int) else ExitCode.OK


def main() -> None:
    """The ``eventwire`` console script."""
    sys.exit(run())
