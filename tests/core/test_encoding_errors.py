"""Events JSON cannot carry fail before they leave the process, naming the field.

RFC 8259 (JSON) has no NaN or infinity ("Numeric values that cannot be
represented ... such as Infinity and NaN are not permitted"), and its text is
Unicode, which a lone surrogate is not (UTF-8 cannot encode one). Kinesis
partition keys are Unicode strings, so the same holds for them.
"""

from __future__ import annotations

from typing import Any

import pluggy
import pytest
from pydantic import BaseModel

from eventwire import (
    Event,
    InvalidEventError,
    InvalidPartitionKeyError,
    Producer,
    Publisher,
    PublishFailure,
    PublishReceipt,
)
from eventwire.backends import encode, record_for
from eventwire.testing import RecordingBackend


class Reading(Event, event_type="test.encoding.reading", registry=None):
    value: float
    extra: Any = None


class Point(BaseModel):
    x: float


class Located(Event, event_type="test.encoding.located", registry=None):
    point: Point


class Keyed(Event, event_type="test.encoding.keyed", partition_key="key", registry=None):
    key: str


def deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


class TestRefusedBeforeSending:
    """Each value JSON lacks is an InvalidEventError naming the field."""

    @pytest.mark.parametrize(
        ("event", "field"),
        [
            (Reading(value=float("nan")), "'value'"),
            (Reading(value=float("inf")), "'value'"),
            (Reading(value=float("-inf")), "'value'"),
            (Reading(value=1.0, extra={"a": [1.0, float("nan")]}), "'extra.a[1]'"),
            (Located(point=Point(x=float("nan"))), "'point.x'"),
            (Reading(value=1.0, extra="a\ud800b"), "'extra'"),
            (Reading(value=1.0, extra={"k\udfff": 1}), "'extra.<key>'"),
        ],
    )
    def test_field_is_named(self, event: Event, field: str) -> None:
        """The message names the event type and the field path."""
        with pytest.raises(InvalidEventError) as info:
            encode(event, source="s")
        assert type(event).type in str(info.value)
        assert f"field {field}" in str(info.value)

    def test_nesting_deeper_than_the_encoder_allows(self) -> None:
        """A structure nested thousands deep is refused with a short message."""
        with pytest.raises(InvalidEventError, match="nested more than") as info:
            encode(Reading(value=1.0, extra=deep(3000)), source="s")
        assert len(str(info.value)) < 300

    def test_lone_surrogate_in_the_partition_key(self) -> None:
        """A key UTF-8 cannot encode is an InvalidPartitionKeyError, before encoding."""
        with pytest.raises(InvalidPartitionKeyError, match="lone surrogate"):
            record_for(Keyed(key="a\ud800"), source="s")

    def test_lone_surrogate_in_the_source(self) -> None:
        """A source UTF-8 cannot encode is refused too."""
        with pytest.raises(InvalidEventError, match="source"):
            encode(Reading(value=1.0), source="s\ud800")

    def test_nan_inside_a_string_is_fine(self) -> None:
        """Text that merely reads 'NaN' or 'Infinity' is ordinary data."""
        data = encode(Reading(value=1.5, extra="NaN and Infinity"), source="s")
        assert b'"NaN and Infinity"' in data

    def test_finite_nested_model_is_fine(self) -> None:
        """An event nesting a plain pydantic model encodes when its floats are finite."""
        assert b'"point":{"x":2.5}' in encode(Located(point=Point(x=2.5)), source="s")


class TestOneResultPerEvent:
    """A bad event in a batch fails alone; the good ones around it are published."""

    def test_publish_many(self, plugin_manager: pluggy.PluginManager) -> None:
        """publish_many([good, bad, good]) gives receipt, failure, receipt."""
        recorder = RecordingBackend(stream="s")
        events = [Reading(value=1.0), Reading(value=float("nan")), Reading(value=2.0)]
        with Publisher(recorder, plugin_manager=plugin_manager) as publisher:
            results = publisher.publish_many(events)
        assert [True, False, True] == [result.ok for result in results]
        failure = results[1]
        assert isinstance(failure, PublishFailure)
        assert isinstance(failure.error, InvalidEventError)
        assert 0 == failure.attempts
        assert 2 == len(recorder.records)

    def test_publish_raises_an_eventwire_error(self, plugin_manager: pluggy.PluginManager) -> None:
        """publish() of an unencodable event raises InvalidEventError, not pydantic's error."""
        with (
            Publisher(RecordingBackend(stream="s"), plugin_manager=plugin_manager) as publisher,
            pytest.raises(InvalidEventError),
        ):
            publisher.publish(Reading(value=1.0, extra="\ud800"))

    def test_producer(self, plugin_manager: pluggy.PluginManager) -> None:
        """The producer resolves the bad event's future to a failure, the others to receipts."""
        recorder = RecordingBackend(stream="s")
        events = [Reading(value=1.0), Reading(value=float("inf")), Reading(value=2.0)]
        with Producer(recorder, plugin_manager=plugin_manager) as producer:
            futures = [producer.publish(event) for event in events]
            results = [future.result(timeout=10) for future in futures]
        assert [PublishReceipt, PublishFailure, PublishReceipt] == [type(r) for r in results]
