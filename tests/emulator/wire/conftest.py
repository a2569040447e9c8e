"""Fixtures for wire tests: a model on a manual clock and the Wire serving it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import Wire

TARGET = "Kinesis_20131202."
JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.1"}


class Client:
    """Calls a Wire the way an HTTP server would, decoding JSON answers."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def raw(self, operation: str, body: Any) -> tuple[int, dict[str, Any]]:
        """Send a JSON-encodable body (or bytes as they are); return status and document."""
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = self.wire.handle(TARGET + operation, payload, JSON_HEADERS)
        assert isinstance(response.body, bytes)
        # Operations without an output shape answer an empty body.
        return response.status, json.loads(response.body) if response.body else {}

    def ok(self, operation: str, **members: Any) -> dict[str, Any]:
        """Call an operation that must succeed."""
        status, document = self.raw(operation, members)
        assert (200, None) == (status, document.get("__type")), document
        return document

    def error(self, operation: str, **members: Any) -> tuple[int, str, str]:
        """Call an operation that must fail; return status, error code and message."""
        status, document = self.raw(operation, members)
        assert status >= 400, document
        return status, document["__type"], document["message"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def kinesis(clock: ManualClock) -> Kinesis:
    return Kinesis(clock=clock)


@pytest.fixture
def wire(kinesis: Kinesis) -> Wire:
    return Wire(kinesis)


@pytest.fixture
def client(wire: Wire) -> Client:
    return Client(wire)
