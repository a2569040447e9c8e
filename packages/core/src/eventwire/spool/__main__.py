"""``python -m eventwire.spool``: counts, dead letters, replay and purge of a producer's spool."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from typing import TYPE_CHECKING

from eventwire.errors import EventwireError
from eventwire.spool.store import Spool

if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None, prog: str = "python -m eventwire.spool") -> int:
    """Run one command; the exit status (2 with a one-line message when the spool is busy)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    commands = parser.add_subparsers(required=True, dest="command", metavar="COMMAND")
    for name, text in (
        ("show", "undelivered records, their bytes and dead letters"),
        ("dead", "list dead letters with their errors"),
        ("replay", "queue every dead letter again, after the records already queued"),
        ("purge", "delete every dead letter"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("directory", help="the spool directory")
        if name == "dead":
            command.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)
    if not os.path.isdir(args.directory):
        # Opening would create an empty spool; a mistyped path should say so instead.
        print(f"error: no spool directory at {args.directory!r}", file=sys.stderr)
        return 2
    try:
        # Taking the spool locks it: a running producer makes this a clear error.
        with Spool(args.directory) as spool:
            if args.command == "show":
                counts = spool.counts()
                print(
                    f"records={counts.records} bytes={counts.nbytes} dead={counts.dead} "
                    f"dead_bytes={counts.dead_bytes}"
                )
            elif args.command == "dead":
                for letter in spool.dead_letters(args.limit):
                    when = datetime.datetime.fromtimestamp(letter.failed_at, datetime.UTC)
                    print(
                        f"{letter.seq}\t{when:%Y-%m-%dT%H:%M:%SZ}\t{letter.record.event_type}\t"
                        f"{letter.record.event_id}\t{letter.record.partition_key}\t{letter.error}"
                    )
            elif args.command == "replay":
                print(f"replayed={spool.replay_dead()}")
            else:
                print(f"purged={spool.purge_dead()}")
    except EventwireError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
