"""pytest fixtures for testing against the emulator (loaded through ``pytest11``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from eventwire import Event, EventRegistry, Publisher, default_registry
from eventwire.backends import make_plugin_manager
from eventwire_emulator.backend import EmulatorBackend
from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.reading import read_events

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

TEST_STREAM = "test-stream"
"""The stream the fixtures create (4 shards) and publish to."""

ReadStream = Callable[..., list[Event]]


@pytest.fixture
def kinesis_clock() -> ManualClock:
    """The emulator's clock: time only moves when the test advances it."""
    return ManualClock()


@pytest.fixture
def kinesis_emulator(kinesis_clock: ManualClock) -> Kinesis:
    """A fresh emulator on ``kinesis_clock`` with ``test-stream`` (4 shards); quotas off.

    Switch quotas on with ``kinesis_emulator.quotas = True``. Streams skip the
    CREATING, UPDATING and DELETING states; ask for them with, e.g.,
    ``kinesis_emulator.account.update_delay = 0.5`` (time passes as the test
    advances ``kinesis_clock``).
    """
    kinesis = Kinesis(clock=kinesis_clock)
    kinesis.create_stream(TEST_STREAM, 4)
    return kinesis


@pytest.fixture
def kinesis_client(kinesis_emulator: Kinesis) -> KinesisClient:
    """A real boto3 Kinesis client served in-process by ``kinesis_emulator``."""
    from eventwire_emulator.boto import client  # boto3 is slow to import: only when used

    return client(kinesis_emulator)


@pytest.fixture
def emulator_publisher(kinesis_emulator: Kinesis) -> Iterator[Publisher]:
    """A publisher (source ``"test"``) writing to ``test-stream`` on ``kinesis_emulator``."""
    backend = EmulatorBackend(kinesis_emulator, stream=TEST_STREAM)
    with Publisher(backend, source="test", plugin_manager=make_plugin_manager()) as publisher:
        yield publisher


@pytest.fixture
def read_stream(kinesis_emulator: Kinesis) -> ReadStream:
    """``read_stream(stream="test-stream", registry=default_registry)``: every event on it."""

    def read(stream: str = TEST_STREAM, registry: EventRegistry = default_registry) -> list[Event]:
        return read_events(kinesis_emulator, stream, registry)

    return read
