"""``eventwire tail``, ``publish`` and ``streams``: the Kinesis subcommands of the command line."""

from __future__ import annotations

from eventwire_kinesis.cli.publish import publish
from eventwire_kinesis.cli.streams import streams
from eventwire_kinesis.cli.tail import tail

COMMANDS = (tail, publish, streams)
"""The subcommands this package adds, in the order ``eventwire --help`` lists them."""

__all__ = ["COMMANDS", "publish", "streams", "tail"]
