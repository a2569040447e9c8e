from __future__ import annotations

from collections.abc import Callable

import pytest

from eventwire import InvalidEventError, PublishContext, Publisher, hookimpl
from eventwire.backends import Record
from eventwire.testing import RecordingBackend

from .sample_events import PersonCreated


class Upper:
    """A serializer plugin: upper-cases every record's data."""

    def __init__(self, result: Callable[[Record], object] | None = None) -> None:
        self.result = result or (lambda record: record._replace(data=record.data.upper()))

    @hookimpl
    def eventwire_make_serializer(self) -> Callable[[Record], object]:
        return self.result


class TestRecordSerializer:
    """eventwire_make_serializer: one function, asked per batch, applied to every record."""

    def test_every_record_is_serialized_before_before_send(self) -> None:
        """Publish and publish_many send serialized records; before_send sees them."""
        seen: list[bytes] = []

        class Watch:
            @hookimpl
            def eventwire_before_send(self, context: PublishContext) -> None:
                assert context.record is not None
                seen.append(context.record.data)

        backend = RecordingBackend()
        publisher = Publisher(backend, plugins=[Upper(), Watch()], source="svc")
        publisher.publish(PersonCreated(person_id=1, name="ann"))
        publisher.publish_many([PersonCreated(person_id=2, name="bob")])
        assert all(b'"NAME":"ANN"' in d or b'"NAME":"BOB"' in d for d in seen)
        assert seen == [record.data for record in backend.records]

    def test_size_limit_applies_to_the_serialized_record(self) -> None:
        """A serializer that grows a record past the limit fails the event."""
        grow = Upper(lambda record: record._replace(data=record.data + b"x" * 1000))
        publisher = Publisher(RecordingBackend(), plugins=[grow], max_record_size=500)
        [failure] = publisher.publish_many([PersonCreated(person_id=1, name="a")])
        assert not failure.ok
        assert "over the maximum record size of 500 bytes" in failure.message

    def test_a_serializer_must_return_a_record(self) -> None:
        """Anything but a Record is an InvalidEventError naming it."""
        publisher = Publisher(RecordingBackend(), plugins=[Upper(lambda record: b"raw")])
        with pytest.raises(InvalidEventError, match="returned b'raw', not a Record"):
            publisher.publish(PersonCreated(person_id=1, name="a"))

    def test_no_serializer_leaves_records_alone(self) -> None:
        """Without the hook, records are the plain encoding."""
        backend = RecordingBackend()
        Publisher(backend, source="svc").publish(PersonCreated(person_id=1, name="ann"))
        assert b'"name":"ann"' in backend.records[0].data
