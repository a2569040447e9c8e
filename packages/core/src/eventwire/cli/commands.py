"""The subcommands core adds itself: ``eventwire backends`` and ``eventwire schema``.

Adding one is a line in ``CORE_COMMANDS``; the built-in plugin registers them.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points, version
from typing import TYPE_CHECKING, cast

import click

from eventwire.errors import ConfigurationError
from eventwire.plugins import BUILTIN, ENTRY_POINT_GROUP

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pluggy


def _distribution(plugin_name: str) -> str:
    """The distribution and version a plugin comes from, or "-" for one registered in code."""
    if plugin_name == BUILTIN:
        return f"eventwire-core {version('eventwire-core')}"
    for entry_point in entry_points(group=ENTRY_POINT_GROUP, name=plugin_name):
        if entry_point.dist is not None:
            return f"{entry_point.dist.name} {entry_point.dist.version}"
    return "-"


@click.command(
    epilog="Examples:\n\n\b\n  eventwire backends\n"
    "  EVENTWIRE_DISABLE_PLUGIN_AUTOLOAD=1 eventwire backends"
)
@click.pass_obj
def backends(manager: pluggy.PluginManager) -> None:
    """List the installed backends and the plugins that provide them."""
    from rich.console import Console
    from rich.table import Table

    table = Table("backend", "plugin", "distribution", title="eventwire backends")
    for impl in manager.hook.eventwire_list_backends.get_hookimpls():
        provided = cast("Sequence[str]", impl.function())
        for name in sorted(provided):
            table.add_row(name, impl.plugin_name, _distribution(impl.plugin_name))
    plugins = Table("plugin", "distribution", "hooks", title="eventwire plugins")
    for name, plugin in sorted(manager.list_name_plugin(), key=lambda item: item[0]):
        hooks = sorted(caller.name for caller in manager.get_hookcallers(plugin) or ())
        plugins.add_row(name, _distribution(name), ", ".join(hooks))
    console = Console()
    console.print(table)
    console.print(plugins)


def _module_commands(name: str, module: str, short_help: str) -> click.Command:
    """A subcommand running ``python -m <module>``'s commands under ``eventwire <name>``.

    Their options have their home in that module (argparse, stdlib only, so
    they work without the command line's extra); ``--help`` is theirs too.
    """

    def callback(args: tuple[str, ...]) -> int:
        try:
            main = import_module(module).main
        except ModuleNotFoundError as exc:
            # An extra left out (SQLAlchemy for the outbox): its own message says which.
            raise ConfigurationError(f"eventwire {name}: {exc}") from exc
        return int(main(list(args), prog=f"eventwire {name}"))

    return click.Command(
        name,
        callback=callback,
        params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
        short_help=short_help,
        help=f"The commands of ``python -m {module}``, whose options have their home there.",
    )


schema = _module_commands(
    "schema",
    "eventwire.schema.cli",
    "Export event schemas (JSON Schema, AsyncAPI), check changes (see schema --help).",
)
spool = _module_commands(
    "spool",
    "eventwire.spool.__main__",
    "Show a producer's spool, list, replay or purge its dead letters (see spool --help).",
)
outbox = _module_commands(
    "outbox",
    "eventwire.outbox.__main__",
    "Create the outbox table, run a relay, revive dead rows (see outbox --help).",
)


CORE_COMMANDS: tuple[click.Command, ...] = (backends, schema, spool, outbox)
"""Every subcommand of core itself, in the order ``eventwire --help`` lists them."""
