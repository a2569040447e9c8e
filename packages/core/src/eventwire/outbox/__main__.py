"""``python -m eventwire.outbox``: print the DDL, create the tables, relay, revive dead letters."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from eventwire.errors import ConfigurationError, EventwireError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

    from sqlalchemy import Engine

RELAY_LINGER = 0.01
"""The relay waits for each batch's receipts, so a long linger only adds latency."""


def main(argv: Sequence[str] | None = None, prog: str = "python -m eventwire.outbox") -> int:
    """Run one command; the exit status (2 with a one-line message on a usage or setup error)."""
    args = _parser(prog).parse_args(argv)
    try:
        return int(args.command(args))
    except EventwireError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ddl = commands.add_parser("ddl", help="print the CREATE statements (a migration snippet)")
    ddl.add_argument("--dialect", default="postgresql", choices=["postgresql", "sqlite"])
    ddl.add_argument("--table", default=None, help="outbox table name")
    ddl.set_defaults(command=_ddl)

    create = commands.add_parser("create", help="create the outbox tables if missing")
    _database(create)
    create.set_defaults(command=_create)

    relay = commands.add_parser("relay", help="publish committed rows until SIGTERM/SIGINT")
    _database(relay)
    relay.add_argument("--backend", help="backend name (default: EVENTWIRE_BACKEND)")
    relay.add_argument("--stream", help="stream (default: EVENTWIRE_STREAM)")
    relay.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE",
        help="a backend option, e.g. endpoint_url=http://127.0.0.1:4566 (repeatable)",
    )  # fmt: skip
    relay.add_argument("--batch-size", type=int, default=500)
    relay.add_argument("--buckets-per-claim", type=int, default=8)
    relay.add_argument("--drain", action="store_true", help="stop once no ready row is left")
    relay.set_defaults(command=_relay)

    revive = commands.add_parser("revive", help="send every dead-letter row again")
    _database(revive)
    revive.set_defaults(command=_revive)
    return parser


def _database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="SQLAlchemy database URL")
    parser.add_argument("--table", default=None, help="outbox table name")


def _engine(url: str) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return create_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(f"cannot use database URL {url!r}: {exc}") from exc


def _ddl(args: argparse.Namespace) -> int:
    from eventwire.outbox import DEFAULT_TABLE, outbox_tables

    print(outbox_tables(args.table or DEFAULT_TABLE).ddl(args.dialect), end="")
    return 0


def _create(args: argparse.Namespace) -> int:
    from eventwire.outbox import DEFAULT_TABLE, Outbox

    Outbox(table=args.table or DEFAULT_TABLE).create(_engine(args.url))
    return 0


def _relay(args: argparse.Namespace) -> int:
    from eventwire.outbox import DEFAULT_TABLE, Outbox, OutboxRelay
    from eventwire.producer import Producer, ProducerSettings

    options: dict[str, Any] = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"--option {item!r} must look like KEY=VALUE")
        options[key] = value
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = _engine(args.url)
    outbox = Outbox(table=args.table or DEFAULT_TABLE)
    settings = ProducerSettings(linger=RELAY_LINGER)
    with Producer(args.backend, stream=args.stream, settings=settings, **options) as producer:
        relay = OutboxRelay(
            engine, producer, outbox=outbox, batch_size=args.batch_size,
            buckets_per_claim=args.buckets_per_claim,
        )  # fmt: skip

        def stop(signum: int, frame: FrameType | None) -> None:
            relay.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            if args.drain:
                relay.drain()
            else:
                relay.run()
        finally:
            relay.close()
    stats = relay.stats
    print(
        f"delivered={stats.delivered} dead={stats.dead} redelivered={stats.redelivered}",
        flush=True,
    )
    engine.dispose()
    return 0


def _revive(args: argparse.Namespace) -> int:
    from eventwire.outbox import DEFAULT_TABLE, Outbox, revive_dead

    revived = revive_dead(_engine(args.url), Outbox(table=args.table or DEFAULT_TABLE))
    print(f"revived={revived}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
