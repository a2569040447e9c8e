"""``eventwire serve``: the emulator server as a subcommand of the ``eventwire`` command line.

Its options have one home, ``eventwire_emulator.__main__`` (``eventwire-emulator
serve`` stays as an alias), so this command hands its arguments over unparsed.
"""

from __future__ import annotations

import click

from eventwire_emulator.__main__ import main


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
    short_help="Serve the Kinesis API and the data viewer on loopback (see serve --help).",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(args: tuple[str, ...]) -> int:
    """Serve the Kinesis HTTP API and the data viewer (same options as eventwire-emulator serve)."""
    return main(["serve", *args], prog="eventwire")
