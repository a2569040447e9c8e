"""``EncodingPlan``: what encoding an event of one class needs, read from the class once.

Reading a class attribute of a pydantic model goes through its metaclass's
Python ``__getattr__`` hook, several times the cost of a plain class's (about
70 ns here against 20); turning an event into a record read seven of them.
Each class keeps them in one tuple instead, built on its first encode, once
pydantic has finished the class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from eventwire.documents import document_serializer

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic_core import SchemaSerializer

    from eventwire.events import Event


class EncodingPlan(NamedTuple):
    """The facts of an event class that encoding one of its events reads.

    Attributes:
        event_type: the CloudEvents ``type``.
        ordered: the class asks for strict ordering per partition key.
        partition_key: reads the partition key from an event.
        hash_key: reads the explicit hash key from an event, when the class declares one.
        document: the one-call document serializer, or None for two passes.
        floats: the class can write a float, so NaN and infinity must be looked for.
    """

    event_type: str
    ordered: bool
    partition_key: Callable[[Any], object]
    hash_key: Callable[[Any], object] | None
    document: SchemaSerializer | None
    floats: bool


def plan_for(event_class: type[Event]) -> EncodingPlan:
    """The plan of ``event_class``, built and kept on the class on first use."""
    plan = event_class.__eventwire_plan__
    if plan is None:
        plan = EncodingPlan(
            event_class.type,
            event_class.ordered,
            event_class.__eventwire_partition_key__,
            event_class.__eventwire_hash_key__,
            document_serializer(event_class),
            event_class.__eventwire_floats__,
        )
        event_class.__eventwire_plan__ = plan
    return plan
