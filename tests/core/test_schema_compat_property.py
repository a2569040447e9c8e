"""The compatibility check is sound: where it finds no break, readers really do read."""

from __future__ import annotations

from typing import Any, Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventwire import Event, EventRegistry
from eventwire.schema import event_schema, schema_changes

# Field types with values a writer of that type may produce.
KINDS: dict[str, tuple[Any, list[Any]]] = {
    "int": (int, [0, 7, -3]),
    "float": (float, [1.5, 2.0]),
    "str": (str, ["", "x"]),
    "int|None": (int | None, [None, 4]),
    "str|int": (str | int, ["s", 9]),
    "ab": (Literal["a", "b"], ["a", "b"]),
    "abc": (Literal["a", "b", "c"], ["a", "c"]),
    "list[int]": (list[int], [[], [1, 2]]),
    "list[str|int]": (list[str | int], [["a", 1]]),
}
NAMES = ["f1", "f2", "f3", "f4"]

# name -> (kind, has a default)
fields = st.dictionaries(
    st.sampled_from(NAMES), st.tuples(st.sampled_from(sorted(KINDS)), st.booleans()), max_size=4
)


def _class(spec: dict[str, tuple[str, bool]]) -> type[Event]:
    annotations = {name: KINDS[kind][0] for name, (kind, _) in spec.items()}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    namespace.update({name: KINDS[kind][1][0] for name, (kind, default) in spec.items() if default})
    return type("Thing", (Event,), namespace, event_type="prop.thing", registry=EventRegistry())


def _reads(reader: type[Event], data: dict[str, Any]) -> bool:
    try:
        reader.model_validate({**data, "source": "s"})
    except ValueError:
        return False
    return True


@st.composite
def written(draw: st.DrawFn, spec: dict[str, tuple[str, bool]]) -> dict[str, Any]:
    """A record's data as a writer of ``spec`` may send it (defaults written out too)."""
    return {name: draw(st.sampled_from(KINDS[kind][1])) for name, (kind, _) in spec.items()}


class TestSoundness:
    """No reported break means the readers of that mode accept the writers' data."""

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(old=fields, new=fields, data=st.data())
    def test_backward_and_forward(
        self,
        old: dict[str, tuple[str, bool]],
        new: dict[str, tuple[str, bool]],
        data: st.DataObject,
    ) -> None:
        """BACKWARD clean: new reads old; FORWARD clean: old reads new."""
        old_class, new_class = _class(old), _class(new)
        old_schema, new_schema = event_schema(old_class), event_schema(new_class)
        if not schema_changes("t", old_schema, new_schema, "BACKWARD"):
            assert _reads(new_class, data.draw(written(old)))
        if not schema_changes("t", old_schema, new_schema, "FORWARD"):
            assert _reads(old_class, data.draw(written(new)))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=fields)
    def test_identical_classes_break_nothing(self, spec: dict[str, tuple[str, bool]]) -> None:
        """A class compared with itself is FULL compatible."""
        schema = event_schema(_class(spec))
        assert [] == schema_changes("t", schema, schema, "FULL")
