"""Command line: ``eventwire-emulator serve`` runs the Kinesis HTTP API and the data viewer."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from eventwire_emulator.model import AccessPolicies, Kinesis, ModelError, ResourceInUse
from eventwire_emulator.persistence import FSYNC_MODES, DataDir, DataDirError, SqliteJournal
from eventwire_emulator.server import DEFAULT_HOST, DEFAULT_PORT, EmulatorServer, Limits
from eventwire_emulator.wire.sigv4 import Verifier

#: The one setting that switches quotas for the server and the in-process backend.
QUOTAS_ENV = "EVENTWIRE_EMULATOR_QUOTAS"
_SWITCH = {"on": True, "off": False}
#: Seconds a stream spends CREATING, UPDATING or DELETING in the server, by default.
DEFAULT_STATE_DELAY = 0.5


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


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0.0 <= seconds <= 3600.0:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 3600, got {value!r}")
    return seconds


def _credentials(value: str) -> tuple[str, str, str | None]:
    key, _, rest = value.partition(":")
    secret, _, account = rest.partition(":")
    if not key or not secret or (account and not (len(account) == 12 and account.isdigit())):
        raise argparse.ArgumentTypeError(
            "expected KEY:SECRET or KEY:SECRET:ACCOUNT (twelve digits), got "
            f"{key or '?'}:... (secret not shown)"
        )
    return key, secret, account or None


def _policies(path: str) -> AccessPolicies:
    try:
        with open(path, encoding="utf-8") as file:
            return AccessPolicies.from_json(file.read())
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {exc.strerror}") from None
    except ModelError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {exc.message}") from None


SERVE_EXAMPLES = """\
examples:
  %(prog)s --stream orders:4                 # http://127.0.0.1:4567, viewer at /viewer
  %(prog)s --port 0 --quotas off             # any free port, no shard quotas

point a service or the AWS CLI at it (any credentials work without --auth):
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
    for state in ("create", "update", "delete"):
        serve.add_argument(
            f"--{state}-delay",
            type=_seconds,
            default=DEFAULT_STATE_DELAY,
            metavar="SECONDS",
            help=f"how long a stream stays {state.upper()[:-1]}ING before it is done "
            "(default: %(default)s, as kinesalite; 0 for speed)",
        )
    serve.add_argument(
        "--auth",
        choices=("none", "sigv4"),
        default="none",
        help="verify SigV4 signatures against --credentials (default: %(default)s)",
    )
    serve.add_argument(
        "--credentials",
        type=_credentials,
        action="append",
        default=[],
        metavar="KEY:SECRET[:ACCOUNT]",
        help="an access key, its secret and (optionally) its twelve-digit account; repeat",
    )
    serve.add_argument(
        "--policy",
        type=_policies,
        default=None,
        metavar="FILE",
        help='IAM-style identity policies: a JSON file {"ACCESS_KEY": policy document, ...}',
    )
    serve.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="keep streams and records in DIR across restarts (default: in memory only)",
    )
    serve.add_argument(
        "--fsync",
        choices=FSYNC_MODES,
        default="batch",
        help="batch: acknowledged writes survive the process being killed; always: "
        "fsync each write, surviving a power cut too (default: %(default)s)",
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
            f"(quotas {'on' if server.kinesis.quotas else 'off'}, "
            f"auth {'sigv4' if server.wire.verifier is not None else 'none'}); "
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
    if args.auth == "sigv4" and not args.credentials:
        parser.error("--auth sigv4 needs at least one --credentials KEY:SECRET")
    kinesis = Kinesis(quotas=quotas)
    kinesis.account.policies = args.policy
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
    server.wire.accounts = {key: account for key, _, account in args.credentials if account}
    if args.auth == "sigv4":
        server.wire.verifier = Verifier({key: secret for key, secret, _ in args.credentials})
    data_dir = None
    journal = None
    if args.data_dir is not None:
        try:
            data_dir = DataDir(args.data_dir)
        except DataDirError as exc:
            server.stop()
            print(f"eventwire-emulator: {exc}", file=sys.stderr)
            return 1
        journal = SqliteJournal(data_dir.database, fsync=args.fsync)
        kinesis.account.journal = journal
        journal.restore(server.wire.cloud.get)
    try:
        for name, shards in args.stream:
            try:
                kinesis.create_stream(name, shards)
            except ModelError as exc:
                if isinstance(exc, ResourceInUse) and journal is not None:
                    continue  # kept from an earlier run in the data directory
                server.stop()
                parser.error(f"--stream {name}:{shards}: {exc.message}")
        # Set after the --stream streams exist, so that those are ACTIVE from the start.
        kinesis.account.create_delay = args.create_delay
        kinesis.account.update_delay = args.update_delay
        kinesis.account.delete_delay = args.delete_delay
        serve(server)
    finally:
        if journal is not None:
            journal.close()
        if data_dir is not None:
            data_dir.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
