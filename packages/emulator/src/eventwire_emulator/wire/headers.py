"""Header lookup that does not care how a transport spelled the header's name."""

from __future__ import annotations

from collections.abc import Mapping


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Return the value of header `name` in any casing, or None."""
    value = headers.get(name) or headers.get(name.lower())
    if value is not None:
        return value
    lowered = name.lower()
    for key, item in headers.items():
        if key.lower() == lowered:
            return item
    return None
