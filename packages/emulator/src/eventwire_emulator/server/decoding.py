"""Render record data for people: CloudEvents and JSON pretty-printed, text as is, else hex."""

from __future__ import annotations

import json
from typing import Any

#: Longest rendering sent to the viewer; longer data is cut with a note.
MAX_TEXT = 64 * 1024
#: Bytes shown in a hex dump.
MAX_HEX_BYTES = 4096
_CLOUDEVENT_KEYS = frozenset({"specversion", "type", "source", "id"})
_TEXT_CONTROLS = frozenset("\t\n\r")


def _cut(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT] + f"\n… ({len(text) - MAX_TEXT} more characters)"


def _is_text(text: str) -> bool:
    return all(ch.isprintable() or ch in _TEXT_CONTROLS for ch in text)


def hex_dump(data: bytes) -> str:
    """Return offset, hex and ASCII columns, 16 bytes a line, up to `MAX_HEX_BYTES`."""
    lines = []
    for offset in range(0, min(len(data), MAX_HEX_BYTES), 16):
        row = data[offset : offset + 16]
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        lines.append(f"{offset:08x}  {row.hex(' '):<47}  {ascii_}")
    if len(data) > MAX_HEX_BYTES:
        lines.append(f"… ({len(data) - MAX_HEX_BYTES} more bytes)")
    return "\n".join(lines)


def _cloudevent_summary(document: dict[str, Any]) -> str:
    return " · ".join(
        str(document[key]) for key in ("type", "source", "id", "time") if key in document
    )


def describe(data: bytes) -> dict[str, str]:
    """Classify and render one record's data.

    Returns:
        ``kind`` (``cloudevent``, ``json``, ``text``, ``binary`` or ``empty``), a
        one-line ``summary`` and the full rendering as ``text``. All values are plain
        strings; the page inserts them as text, never as markup.
    """
    if not data:
        return {"kind": "empty", "summary": "(no data)", "text": ""}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"kind": "binary", "summary": f"{len(data)} bytes", "text": hex_dump(data)}
    try:
        document = json.loads(text)
    except ValueError:
        if _is_text(text):
            first = text.strip().splitlines()[0] if text.strip() else ""
            return {"kind": "text", "summary": first[:200], "text": _cut(text)}
        return {"kind": "binary", "summary": f"{len(data)} bytes", "text": hex_dump(data)}
    pretty = _cut(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False))
    if isinstance(document, dict) and _CLOUDEVENT_KEYS <= document.keys():
        return {"kind": "cloudevent", "summary": _cloudevent_summary(document), "text": pretty}
    summary = pretty.replace("\n", " ")[:200]
    return {"kind": "json", "summary": summary, "text": pretty}
