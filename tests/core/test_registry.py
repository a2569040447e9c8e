from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventwire import (
    Event,
    EventDefinitionError,
    EventRegistry,
    MalformedRecordError,
    RegistryError,
    UnknownEventTypeError,
    default_registry,
)
from eventwire.backends import encode

from .sample_events import OrderPlaced, PersonCreated


class TestRoundTrip:
    """Encoding to structured CloudEvents JSON and decoding gives an equal typed event."""

    def test_document_shape(self) -> None:
        """The document is structured-mode CloudEvents with the payload under data."""
        event = OrderPlaced(
            order_id="o1",
            amount_cents=250,
            subject="orders/o1",
            time=datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC),
            extensions={"tenantid": "acme"},
        )
        document = json.loads(encode(event, source="shop"))
        assert {
            "specversion": "1.0",
            "id": event.id,
            "source": "shop",
            "type": "com.example.order.placed.v2",
            "time": "2026-05-01T12:30:15.123456Z",
            "subject": "orders/o1",
            "datacontenttype": "application/json",
            "tenantid": "acme",
            "data": {"order_id": "o1", "amount_cents": 250, "tags": []},
        } == document

    def test_decode_gives_equal_event(self) -> None:
        """decode(encode(e)) == e once e has its source."""
        event = PersonCreated(person_id=1, name="Ann", source="svc")
        assert event == default_registry.decode(encode(event))

    @given(
        person_id=st.integers(min_value=-(2**63), max_value=2**63),
        name=st.text(),
        subject=st.none() | st.text(min_size=1),
        source=st.text(min_size=1),
        tenant=st.none() | st.text(),
        when=st.datetimes(timezones=st.just(UTC)),
    )
    def test_round_trip_property(
        self,
        person_id: int,
        name: str,
        subject: str | None,
        source: str,
        tenant: str | None,
        when: datetime,
    ) -> None:
        """Any values survive the round trip, including Unicode and extensions."""
        extensions = {} if tenant is None else {"tenantid": tenant}
        event = PersonCreated(
            person_id=person_id,
            name=name,
            subject=subject,
            source=source,
            time=when,
            extensions=extensions,
        )
        assert event == default_registry.decode(encode(event))


class TestDecodeErrors:
    """Bad input gets a specific eventwire error, never a bare KeyError or JSONDecodeError."""

    @pytest.mark.parametrize(
        ("data", "match"),
        [
            (b"{not json", "not CloudEvents JSON"),
            (b"\xff\xfe", "not CloudEvents JSON"),
            (b"[1, 2]", "not a CloudEvents object"),
            (b'{"id": "1"}', "lacks required CloudEvents attribute"),
            (
                b'{"id":"1","source":"s","type":"t","specversion":"0.3"}',
                "unsupported CloudEvents specversion",
            ),
            (b'{"id":"","source":"s","type":"t","specversion":"1.0"}', "non-empty string"),
            (
                b'{"id":"1","source":"s","type":"com.example.person.created.v1",'
                b'"specversion":"1.0","data":[1]}',
                "must be a JSON object",
            ),
            (
                b'{"id":"1","source":"s","type":"com.example.person.created.v1",'
                b'"specversion":"1.0","data_base64":"AA=="}',
                "data_base64",
            ),
        ],
    )
    def test_malformed(self, data: bytes, match: str) -> None:
        """Each kind of malformed record is named."""
        with pytest.raises(MalformedRecordError, match=match):
            default_registry.decode(data)

    def test_schema_mismatch(self) -> None:
        """Payload fields that do not fit the class are reported with their location."""
        data = (
            b'{"id":"1","source":"s","type":"com.example.person.created.v1",'
            b'"specversion":"1.0","data":{"person_id":"not a number","name":"a"}}'
        )
        with pytest.raises(MalformedRecordError, match=r"field .person_id.: Input should be"):
            default_registry.decode(data)

    def test_unknown_type(self) -> None:
        """An unregistered type names itself and what is registered."""
        data = b'{"id":"1","source":"s","type":"nope.v1","specversion":"1.0","data":{}}'
        with pytest.raises(UnknownEventTypeError, match=r"'nope\.v1'") as info:
            default_registry.decode(data)
        assert "com.example.person.created.v1" in info.value.known
        assert isinstance(info.value, LookupError)


class TestRegistry:
    """The registry maps versioned types to classes."""

    def test_every_subclass_joins_the_default_registry(self) -> None:
        """Defining a class registers it."""
        assert PersonCreated is default_registry.get("com.example.person.created.v1")

    def test_versions_are_distinct(self) -> None:
        """Two versions of one type decode to their own classes."""
        registry = EventRegistry()

        class V1(Event, event_type="thing", registry=registry):
            a: int

        class V2(Event, event_type="thing", version=2, registry=registry):
            a: int
            b: int

        assert ["thing.v1", "thing.v2"] == registry.types()
        decoded = registry.decode(encode(V2(a=1, b=2, source="s")))
        assert isinstance(decoded, V2)

    def test_conflicting_class_is_refused(self) -> None:
        """A different class claiming a taken type is an error that says what to do."""
        registry = EventRegistry()

        class First(Event, event_type="dup", registry=registry):
            a: int

        with pytest.raises(RegistryError, match="must declare another event_type"):

            class Second(Event, event_type="dup", registry=registry):
                a: int

    def test_redefinition_replaces(self) -> None:
        """The same class defined again (same module and name) replaces the earlier one."""
        registry = EventRegistry()

        def define() -> type[Event]:
            class Again(Event, registry=registry):
                a: int

            return Again

        define()
        latest = define()
        assert latest is registry.get("Again.v1")

    def test_register_explicitly_and_unregister(self) -> None:
        """Classes can be registered by hand (as a decorator) and removed."""
        registry = EventRegistry()
        assert PersonCreated is registry.register(PersonCreated)
        assert "com.example.person.created.v1" in registry
        registry.unregister(PersonCreated)
        assert [] == registry.types()

    def test_only_concrete_event_classes(self) -> None:
        """Registering anything else is an error."""
        registry = EventRegistry()
        with pytest.raises(EventDefinitionError, match="only Event subclasses"):
            registry.register(dict)  # type: ignore[type-var]

        class Abstract(Event, abstract=True):
            a: int

        with pytest.raises(EventDefinitionError, match="abstract"):
            registry.register(Abstract)
