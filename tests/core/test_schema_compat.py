from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from eventwire import Event, EventRegistry, SchemaError
from eventwire.schema import BreakingChange, breaking_changes, event_schema, schema_changes


def _schema(**fields: Any) -> dict[str, Any]:
    """The schema of a new ``com.example.thing`` class; ``fields``: name -> (type[, default])."""
    annotations = {name: spec[0] for name, spec in fields.items()}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    namespace.update({name: spec[1] for name, spec in fields.items() if len(spec) > 1})
    cls = type(
        "Thing", (Event,), namespace, event_type="com.example.thing", registry=EventRegistry()
    )
    return event_schema(cls)


def _kinds(old: dict[str, Any], new: dict[str, Any], mode: str) -> list[tuple[str, str, str]]:
    return [
        (c.path, c.kind, c.breaks) for c in schema_changes("com.example.thing.v1", old, new, mode)
    ]


REQUIRED_NAME = {"name": (str,)}


class TestModes:
    """Each mode reports the changes that break its readers, and names them."""

    def test_removed_required_field(self) -> None:
        """FORWARD: old readers miss it; BACKWARD: new readers forbid the unknown field."""
        old, new = _schema(name=(str,), n=(int,)), _schema(n=(int,))
        assert [("data.name", "required field removed", "FORWARD")] == _kinds(old, new, "FORWARD")
        assert [("data.name", "field removed", "BACKWARD")] == _kinds(old, new, "BACKWARD")

    def test_added_required_field(self) -> None:
        """BACKWARD: old records lack it."""
        old, new = _schema(name=(str,)), _schema(name=(str,), age=(int,))
        assert [("data.age", "required field added", "BACKWARD")] == _kinds(old, new, "BACKWARD")

    def test_added_optional_field(self) -> None:
        """Compatible for new readers; old readers (extra fields forbidden) refuse it."""
        old, new = _schema(name=(str,)), _schema(name=(str,), age=(int | None, None))
        assert [] == _kinds(old, new, "BACKWARD")
        assert [("data.age", "field added", "FORWARD")] == _kinds(old, new, "FORWARD")

    def test_type_narrowed_and_widened(self) -> None:
        """int|str -> int narrows (BACKWARD); int -> float widens (FORWARD)."""
        assert [("data.v", "type narrowed", "BACKWARD")] == _kinds(
            _schema(v=(int | str,)), _schema(v=(int,)), "FULL"
        )
        assert [("data.v", "type widened", "FORWARD")] == _kinds(
            _schema(v=(int,)), _schema(v=(float,)), "FULL"
        )

    def test_enum_value_removed_and_added(self) -> None:
        """Removing a Literal value breaks BACKWARD; adding one breaks FORWARD."""
        old = _schema(c=(Literal["a", "b"],))
        new = _schema(c=(Literal["a", "c"],))
        found = schema_changes("com.example.thing.v1", old, new, "FULL")
        assert [("enum value removed", '"b"'), ("enum value added", '"c"')] == [
            (c.kind, c.detail) for c in found
        ]

    def test_constraint_tightened(self) -> None:
        """A shorter maxLength breaks BACKWARD and names the bound."""
        old = _schema(s=(str, Field(max_length=10)))
        new = _schema(s=(str, Field(max_length=5)))
        [change] = schema_changes("com.example.thing.v1", old, new, "BACKWARD")
        assert ("constraint tightened", "maxLength 10 -> 5") == (change.kind, change.detail)

    def test_optional_became_required(self) -> None:
        """Dropping a default breaks BACKWARD."""
        old, new = _schema(n=(int, 1)), _schema(n=(int,))
        assert [("data.n", "optional field became required", "BACKWARD")] == _kinds(
            old, new, "BACKWARD"
        )

    def test_nested_model_path(self) -> None:
        """A change inside a nested model is reported at its dotted path."""

        class Old(BaseModel):
            zip: int | str

        class New(BaseModel):
            zip: int

        assert [("data.home.zip", "type narrowed", "BACKWARD")] == _kinds(
            _schema(home=(Old,)), _schema(home=(New,)), "BACKWARD"
        )

    def test_nullable_to_non_nullable(self) -> None:
        """Str | None -> str narrows away null."""
        old, new = _schema(s=(str | None,)), _schema(s=(str,))
        assert [("data.s", "type narrowed", "BACKWARD")] == _kinds(old, new, "BACKWARD")

    def test_list_items(self) -> None:
        """A change of list items is reported under []."""
        old, new = _schema(xs=(list[int | str],)), _schema(xs=(list[int],))
        assert [("data.xs[]", "type narrowed", "BACKWARD")] == _kinds(old, new, "BACKWARD")

    def test_unchanged_and_none(self) -> None:
        """No change breaks nothing in FULL; NONE reports nothing at all."""
        schema = _schema(name=(str,), tags=(list[str], []))
        assert [] == _kinds(schema, schema, "FULL")
        assert [] == _kinds(_schema(name=(str,)), _schema(age=(int,)), "NONE")

    def test_unknown_mode(self) -> None:
        """An unknown mode is a SchemaError listing the modes."""
        with pytest.raises(SchemaError, match="BACKWARD, FORWARD, FULL, NONE"):
            schema_changes("t", {}, {}, "SIDEWAYS")


class TestTypes:
    """Whole event types appearing and disappearing."""

    def test_removed_type_breaks_backward_unless_it_still_decodes(self) -> None:
        """A removed type breaks BACKWARD unless an upcaster chain still reads it."""
        old = {"a.v1": _schema(name=(str,))}
        [change] = breaking_changes(old, {}, "BACKWARD")
        assert isinstance(change, BreakingChange)
        assert "event type removed" == change.kind
        assert "a.v1: event type removed" in str(change)
        assert [] == breaking_changes(old, {}, "BACKWARD", still_decodes=lambda t: True)
        assert [] == breaking_changes(old, {}, "FORWARD")

    def test_added_type_breaks_nothing(self) -> None:
        """A new type is compatible in every mode."""
        assert [] == breaking_changes({}, {"a.v1": _schema(name=(str,))}, "FULL")
