"""Emulator settings shared by the in-process backend and the server."""

from __future__ import annotations

import os

from eventwire import ConfigurationError

QUOTAS_ENV = "EVENTWIRE_EMULATOR_QUOTAS"
"""``on`` or ``off``: the one setting that switches shard quotas for the backend and server."""

DEFAULT_STREAM = "eventwire"
"""The stream the zero-configuration backend writes to (created on first use)."""

DEFAULT_SHARD_COUNT = 4
"""Shards of a stream the backend creates on first use: enough to show routing."""

_ON = {"on", "true", "1", "yes"}
_OFF = {"off", "false", "0", "no"}


def quotas_setting(default: bool) -> bool:
    """Whether quotas are on: ``EVENTWIRE_EMULATOR_QUOTAS`` if set, else ``default``.

    Raises:
        ConfigurationError: the variable holds something other than on/off.
    """
    raw = os.environ.get(QUOTAS_ENV, "").strip().lower()
    if not raw:
        return default
    if raw in _ON:
        return True
    if raw in _OFF:
        return False
    raise ConfigurationError(f"{QUOTAS_ENV}={raw!r} must be 'on' or 'off'")
