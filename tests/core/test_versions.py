from __future__ import annotations

import json
from typing import Any

import pytest

from eventwire import (
    Event,
    EventRegistry,
    EventValidationError,
    MalformedRecordError,
    NewerEventVersionError,
    NewerVersionPolicy,
    RegistryError,
    UnknownEventTypeError,
    UpcastError,
)
from eventwire.backends import encode
from eventwire.versions import split_type


def _document(event_type: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {"specversion": "1.0", "id": "e1", "source": "svc", "type": event_type, "data": data}
    ).encode()


@pytest.fixture
def registry() -> EventRegistry:
    """A registry holding three versions of one user-created event."""
    registry = EventRegistry()

    class UserV1(Event, event_type="com.example.user", version=1, registry=registry):
        name: str

    class UserV2(Event, event_type="com.example.user", version=2, registry=registry):
        first: str
        last: str

    class UserV3(Event, event_type="com.example.user", version=3, registry=registry):
        first: str
        last: str
        email: str | None = None

    return registry


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    first, _, last = data["name"].partition(" ")
    return {"first": first, "last": last}


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "email": None}


class TestCoexistingVersions:
    """Several versions of one type are registered side by side."""

    def test_versions_and_latest(self, registry: EventRegistry) -> None:
        """versions() lists them in order and latest() is the newest."""
        assert [1, 2, 3] == list(registry.versions("com.example.user"))
        assert 3 == registry.latest("com.example.user").version

    def test_without_upcasters_each_version_decodes_as_itself(
        self, registry: EventRegistry
    ) -> None:
        """No upcaster: a v1 record yields the v1 class."""
        event = registry.decode(_document("com.example.user.v1", {"name": "Ann Lee"}))
        assert 1 == type(event).version

    def test_unregister_keeps_other_versions(self, registry: EventRegistry) -> None:
        """Removing v1 leaves v2 and v3."""
        registry.unregister(registry.versions("com.example.user")[1])
        assert [2, 3] == list(registry.versions("com.example.user"))

    def test_latest_of_unknown_type(self, registry: EventRegistry) -> None:
        """latest() of an unknown base type is an UnknownEventTypeError."""
        with pytest.raises(UnknownEventTypeError):
            registry.latest("com.example.nobody")


class TestUpcasting:
    """Upcasters per (type, from-version) chain old records up to the newest class."""

    def test_chain_v1_to_v3(self, registry: EventRegistry) -> None:
        """A v1 record runs v1->v2->v3 and yields the v3 class, envelope kept."""
        registry.add_upcaster("com.example.user", 1, _v1_to_v2)
        registry.add_upcaster("com.example.user", 2, _v2_to_v3)
        event = registry.decode(_document("com.example.user.v1", {"name": "Ann Lee"}))
        assert registry.latest("com.example.user") is type(event)
        assert ("e1", "svc") == (event.id, event.source)
        assert {"first": "Ann", "last": "Lee", "email": None} == event.payload()

    def test_chain_stops_where_upcasters_stop(self, registry: EventRegistry) -> None:
        """Only v1->v2 registered: a v1 record yields v2."""
        registry.add_upcaster("com.example.user", 1, _v1_to_v2)
        event = registry.decode(_document("com.example.user.v1", {"name": "Ann Lee"}))
        assert 2 == type(event).version

    def test_upcast_false_keeps_the_record_version(self, registry: EventRegistry) -> None:
        """decode(upcast=False) yields the record's own class."""
        registry.add_upcaster("com.example.user", 1, _v1_to_v2)
        event = registry.decode(_document("com.example.user.v1", {"name": "A B"}), upcast=False)
        assert 1 == type(event).version

    def test_old_class_may_be_removed(self, registry: EventRegistry) -> None:
        """With v1's class gone, the upcaster alone still reads v1 records."""
        registry.unregister(registry.versions("com.example.user")[1])
        registry.upcaster("com.example.user", 1)(_v1_to_v2)
        assert registry.can_decode("com.example.user.v1")
        event = registry.decode(_document("com.example.user.v1", {"name": "Ann Lee"}))
        assert 2 == type(event).version

    def test_decorator_with_a_class(self, registry: EventRegistry) -> None:
        """The decorator takes a class for the type and returns the function."""
        v1 = registry.versions("com.example.user")[1]
        assert _v1_to_v2 is registry.upcaster(v1, 1)(_v1_to_v2)
        assert [("com.example.user", 1)] == registry.upcasters()

    def test_second_upcaster_for_a_step_is_refused(self, registry: EventRegistry) -> None:
        """Two different upcasters for one step: RegistryError naming the first."""
        registry.add_upcaster("com.example.user", 1, _v1_to_v2)
        with pytest.raises(RegistryError, match="_v1_to_v2"):
            registry.add_upcaster("com.example.user", 1, _v2_to_v3)

    @pytest.mark.parametrize("version", [0, -1, True, "1"])
    def test_bad_from_version(self, registry: EventRegistry, version: Any) -> None:
        """from_version must be a positive integer."""
        with pytest.raises(RegistryError, match="from_version"):
            registry.add_upcaster("com.example.user", version, _v1_to_v2)

    def test_failing_upcaster(self, registry: EventRegistry) -> None:
        """An upcaster that raises becomes an UpcastError naming the step, cause kept."""
        registry.add_upcaster("com.example.user", 1, _v1_to_v2)
        with pytest.raises(UpcastError, match="version 1 to 2 failed: KeyError") as info:
            registry.decode(_document("com.example.user.v1", {"nom": "Ann"}))
        assert isinstance(info.value.__cause__, KeyError)

    def test_upcaster_returning_a_non_dict(self, registry: EventRegistry) -> None:
        """An upcaster must return a dict."""
        registry.add_upcaster("com.example.user", 1, lambda data: [data])
        with pytest.raises(UpcastError, match="must return a dict"):
            registry.decode(_document("com.example.user.v1", {"name": "Ann"}))

    def test_chain_ending_on_a_missing_class(self) -> None:
        """Upcasters reaching a version with no class raise UpcastError, not a KeyError."""
        registry = EventRegistry()

        class Thing(Event, event_type="com.example.thing", version=3, registry=registry):
            n: int

        registry.add_upcaster("com.example.thing", 1, lambda data: data)
        with pytest.raises(UpcastError, match=r"no class of 'com\.example\.thing' is registered"):
            registry.decode(_document("com.example.thing.v1", {"n": 1}))

    def test_round_trip_of_current_version_is_unchanged(self, registry: EventRegistry) -> None:
        """With upcasters registered, a v3 record still decodes to an equal v3 event."""
        registry.add_upcaster("com.example.user", 1, _v1_to_v2)
        event = registry.latest("com.example.user")(first="A", last="B", source="svc")
        assert event == registry.decode(encode(event))


