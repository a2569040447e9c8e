"""The emulator's HTTP server: the Kinesis JSON API and the data viewer (HTTP only).

Requests are parsed here and handed to `eventwire_emulator.wire`; nothing below
imports this package.
"""

from __future__ import annotations

from eventwire_emulator.server.app import EmulatorApp
from eventwire_emulator.server.limits import DEFAULT_MAX_BODY, Limits
from eventwire_emulator.server.messages import Request, Response
from eventwire_emulator.server.runner import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    EmulatorServer,
    HttpServer,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY",
    "DEFAULT_PORT",
    "EmulatorApp",
    "EmulatorServer",
    "HttpServer",
    "Limits",
    "Request",
    "Response",
]
