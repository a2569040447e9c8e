"""``eventwire tail STREAM``: print what is on a stream, every shard, decoded."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

from eventwire.cli import ExitCode, import_modules
from eventwire_kinesis.cli.connection import Connection, stream_address, with_connection
from eventwire_kinesis.cli.decoding import Decoder
from eventwire_kinesis.cli.output import JsonLines, Pretty
from eventwire_kinesis.cli.positions import Position
from eventwire_kinesis.cli.prefetch import prefetched
from eventwire_kinesis.cli.reader import MAX_RECORDS_PER_CALL, StreamReader

EXAMPLES = """\
Examples:

\b
  eventwire tail orders --endpoint-url http://127.0.0.1:4567
  eventwire tail orders --from latest --follow --import my_service.events
  eventwire tail orders --from 2026-12-01T09:00:00Z --type 'com.example.order.*' --json
  eventwire tail orders --key customer-42 --limit 10
  eventwire tail arn:aws:kinesis:eu-west-1:123456789012:stream/orders --from latest -f

Exit status 0 when done, 1 when a record of a registered type did not decode,
3 for missing configuration (region, credentials, an --import), 4 when the
service refused or could not be reached.
"""


@click.command(epilog=EXAMPLES)
@click.argument("stream")
@click.option(
    "--from",
    "start",
    default="trim-horizon",
    show_default=True,
    metavar="WHERE",
    help="trim-horizon, latest, an ISO 8601 time, or a sequence number.",
)
@click.option("-f", "--follow", is_flag=True, help="Keep waiting for new records (Ctrl-C stops).")
@click.option(
    "--import",
    "imports",
    multiple=True,
    metavar="MODULE",
    help="Import a module defining Event classes, to decode their records (repeatable).",
)
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="TYPE",
    help="Only events of this CloudEvents type; * and ? match (repeatable).",
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="KEY",
    help="Only records with this partition key; * and ? match (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option(
    "--limit", type=click.IntRange(min=1), metavar="N", help="Stop after N records shown."
)
@click.option(
    "--batch",
    type=click.IntRange(1, MAX_RECORDS_PER_CALL),
    default=MAX_RECORDS_PER_CALL,
    show_default=True,
    help="Records per GetRecords call.",
)
@with_connection
def tail(
    connection: Connection,
    stream: str,
    start: str,
    follow: bool,
    imports: tuple[str, ...],
    types: tuple[str, ...],
    keys: tuple[str, ...],
    as_json: bool,
    limit: int | None,
    batch: int,
) -> int:
    """Print the records on STREAM: every shard, in order per shard, following resharding.

    Aggregated (KPL) records are split into their user records; CloudEvents
    records of types registered by --import modules are decoded into their
    event classes and shown typed.
    """
    import_modules(imports)
    address = stream_address(stream)
    reader = StreamReader(
        connection,
        address,
        Position.parse(start),
        follow=follow,
        limit=batch,
        on_ready=_announce(address.name) if follow else None,
    )
    decoder = Decoder(types=types, keys=keys)
    out = sys.stdout
    writer = JsonLines(out) if as_json else Pretty(out, color=out.isatty())
    shown = 0
    try:
        for shard, records in prefetched(reader):
            for record in decoder.decode(shard, records):
                writer.write(record)
                shown += 1
                if limit is not None and shown >= limit:
                    out.flush()
                    return _status(decoder)
            out.flush()
    except BrokenPipeError:
        # The reader went away (``eventwire tail ... | head``): nothing more to do. Point
        # stdout at /dev/null so the interpreter's last flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return ExitCode.OK
    return _status(decoder)


def _announce(stream: str) -> Callable[[int], None]:
    def announce(shards: int) -> None:
        click.echo(
            f"eventwire tail: following {stream} on {shards} shard(s); Ctrl-C stops", err=True
        )

    return announce


def _status(decoder: Decoder) -> int:
    if decoder.failed:
        click.echo(
            f"eventwire tail: {decoder.failed} record(s) of registered types did not decode",
            err=True,
        )
        return ExitCode.FAILED
    return ExitCode.OK
