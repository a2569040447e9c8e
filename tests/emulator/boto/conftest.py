"""Fixtures for boto adapter tests: a model on a manual clock and a boto3 client over it."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config

from eventwire_emulator import boto
from eventwire_emulator.model import Kinesis, ManualClock

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to connect anywhere."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a socket connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def kinesis(clock: ManualClock) -> Kinesis:
    return Kinesis(clock=clock)


@pytest.fixture
def client(kinesis: Kinesis) -> KinesisClient:
    # No retries: an injected fault must surface on the call that hit it.
    return boto.client(kinesis, config=Config(retries={"total_max_attempts": 1}))
