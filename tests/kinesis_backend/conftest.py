"""Fixtures for the Kinesis backend tests: an emulator model, its boto3 client, fake time."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.config import Config

from eventwire_emulator.boto import client
from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_kinesis import KinesisBackend, RetryPolicy

STREAM = "orders"
SHARDS = 4


class FakeTime:
    """A monotonic clock and a sleeper that records naps and advances the clock instead."""

    def __init__(self) -> None:
        self.clock = ManualClock(start=0.0)
        self.naps: list[float] = []
        self.during_nap: list[Callable[[], None]] = []

    def now(self) -> float:
        return self.clock.now()

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.clock.advance(seconds)
        for action in self.during_nap:
            action()


@pytest.fixture
def kinesis() -> Kinesis:
    model = Kinesis()
    model.create_stream(STREAM, SHARDS)
    return model


@pytest.fixture
def boto(kinesis: Kinesis) -> Any:
    # botocore's own retries are off so each injected fault reaches the backend's policy.
    return client(kinesis, config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_backend(boto: Any, fake_time: FakeTime) -> Callable[..., KinesisBackend]:
    def make(stream: str = STREAM, **retry: Any) -> KinesisBackend:
        return KinesisBackend(
            stream,
            client=boto,
            retry=RetryPolicy(**{"max_attempts": 4, "deadline": 60.0, **retry}),
            sleep=fake_time.sleep,
            clock=fake_time.now,
            rng=random.Random(7),
        )

    return make


@pytest.fixture
def backend(make_backend: Callable[..., KinesisBackend]) -> Iterator[KinesisBackend]:
    with make_backend() as made:
        yield made


@pytest.fixture
def sent(boto: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every (operation, parameters) the client sends, seen through botocore's public events."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, dict(params)))

    boto.meta.events.register("provide-client-params.kinesis", capture)
    return calls
