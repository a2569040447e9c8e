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
from eventwire_emulator.server import DEFAULT_HOST, DEFAULT_PORT, EmulatorServer

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


SERVE_EXAMPLES = """\
examples:
  %(prog)s --stream orders:4                 # http://127.0.0.1:4567, viewer at /viewer
  %(prog)s --port 0 --quotas off             # any free port, no shard quotas

point a service or the AWS CLI at it (any credentials work):
  export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:4567
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
"""


def _parser(prog: str = "eventwire-emulator") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="An in-memory AWS Kinesis Data Streams emulator."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the Kinesis HTTP API (JSON 1.1) and the data viewer",
        description="Serve the Kinesis HTTP API (JSON 1.1, HTTP/1.1 and h2c) and the data "
        "viewer on loopback until Ctrl-C or SIGTERM.",
        epilog=SERVE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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


def main(argv: Sequence[str] | None = None, prog: str = "eventwire-emulator") -> int:
    """Run the command line; returns the exit status.

    Args:
        argv: the arguments (default: the process's).
        prog: the program name help and errors show (``eventwire`` for ``eventwire serve``).
    """
    parser = _parser(prog)
    args = parser.parse_args(argv)
    quotas = args.quotas if args.quotas is not None else _default_quotas(parser)
    kinesis = Kinesis(quotas=quotas)
    for name, shards in args.stream:
        try:
            kinesis.create_stream(name, shards)
        except ModelError as exc:
            parser.error(f"--stream {name}:{shards}: {exc.message}")
    try:
        server = EmulatorServer(kinesis, host=args.host, port=args.port)
    except OSError as exc:
        print(
            f"eventwire-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    serve(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
