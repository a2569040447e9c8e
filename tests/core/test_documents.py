"""One-call document serializers write the same bytes as serializing envelope and payload apart.

The reference here is the event's own model serializer, asked for the
envelope (unset attributes left out, as CloudEvents 1.0 wants) and for the
payload separately, joined in the structured-mode order the encoder has
always written: specversion, type, context attributes, extensions, data.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import math
import uuid
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, PlainSerializer, computed_field, field_serializer

from eventwire import Event, InvalidEventError
from eventwire.backends import encode
from eventwire.documents import document_serializer
from eventwire.encodable import may_write_non_finite

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Colour(enum.Enum):
    RED = "red"


class Ratio(enum.Enum):
    HALF = 0.5


class Inner(BaseModel):
    label: str = "a"
    weight: float = 1.0


class Plain(Event, event_type="test.documents.plain", registry=None):
    name: str
    count: int | None = None
    tags: list[str] = Field(default_factory=list)
    colour: Colour = Colour.RED


class Rich(Event, event_type='test.documents.rich"\u00e9', registry=None):
    price: decimal.Decimal = decimal.Decimal("1.10")
    ref: uuid.UUID = uuid.UUID(int=7)
    day: datetime.date = datetime.date(2026, 1, 1)
    ratio: float = 0.25
    inner: Inner = Field(default_factory=Inner)
    anything: Any = None
    hidden: str = Field(default="x", exclude=True)


class Empty(Event, event_type="test.documents.empty", registry=None):
    pass


class MethodSerialized(Event, event_type="test.documents.method", registry=None):
    n: int

    @field_serializer("n")
    def _n(self, value: int) -> str:
        return f"n{value}"


class Computed(Event, event_type="test.documents.computed", registry=None):
    n: int = 1

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented use
    @property
    def double(self) -> int:
        return 2 * self.n


class Aliased(Event, event_type="test.documents.aliased", registry=None):
    n: int = Field(default=1, serialization_alias="N")


def reference(event: Event, source: str, extensions: dict[str, Any] | None = None) -> bytes:
    """The document built from two serializations of the event's own model, joined."""
    envelope_fields = {"id", "source", "time", "subject", "datacontenttype"}
    envelope = event.model_dump_json(include=envelope_fields, exclude_none=True)
    payload = event.model_dump_json(exclude={*envelope_fields, "extensions"})
    document = f'{{"specversion":"1.0","type":{_dumps(type(event).type)},{envelope[1:-1]}'
    if event.source is None:
        document += f',"source":{_dumps(source)}'
    merged = {**(extensions or {}), **event.extensions}
    if merged:
        document += "," + _dumps(merged)[1:-1]
    return f'{document},"data":{payload}}}'.encode()


EVENTS = [
    pytest.param(Plain(name="n", time=WHEN), id="plain"),
    pytest.param(Plain(name='é\n"\\\u2028\x7f', count=3, tags=["a"], time=WHEN), id="escapes"),
    pytest.param(Plain(name="n", subject="s\u00fc", source="own", time=WHEN), id="subject-source"),
    pytest.param(Plain(name="n", id=',"source":null', time=WHEN), id="tricky-id"),
    pytest.param(Plain(name="n", extensions={"b": 1, "a": "x", "c": True}), id="own-extensions"),
    pytest.param(Rich(anything={"k": [1, 2.5, None]}, time=WHEN), id="rich"),
    pytest.param(Empty(time=WHEN), id="empty"),
    pytest.param(MethodSerialized(n=2, time=WHEN), id="method-serializer"),
    pytest.param(Computed(time=WHEN), id="computed-field"),
    pytest.param(Aliased(time=WHEN), id="alias"),
]


class TestSameBytes:
    """Every event class, one-call or not, encodes to the reference document."""

    @pytest.mark.parametrize("event", EVENTS)
    def test_without_extensions(self, event: Event) -> None:
        assert reference(event, "src") == encode(event, source="src")

    @pytest.mark.parametrize("event", EVENTS)
    def test_with_hook_extensions(self, event: Event) -> None:
        extensions = {"a": "hook", "z": "v"}
        assert reference(event, "src", extensions) == encode(
            event, source="src", extensions=extensions
        )

    def test_time_is_written_in_utc(self) -> None:
        event = Plain(name="n", time=datetime.datetime(2026, 1, 1, 5, tzinfo=_zone(5)))
        assert b'"time":"2026-01-01T00:00:00Z"' in encode(event, source="s")


def _zone(hours: int) -> datetime.timezone:
    return datetime.timezone(datetime.timedelta(hours=hours))


class TestWhoGetsOneCall:
    """Classes whose serialization needs the model object, or renames a field, use two passes."""

    @pytest.mark.parametrize("event_class", [Plain, Rich, Empty])
    def test_plain_classes(self, event_class: type[Event]) -> None:
        assert document_serializer(event_class) is not None

    @pytest.mark.parametrize("event_class", [MethodSerialized, Computed, Aliased])
    def test_other_classes(self, event_class: type[Event]) -> None:
        assert document_serializer(event_class) is None


class TestNonFiniteScan:
    """Only classes that cannot write a float skip the byte scan for NaN and infinity."""

    @pytest.mark.parametrize("event_class", [Plain, Empty])
    def test_float_free(self, event_class: type[Event]) -> None:
        assert may_write_non_finite(event_class) is False

    def test_float_fields_any_and_serializer_functions_count(self) -> None:
        class Floaty(Event, registry=None):
            value: float

        class Anything(Event, registry=None):
            value: Any

        class Converted(Event, registry=None):
            value: Annotated[int, PlainSerializer(float)]

        class LiteralFloat(Event, registry=None):
            value: Literal[0.5]

        class EnumFloat(Event, registry=None):
            value: Ratio

        for event_class in (Floaty, Anything, Converted, LiteralFloat, EnumFloat, Rich):
            assert may_write_non_finite(event_class) is True, event_class

    @pytest.mark.parametrize(
        "event",
        [
            Rich(ratio=math.inf),
            Rich(anything=[math.nan]),
            Rich(inner=Inner(weight=-math.inf)),
        ],
    )
    def test_non_finite_values_still_refused(self, event: Event) -> None:
        with pytest.raises(InvalidEventError, match="not a JSON number"):
            encode(event, source="s")
