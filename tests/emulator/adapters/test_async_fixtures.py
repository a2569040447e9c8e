"""The emulator's async publisher fixture: in-process, under pytest-asyncio and anyio."""

from __future__ import annotations

import pytest

from eventwire import AsyncPublisher, Event
from eventwire_emulator.pytest_plugin import ReadStream


class Noted(Event, event_type="com.example.noted", partition_key="key"):
    key: str


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_under_anyio(
    emulator_async_publisher: AsyncPublisher, read_stream: ReadStream
) -> None:
    """Published events land in the emulator stream, read back typed."""
    receipt = await emulator_async_publisher.publish(Noted(key="a"))
    results = await emulator_async_publisher.publish_many([Noted(key="b"), Noted(key="c")])
    assert receipt.shard_id.startswith("shardId-")
    assert all(result.ok for result in results)
    assert ["a", "b", "c"] == sorted(e.key for e in read_stream())  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_under_pytest_asyncio(
    emulator_async_publisher: AsyncPublisher, read_stream: ReadStream
) -> None:
    """The same fixture works under pytest-asyncio."""
    await emulator_async_publisher.publish(Noted(key="z"))
    assert ["z"] == [e.key for e in read_stream()]  # type: ignore[attr-defined]
