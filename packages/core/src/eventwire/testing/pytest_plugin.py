"""pytest fixtures for code that publishes eventwire events (loaded through ``pytest11``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from eventwire.async_publisher import AsyncPublisher
from eventwire.plugins import make_plugin_manager
from eventwire.publisher import Publisher
from eventwire.testing.capture import CapturedEvents, capture_events
from eventwire.testing.recording import RecordingBackend

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def eventwire_recorder() -> RecordingBackend:
    """An empty in-memory recording backend."""
    return RecordingBackend()


@pytest.fixture
def eventwire_publisher(eventwire_recorder: RecordingBackend) -> Iterator[Publisher]:
    """A publisher (source ``"test"``) writing to ``eventwire_recorder``, with its own plugins."""
    with Publisher(
        eventwire_recorder, source="test", plugin_manager=make_plugin_manager()
    ) as publisher:
        yield publisher


@pytest.fixture
def eventwire_capture(eventwire_publisher: Publisher) -> Iterator[CapturedEvents]:
    """What ``eventwire_publisher`` delivers, with ``assert_published`` and friends."""
    with capture_events(eventwire_publisher) as captured:
        yield captured


@pytest.fixture
def eventwire_async_publisher(eventwire_recorder: RecordingBackend) -> Iterator[AsyncPublisher]:
    """An ``AsyncPublisher`` (source ``"test"``) keeping records in ``eventwire_recorder``.

    A plain fixture that needs no event loop to build, so it works alike under
    pytest-asyncio (``@pytest.mark.asyncio``) and anyio (``@pytest.mark.anyio``);
    the recorder's async twin runs inline on whichever loop the test uses.
    """
    publisher = AsyncPublisher(
        eventwire_recorder, source="test", plugin_manager=make_plugin_manager()
    )
    yield publisher
    asyncio.run(publisher.aclose())
