"""Command line: ``eventwire-emulator serve`` runs the Kinesis HTTP API and the data viewer."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from eventwire_emulator.model import Kinesis, ModelError
from eventwire_emulator.server import DEFAULT_HOST, DEFAULT_PORT, EmulatorServer, Limits

#: The one setting that switches quotas for the server and the in-process backend.
QUOTAS_ENV = "EVENTWIRE_EMULATOR_QUOTAS"
_SWITCH = {"on": True, "off": False}


def _switch(value: str) -> bool:
    try:
        return _SWITCH[value.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"expected on or off, got {value!r}") from None


def _stream(value: str) -> tuple[str, int]:
    name, colon, shards = value.rpartition(":")
    if not colon or not name or not shards.isdigit() or int(shards) < 1:
        raise argparse.ArgumentTypeError(
            f"expected NAME:SHARDS with SHARDS a positive integer, got {value!r}"
        )
    return name, int(shards)


def _positive(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventwire-emulator", description="An in-memory AWS Kinesis Data Streams emulator."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve the Kinesis HTTP API (JSON 1.1) and the data viewer"
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port, 0 for any free one (default: %(default)s)",
    )
    serve.add_argument(
        "--quotas",
        type=_switch,
        default=None,
        metavar="on|off",
        help=f"enforce the per-shard quotas (default: ${QUOTAS_ENV}, else on)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help=(
            "also answer requests whose Host is NAME (loopback names and the bound "
            "address always are); '*' allows any; repeat for more"
        ),
    )
    serve.add_argument(
        "--max-connections",
        type=_positive,
        default=Limits().max_connections,
        metavar="N",
        help="connections served at once; more get 503 (default: %(default)s)",
    )
    serve.add_argument(
        "--stream",
        type=_stream,
        action="append",
        default=[],
        metavar="NAME:SHARDS",
        help="create a stream at start; repeat for more",
    )
    return parser


def _default_quotas(parser: argparse.ArgumentParser) -> bool:
    value = os.environ.get(QUOTAS_ENV)
    if value is None or not value.strip():
        return True
    try:
        return _switch(value)
    except argparse.ArgumentTypeError as exc:
        parser.error(f"{QUOTAS_ENV}: {exc}")


def serve(server: EmulatorServer) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        print(
            f"eventwire-emulator: Kinesis API on {server.url} "
            f"(quotas {'on' if server.kinesis.quotas else 'off'}); "
            f"data viewer on {server.url}/viewer",
            flush=True,
        )
        while not stop.wait(1.0):
            pass
    finally:
        server.stop(timeout=2.0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("eventwire-emulator: stopped", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    quotas = args.quotas if args.quotas is not None else _default_quotas(parser)
    kinesis = Kinesis(quotas=quotas)
    for name, shards in args.stream:
        try:
            kinesis.create_stream(name, shards)
        except ModelError as exc:
            parser.error(f"--stream {name}:{shards}: {exc.message}")
    try:
        server = EmulatorServer(
            kinesis,
            host=args.host,
            port=args.port,
            limits=Limits(max_connections=args.max_connections),
            allow_hosts=args.allow_host,
        )
    except OSError as exc:
        print(
            f"eventwire-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    serve(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