class TestNewerVersions:
    """A record newer than every known class decodes by the documented policy."""

    def test_error_by_default(self, registry: EventRegistry) -> None:
        """Default: NewerEventVersionError with both versions, still an UnknownEventTypeError."""
        with pytest.raises(NewerEventVersionError, match="version 4, newer than") as info:
            registry.decode(_document("com.example.user.v4", {"first": "A", "last": "B"}))
        assert (4, 3) == (info.value.version, info.value.newest)
        assert isinstance(info.value, UnknownEventTypeError)

    def test_newest_compatible_yields_the_newest_class(self, registry: EventRegistry) -> None:
        """newest_compatible: data that fits v3 yields a v3 event."""
        event = registry.decode(
            _document("com.example.user.v4", {"first": "A", "last": "B"}),
            newer_versions="newest_compatible",
        )
        assert 3 == type(event).version

    def test_registry_wide_policy(self) -> None:
        """The policy can be set on the registry."""
        registry = EventRegistry(newer_versions=NewerVersionPolicy.NEWEST_COMPATIBLE)

        class Ping(Event, event_type="com.example.ping", registry=registry):
            n: int

        assert 1 == type(registry.decode(_document("com.example.ping.v2", {"n": 1}))).version

    def test_newest_compatible_refuses_data_that_does_not_fit(
        self, registry: EventRegistry
    ) -> None:
        """newest_compatible with an added field: the error names the field."""
        with pytest.raises(NewerEventVersionError, match="'phone'"):
            registry.decode(
                _document("com.example.user.v4", {"first": "A", "last": "B", "phone": "1"}),
                newer_versions="newest_compatible",
            )

    def test_unknown_policy(self) -> None:
        """An unknown policy name is a RegistryError listing the choices."""
        with pytest.raises(RegistryError, match="newest_compatible"):
            EventRegistry(newer_versions="latest")

    def test_older_unknown_version_is_unknown(self, registry: EventRegistry) -> None:
        """A version below the newest with no class and no upcaster is simply unknown."""
        registry.unregister(registry.versions("com.example.user")[1])
        with pytest.raises(UnknownEventTypeError) as info:
            registry.decode(_document("com.example.user.v1", {"name": "A"}))
        assert not isinstance(info.value, NewerEventVersionError)


class TestValidationErrors:
    """A known type whose data no longer validates names type, version and field."""

    def test_names_type_version_and_field(self, registry: EventRegistry) -> None:
        """Missing and mistyped fields are listed with the class version."""
        with pytest.raises(EventValidationError) as info:
            registry.decode(_document("com.example.user.v2", {"first": 1}))
        error = info.value
        assert ("com.example.user.v2", 2) == (error.event_type, error.version)
        assert ("first", "last") == error.fields
        assert "com.example.user.v2" in str(error)
        assert "version 2" in str(error)
        assert "field 'last'" in str(error)
        assert isinstance(error, MalformedRecordError)

    def test_after_upcasting_names_the_target_version(self, registry: EventRegistry) -> None:
        """Data an upcaster left invalid names the version it was validated as."""
        registry.add_upcaster("com.example.user", 1, lambda data: {"first": data["name"]})
        with pytest.raises(EventValidationError, match=r"version 2\).*'last'"):
            registry.decode(_document("com.example.user.v1", {"name": "Ann"}))


class TestSplitType:
    """Types split into base and version at the last '.v<N>'."""

    @pytest.mark.parametrize(
        ("event_type", "expected"),
        [
            ("a.b.v2", ("a.b", 2)),
            ("a.v10", ("a", 10)),
            ("a.vx", None),
            ("a.v0", None),
            ("v2", None),
            (".v2", None),
            ("a.v٣", None),
        ],
    )
    def test_split(self, event_type: str, expected: tuple[str, int] | None) -> None:
        """Only ASCII digits >= 1 after '.v' make a version."""
        assert expected == split_type(event_type)
