"""Publisher settings from arguments or ``EVENTWIRE_*`` environment variables, validated."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventwire.errors import ConfigurationError
from eventwire.limits import DEFAULT_MAX_RECORD_SIZE, MAX_RECORD_SIZE_LIMIT

if TYPE_CHECKING:
    from collections.abc import Mapping

BACKEND_ENV = "EVENTWIRE_BACKEND"
STREAM_ENV = "EVENTWIRE_STREAM"
SOURCE_ENV = "EVENTWIRE_SOURCE"
MAX_RECORD_SIZE_ENV = "EVENTWIRE_MAX_RECORD_SIZE"

DEFAULT_SOURCE = "eventwire"
"""The CloudEvents ``source`` when neither the caller nor the environment names one."""


@dataclass(frozen=True, slots=True)
class PublisherSettings:
    """What a Publisher needs to know besides its backend and plugins."""

    backend: str | None
    stream: str | None
    source: str
    max_record_size: int

    @classmethod
    def resolve(
        cls,
        *,
        backend: str | None = None,
        stream: str | None = None,
        source: str | None = None,
        max_record_size: int | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> PublisherSettings:
        """Arguments win; unset ones come from the environment; everything is checked.

        Raises:
            ConfigurationError: a value is empty or out of range; the message names
                the argument or variable it came from.
        """
        env = os.environ if environ is None else environ
        backend = _text("backend", BACKEND_ENV, backend, env)
        stream = _text("stream", STREAM_ENV, stream, env)
        source = _text("source", SOURCE_ENV, source, env) or DEFAULT_SOURCE
        size = max_record_size
        if size is None and env.get(MAX_RECORD_SIZE_ENV):
            raw = env[MAX_RECORD_SIZE_ENV]
            try:
                size = int(raw)
            except ValueError:
                raise ConfigurationError(
                    f"{MAX_RECORD_SIZE_ENV}={raw!r} is not a whole number of bytes"
                ) from None
        if size is None:
            size = DEFAULT_MAX_RECORD_SIZE
        if (
            isinstance(size, bool)
            or not isinstance(size, int)
            or not 1 <= size <= MAX_RECORD_SIZE_LIMIT
        ):
            raise ConfigurationError(
                f"max_record_size={size!r} must be a number of bytes between 1 and "
                f"{MAX_RECORD_SIZE_LIMIT} (10 MiB, the most Kinesis allows)"
            )
        return cls(backend=backend, stream=stream, source=source, max_record_size=size)


def _text(argument: str, variable: str, value: str | None, env: Mapping[str, str]) -> str | None:
    if value is not None:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"{argument}={value!r} must be a non-empty string")
        return value
    from_env = env.get(variable)
    if from_env is None or from_env == "":
        return None
    if not from_env.strip():
        raise ConfigurationError(f"{variable}={from_env!r} must not be blank")
    return from_env.strip()
