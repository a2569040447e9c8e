"""``eventwire publish STREAM``: JSON lines to a stream through a ``Producer``."""

from __future__ import annotations

import functools
import json
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from eventwire import Producer, ProducerSettings, PublishFailure
from eventwire.backends import Record
from eventwire.cli import ExitCode, import_modules
from eventwire_kinesis.backend import KinesisBackend
from eventwire_kinesis.cli.connection import Connection, stream_address, with_connection
from eventwire_kinesis.cli.lines import LineReader, describe
from eventwire_kinesis.cli.progress import PublishProgress, count_lines

if TYPE_CHECKING:
    from concurrent.futures import Future

    from eventwire import PublishResult

EXAMPLES = """\
Examples:

\b
  eventwire publish orders events.jsonl --endpoint-url http://127.0.0.1:4567
  cat orders.jsonl | eventwire publish orders --type com.example.order.placed.v1
  eventwire publish orders events.jsonl --import my_service.events --aggregate

Each line is a CloudEvents JSON document, or with --type a JSON object of the
event's data. A registered type (see --import) is validated into its event
class; other documents are sent as they are, routed by their 'partitionkey'
attribute or else their id.

Exit status 0 when every line was published, 1 when any failed (each is in
the failures file with its error), 3 for missing configuration, 4 when the
service refused or could not be reached.
"""


class _Tally:
    """Counts outcomes and writes failures; called from the producer's sender threads."""

    def __init__(self, failures_path: Path) -> None:
        self.sent = 0
        self.failed = 0
        self._path = failures_path
        self._file: IO[str] | None = None
        self._lock = threading.Lock()

    def fail(self, line_number: int, line: str, error: str, code: str | None = None) -> None:
        entry = {"line": line_number, "error": error, "code": code, "input": line.rstrip("\n")}
        with self._lock:
            self.failed += 1
            if self._file is None:
                self._file = self._path.open("w", encoding="utf-8")
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def settled(self, line_number: int, line: str, future: Future[PublishResult]) -> None:
        result = future.result()
        if isinstance(result, PublishFailure):
            self.fail(line_number, line, describe(result.error), result.code)
        else:
            with self._lock:
                self.sent += 1

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()


def _failures_default(source: str) -> Path:
    name = "stdin" if source == "-" else Path(source).name
    return Path(f"{name}.failures.jsonl")


@click.command(epilog=EXAMPLES)
@click.argument("stream")
@click.argument("source", default="-", metavar="[FILE]")
@click.option(
    "--type",
    "event_type",
    metavar="TYPE",
    help="Each line is the data of an event of this CloudEvents type.",
)
@click.option(
    "--event-source",
    default="eventwire-cli",
    show_default=True,
    help="The CloudEvents source of events built with --type.",
)
@click.option(
    "--import",
    "imports",
    multiple=True,
    metavar="MODULE",
    help="Import a module defining Event classes, to validate their events (repeatable).",
)
@click.option(
    "--failures",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where failed lines go, one JSON object each  [default: FILE.failures.jsonl].",
)
@click.option("--aggregate", is_flag=True, help="Pack records into KPL aggregated records.")
@click.option(
    "--no-pace",
    is_flag=True,
    help="Do not pace at each shard's write quota (1,000 records, 1 MiB a second); for "
    "servers without quotas, such as eventwire serve --quotas off.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@with_connection
def publish(
    connection: Connection,
    stream: str,
    source: str,
    event_type: str | None,
    event_source: str,
    imports: tuple[str, ...],
    failures: Path | None,
    aggregate: bool,
    no_pace: bool,
    quiet: bool,
) -> int:
    """Publish JSON lines from FILE (default: standard input) to STREAM."""
    import_modules(imports)
    address = stream_address(stream)
    reader = LineReader(event_type=event_type, source=event_source)
    failures_path = failures or _failures_default(source)
    if failures_path.exists():
        failures_path.unlink()
    tally = _Tally(failures_path)
    backend = KinesisBackend(address.arn or address.name, client=connection.client)
    producer = Producer(backend, settings=ProducerSettings(aggregate=aggregate, pace=not no_pace))
    started = time.monotonic()
    try:
        with (
            click.open_file(source, encoding="utf-8") as lines,
            PublishProgress(quiet=quiet, total=count_lines(source)) as progress,
        ):
            _feed(lines, reader, producer, tally, progress)
    finally:
        # close() resolves what it could not deliver as failures; the tally counts them.
        producer.close()
        tally.close()
    elapsed = max(time.monotonic() - started, 1e-9)
    summary = (
        f"published {tally.sent} record(s) to {address.name}, {tally.failed} failed "
        f"({tally.sent / elapsed:,.0f}/s)"
    )
    click.echo(f"eventwire publish: {summary}", err=True)
    if tally.failed:
        click.echo(f"eventwire publish: failed lines and their errors: {failures_path}", err=True)
        return ExitCode.FAILED
    return ExitCode.OK


def _feed(
    lines: IO[str], reader: LineReader, producer: Producer, tally: _Tally, progress: PublishProgress
) -> None:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = reader.read(line)
        except Exception as exc:
            tally.fail(number, line, describe(exc))
        else:
            future = (
                producer.publish_record(item)
                if isinstance(item, Record)
                else producer.publish(item)
            )
            future.add_done_callback(functools.partial(tally.settled, number, line))
        if number % 512 == 0:
            progress.update(tally)
    progress.update(tally)
