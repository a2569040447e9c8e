from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pydantic
import pytest

from eventwire import Event, EventDefinitionError, EventRegistry

from .sample_events import OrderPlaced, PersonCreated


class TestEnvelope:
    """Every event carries a CloudEvents 1.0 envelope around its payload."""

    def test_defaults(self) -> None:
        """A new event gets a UUID id, a UTC time and JSON content type; source is left open."""
        before = datetime.now(UTC)
        event = PersonCreated(person_id=1, name="Ann")
        assert 4 == uuid.UUID(event.id).version
        assert before <= event.time <= datetime.now(UTC)
        assert event.source is None
        assert "application/json" == event.datacontenttype
        assert "1.0" == event.specversion
        assert event.subject is None
        assert {} == event.extensions

    def test_ids_are_unique(self) -> None:
        """Each event gets its own id."""
        assert 1000 == len({PersonCreated(person_id=1, name="a").id for _ in range(1000)})

    def test_time_is_converted_to_utc(self) -> None:
        """A time in another zone is stored as the same instant in UTC."""
        local = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
        event = PersonCreated(person_id=1, name="a", time=local)
        assert datetime(2026, 1, 1, 10, 0, tzinfo=UTC) == event.time
        assert timedelta(0) == event.time.utcoffset()

    def test_naive_time_is_rejected(self) -> None:
        """A time without a zone is ambiguous and refused."""
        with pytest.raises(pydantic.ValidationError, match="timezone"):
            PersonCreated(person_id=1, name="a", time=datetime(2026, 1, 1))

    def test_frozen(self) -> None:
        """Events are immutable."""
        event = PersonCreated(person_id=1, name="a")
        with pytest.raises(pydantic.ValidationError, match="frozen"):
            event.name = "b"  # type: ignore[misc]

    def test_unknown_fields_rejected(self) -> None:
        """A field the class does not declare is an error, not silently dropped."""
        with pytest.raises(pydantic.ValidationError, match="extra"):
            PersonCreated(person_id=1, name="a", nickname="x")  # type: ignore[call-arg]

    def test_type_cannot_be_passed(self) -> None:
        """The type comes from the class; an instance cannot claim another."""
        with pytest.raises(pydantic.ValidationError):
            PersonCreated(person_id=1, name="a", type="other")  # type: ignore[call-arg]

    def test_payload_is_the_subclass_fields(self) -> None:
        """payload() holds the domain fields only."""
        event = OrderPlaced(order_id="o1", amount_cents=5, subject="orders/o1")
        assert {"order_id": "o1", "amount_cents": 5, "tags": []} == event.payload()

    def test_extensions(self) -> None:
        """with_extensions returns a copy with extra CloudEvents attributes."""
        event = PersonCreated(person_id=1, name="a")
        stamped = event.with_extensions(tenantid="acme", traceparent="00-abc")
        assert {"tenantid": "acme", "traceparent": "00-abc"} == stamped.extensions
        assert {} == event.extensions
        assert event.id == stamped.id

    @pytest.mark.parametrize("name", ["Tenant", "tenant-id", "x" * 21, "type", "data", ""])
    def test_bad_extension_names(self, name: str) -> None:
        """Extension names follow the CloudEvents naming rule and cannot shadow attributes."""
        with pytest.raises(pydantic.ValidationError, match="extension attribute name"):
            PersonCreated(person_id=1, name="a", extensions={name: "x"})


class TestDeclaration:
    """Class keywords name, version and route an event type."""

    def test_declared_type_carries_version(self) -> None:
        """The declared type gets the schema version as a suffix."""
        assert "com.example.order.placed.v2" == OrderPlaced.type
        assert "com.example.order.placed" == OrderPlaced.base_type
        assert 2 == OrderPlaced.version

    def test_type_derived_from_class_name(self) -> None:
        """Without event_type the class name is used, version 1."""

        class InvoicePaid(Event, registry=None):
            invoice: str

        assert "InvoicePaid.v1" == InvoicePaid.type

    def test_subclass_inherits_keys_and_ordering_not_type(self) -> None:
        """A subclass keeps its parent's key strategy and ordering but gets its own type."""

        class Base(Event, partition_key="k", ordered=True, abstract=True):
            k: str

        class Child(Base, registry=None):
            extra: int = 0

        assert "k" == Child.partition_key_source
        assert Child.ordered
        assert "Child.v1" == Child.type
        assert not Child.abstract

    @pytest.mark.parametrize("field", ["id", "source", "time", "subject", "type", "version"])
    def test_reserved_field_names(self, field: str) -> None:
        """Payload fields cannot take envelope attribute names."""
        with pytest.raises(EventDefinitionError, match="reserved"):
            type("Bad", (Event,), {"__annotations__": {field: str}, "__module__": __name__})

    @pytest.mark.parametrize("version", [0, -1, True, "2", 1.5])
    def test_bad_version(self, version: object) -> None:
        """The version is a positive integer."""
        with pytest.raises(EventDefinitionError, match="version must be a positive integer"):

            class Bad(Event, version=version):  # type: ignore[arg-type]
                x: int

    def test_partition_key_must_name_a_field(self) -> None:
        """A partition key field that does not exist is caught when the class is defined."""
        with pytest.raises(EventDefinitionError, match="names no field"):

            class Bad(Event, partition_key="missing"):
                present: int

    def test_partition_key_must_be_field_or_callable(self) -> None:
        """Anything else is refused."""
        with pytest.raises(EventDefinitionError, match="field name or a callable"):

            class Bad(Event, partition_key=42):  # type: ignore[arg-type]
                x: int

    def test_registry_opt_out_and_custom_registry(self) -> None:
        """Classes join the registry they name, or none."""
        mine = EventRegistry()

        class Mine(Event, registry=mine):
            x: int

        class Loose(Event, registry=None):
            x: int

        assert ["Mine.v1"] == mine.types()
        from eventwire import default_registry

        assert "Loose.v1" not in default_registry
        assert "Mine.v1" not in default_registry

    def test_abstract_classes_are_not_registered(self) -> None:
        """An abstract base is not registered."""
        from eventwire import default_registry

        class SharedBase(Event, abstract=True, event_type="test.shared.base"):
            x: int

        assert "test.shared.base.v1" not in default_registry
