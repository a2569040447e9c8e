"""AsyncPublisher: Publisher's results, errors and hooks, awaited; native or thread-offloaded."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from eventwire import (
    AsyncPublisher,
    InvalidEventError,
    PublishContext,
    PublisherClosedError,
    PublishFailure,
    PublishReceipt,
    PublishRejectedError,
    ThrottledError,
    hookimpl,
)
from eventwire.backends import (
    AsyncBackend,
    Backend,
    InlineAsyncBackend,
    Record,
    ThreadedAsyncBackend,
    async_backend_for,
    make_plugin_manager,
)
from eventwire.testing import RecordingBackend
from tests.core.sample_events import PersonCreated

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class SyncOnly(Backend):
    """A backend with no async twin: AsyncPublisher must run it in threads."""

    name = "sync-only"
    stream = "people"

    def __init__(self) -> None:
        self.inner = RecordingBackend("people")
        self.threads: set[int] = set()

    def publish(self, record: Record) -> PublishReceipt:
        self.threads.add(threading.get_ident())
        return self.inner.publish(record)

    def publish_many(self, records: Sequence[Record]) -> list[PublishReceipt | PublishFailure]:
        self.threads.add(threading.get_ident())
        return self.inner.publish_many(records)


class Rejecting:
    @hookimpl
    def eventwire_before_publish(self, context: PublishContext) -> None:
        if getattr(context.event, "name", "") == "reject me":
            context.reject("not this one")


def _publisher(backend: Backend | AsyncBackend, *plugins: object) -> AsyncPublisher:
    manager = make_plugin_manager(plugins, load_entry_points=False)
    return AsyncPublisher(backend, source="test", plugin_manager=manager)


class TestBackendChoice:
    """Backends declare async support; sync-only ones run in threads."""

    def test_native_twin_is_used(self) -> None:
        """The recorder declares an inline twin; a sync-only backend gets the thread adapter."""
        assert isinstance(async_backend_for(RecordingBackend()), InlineAsyncBackend)
        assert isinstance(async_backend_for(SyncOnly()), ThreadedAsyncBackend)
        assert not async_backend_for(SyncOnly()).native

    async def test_sync_only_backend_runs_in_threads(self) -> None:
        """A sync-only backend's calls happen off the event loop's thread."""
        backend = SyncOnly()
        async with _publisher(backend) as publisher:
            await publisher.publish(PersonCreated(person_id=1, name="a"))
            await publisher.publish_many([PersonCreated(person_id=2, name="b")])
        assert backend.threads
        assert threading.get_ident() not in backend.threads
        assert [1, 2] == [e.person_id for e in backend.inner.events()]  # type: ignore[attr-defined]


class TestSameShapeAsPublisher:
    """Results, errors and hooks match Publisher's."""

    async def test_publish_and_publish_many(self) -> None:
        """Receipts in input order; invalid and rejected events come back as failures."""
        backend = RecordingBackend("people")
        async with _publisher(backend, Rejecting()) as publisher:
            receipt = await publisher.publish(PersonCreated(person_id=1, name="a"))
            results = await publisher.publish_many(
                [PersonCreated(person_id=2, name="b"), "junk",  # type: ignore[list-item]
                 PersonCreated(person_id=3, name="reject me"), PersonCreated(person_id=4, name="d")]
            )  # fmt: skip
        assert "people" == receipt.stream
        assert [True, False, False, True] == [result.ok for result in results]
        assert isinstance(results[1], PublishFailure)
        assert isinstance(results[1].error, InvalidEventError)
        assert isinstance(results[2], PublishFailure)
        assert isinstance(results[2].error, PublishRejectedError)
        assert [1, 2, 4] == [e.person_id for e in backend.events()]  # type: ignore[attr-defined]

    async def test_errors_raise_like_publisher(self) -> None:
        """Publish raises the backend's error and the rejection; closed publishers refuse."""
        backend = RecordingBackend("people")
        publisher = _publisher(backend, Rejecting())
        backend.fail_next(ThrottledError("slow down", code="ThrottlingException"))
        with pytest.raises(ThrottledError):
            await publisher.publish(PersonCreated(person_id=1, name="a"))
        with pytest.raises(PublishRejectedError):
            await publisher.publish(PersonCreated(person_id=1, name="reject me"))
        await publisher.aclose()
        await publisher.aclose()  # idempotent
        with pytest.raises(PublisherClosedError):
            await publisher.publish(PersonCreated(person_id=1, name="a"))

    async def test_source_and_limits_apply(self) -> None:
        """The source is stamped and the record size limit holds, as with Publisher."""
        backend = RecordingBackend("people")
        manager = make_plugin_manager(load_entry_points=False)
        async with AsyncPublisher(
            backend, source="svc", max_record_size=300, plugin_manager=manager
        ) as publisher:
            with pytest.raises(InvalidEventError, match="300"):
                await publisher.publish(PersonCreated(person_id=1, name="x" * 400))
            await publisher.publish(PersonCreated(person_id=1, name="x"))
        assert ["svc"] == [event.source for event in backend.events()]

    async def test_async_backend_instance(self) -> None:
        """An AsyncBackend passed in is used as it is."""
        backend = RecordingBackend("people")
        async with _publisher(InlineAsyncBackend(backend)) as publisher:
            await publisher.publish(PersonCreated(person_id=7, name="a"))
        assert [7] == [e.person_id for e in backend.events()]  # type: ignore[attr-defined]


