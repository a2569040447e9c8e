"""How ``eventwire tail`` prints records: JSON lines, or a short human-readable block each.

Per-record output is written with plain ``write`` calls rather than Rich, which
costs a hundred times more per line and would hold ``tail`` far below the rate
the emulator serves records at.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import IO, TYPE_CHECKING

import click

if TYPE_CHECKING:
    from eventwire_kinesis.cli.decoding import Shown

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _time(shown: Shown) -> str:
    return shown.arrival.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _zulu(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.isoformat().replace("+00:00", "Z")


class JsonLines:
    """One JSON object a line: where the record is, then the CloudEvents document or the data."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, shown: Shown) -> None:
        """Print one record."""
        head = (
            f'{{"shard":"{shown.shard}","sequence":"{shown.sequence}",'
            + (f'"subsequence":{shown.subsequence},' if shown.subsequence is not None else "")
            + f'"key":{_dumps(shown.key)},"arrival":"{_time(shown)}",'
        )
        if shown.error is not None:
            head += f'"error":{_dumps(shown.error)},'
        if shown.document is not None or shown.event is not None:
            # The document is the record's own JSON, already checked: copy, do not re-encode.
            body = f'"event":{shown.data.decode()}}}\n'
        else:
            try:
                body = f'"data":{_dumps(shown.data.decode())}}}\n'
            except UnicodeDecodeError:
                body = f'"data_base64":"{base64.b64encode(shown.data).decode()}"}}\n'
        self._out.write(head + body)


class Pretty:
    """A header line (type, key, shard, sequence, time), the envelope, then the data."""

    def __init__(self, out: IO[str], *, color: bool) -> None:
        self._out = out
        self._color = color

    def _style(self, text: str, **style: object) -> str:
        return click.style(text, **style) if self._color else text  # type: ignore[arg-type]

    def write(self, shown: Shown) -> None:
        """Print one record."""
        sub = f"/{shown.subsequence}" if shown.subsequence is not None else ""
        where = f"key={shown.key}  {shown.shard}  seq={shown.sequence}{sub}  {_time(shown)}"
        event = shown.event
        if event is not None:
            label = self._style(
                f"{type(event).type} ({type(event).__name__})", fg="green", bold=True
            )
            envelope = f"id={event.id}  source={event.source}  time={_zulu(event.time)}"
            self._out.write(f"{label}  {where}\n  {envelope}\n  {_dumps(event.payload())}\n")
            return
        document = shown.document
        if document is None:
            try:
                text = shown.data.decode()
            except UnicodeDecodeError:
                text = "base64:" + base64.b64encode(shown.data).decode()
            self._out.write(f"{self._style('(raw)', fg='yellow')}  {where}\n  {text}\n")
            return
        label = self._style(document["type"], fg="cyan", bold=True)
        data = _dumps(document.get("data"))
        envelope = "  ".join(
            f"{name}={document[name]}" for name in ("id", "source", "time") if name in document
        )
        lines = [f"{label}  {where}", f"  {envelope}", f"  {data}"]
        if shown.error is not None:
            lines.append("  " + self._style(f"not decoded: {shown.error}", fg="red"))
        self._out.write("\n".join(lines) + "\n")