class TestFixtures:
    """The async fixture works under anyio here (and pytest-asyncio in the next test)."""

    async def test_recorder_fixture_under_anyio(
        self, eventwire_async_publisher: AsyncPublisher, eventwire_recorder: RecordingBackend
    ) -> None:
        """eventwire_async_publisher keeps records in eventwire_recorder."""
        await eventwire_async_publisher.publish(PersonCreated(person_id=1, name="a"))
        assert 1 == len(eventwire_recorder.records)


@pytest.mark.asyncio
async def test_recorder_fixture_under_pytest_asyncio(
    eventwire_async_publisher: AsyncPublisher, eventwire_recorder: RecordingBackend
) -> None:
    """The same fixture under pytest-asyncio."""
    await eventwire_async_publisher.publish_many([PersonCreated(person_id=1, name="a")])
    assert 1 == len(eventwire_recorder.records)


class Twinned(Backend):
    """A backend whose native async twin counts its calls; the sync path must stay unused."""

    name = "twinned"
    stream = "people"

    def __init__(self) -> None:
        self.inner = RecordingBackend("people")
        self.sync_calls = 0
        self.twin_calls = 0

    def publish(self, record: Record) -> PublishReceipt:
        self.sync_calls += 1
        return self.inner.publish(record)

    def async_backend(self) -> AsyncBackend:
        outer = self

        class Twin(AsyncBackend):
            name, stream = outer.name, outer.stream

            async def publish(self, record: Record) -> PublishReceipt:
                outer.twin_calls += 1
                return outer.inner.publish(record)

        return Twin()


class TestAsyncProducerNative:
    """AsyncProducer sends through the native async twin, not threads."""

    async def test_producer_uses_the_twin(self) -> None:
        """Every record goes through the twin; the sync backend is never called."""
        from eventwire import AsyncProducer

        backend = Twinned()
        manager = make_plugin_manager(load_entry_points=False)
        async with AsyncProducer(backend, source="test", plugin_manager=manager) as producer:
            futures = [
                await producer.publish(PersonCreated(person_id=n, name="a")) for n in range(5)
            ]
            assert await producer.flush(5.0)
        assert all(future.result().ok for future in futures)
        assert (0, 5) == (backend.sync_calls, backend.twin_calls)

    async def test_publisher_uses_the_twin(self) -> None:
        """AsyncPublisher on a backend instance picks its twin too."""
        backend = Twinned()
        async with _publisher(backend) as publisher:
            await publisher.publish(PersonCreated(person_id=1, name="a"))
        assert (0, 1) == (backend.sync_calls, backend.twin_calls)
