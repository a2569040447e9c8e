"""The ``Event`` base class: a frozen pydantic model inside a CloudEvents 1.0 envelope."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from eventwire.cloudevents import document_head
from eventwire.encodable import has_foreign_models, may_write_non_finite
from eventwire.errors import EventDefinitionError, InvalidEventError
from eventwire.keys import key_getter

if TYPE_CHECKING:
    from eventwire.plans import EncodingPlan
    from eventwire.registry import EventRegistry

KeySource = str | Callable[[Any], object]
"""How an event class names a key: the name of one of its fields, or a function of the event."""

ENVELOPE_FIELDS = frozenset({"id", "source", "time", "subject", "datacontenttype", "extensions"})
"""CloudEvents attributes held as model fields; everything else on a subclass is payload."""

_RESERVED_NAMES = ENVELOPE_FIELDS | {"type", "specversion", "dataschema", "version"}

_INHERIT: Any = object()


def _new_id() -> str:
    return str(uuid.uuid4())


def _utcnow() -> datetime:
    return datetime.now(UTC)


def extension_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a CloudEvents extension attribute, or None if it can."""
    if not (
        isinstance(name, str)
        and name.isascii()
        and name.isalnum()
        and name.islower()
        and len(name) <= 20
    ):
        return (
            f"extension attribute name {name!r} must be 1-20 lowercase ASCII letters "
            "or digits (CloudEvents 1.0)"
        )
    if name in _RESERVED_NAMES or name == "data":
        return f"extension attribute name {name!r} is a CloudEvents attribute"
    return None


class Event(BaseModel):
    """Base class for typed domain events; subclass it and declare the payload fields.

    Class keyword arguments declare how the event is named and routed::

        class PersonCreated(Event, event_type="com.example.person.created",
                            version=2, partition_key="person_id"):
            person_id: int
            name: str

    Args (class keywords):
        event_type: the CloudEvents ``type`` without its version suffix
            (default: the class name).
        version: the schema version, appended to the type as ``.v<N>`` (default 1).
        partition_key: a field name or a function of the event giving the partition key.
            Default: the event's ``id`` (a random UUID), which spreads load over all shards.
        explicit_hash_key: a field name or a function giving a decimal 128-bit hash key
            that overrides the partition key's MD5 (default: none).
        ordered: ask backends for strict ordering per partition key (Kinesis
            ``SequenceNumberForOrdering``); inherited, default false.
        abstract: a shared base for other events; it is not registered.
        registry: the registry the class joins (default: ``default_registry``; ``None`` opts out).

    Instances are immutable and reject unknown fields.
    """

    # NaN and infinity are written as tokens JSON lacks, so the encoder can spot them
    # and refuse the event (pydantic's default, null, would not decode back).
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")

    id: str = Field(default_factory=_new_id, min_length=1)
    source: str | None = Field(default=None, min_length=1)
    time: AwareDatetime = Field(default_factory=_utcnow)
    subject: str | None = None
    datacontenttype: str = "application/json"
    extensions: dict[str, str | int | bool] = Field(default_factory=dict)

    specversion: ClassVar[str] = "1.0"
    type: ClassVar[str]
    version: ClassVar[int]
    base_type: ClassVar[str]
    ordered: ClassVar[bool] = False
    abstract: ClassVar[bool] = True
    __eventwire_head__: ClassVar[bytes]
    __eventwire_partition_key__: ClassVar[Callable[[Any], object]]
    __eventwire_hash_key__: ClassVar[Callable[[Any], object] | None]
    __eventwire_walk__: ClassVar[bool] = False
    __eventwire_floats__: ClassVar[bool] = True
    __eventwire_plan__: ClassVar[EncodingPlan | None] = None
    __eventwire_registry__: ClassVar[EventRegistry | None]
    partition_key_source: ClassVar[KeySource | None] = None
    explicit_hash_key_source: ClassVar[KeySource | None] = None

    def __init_subclass__(
        cls,
        *,
        event_type: str | None = None,
        version: int = 1,
        partition_key: KeySource | None = _INHERIT,
        explicit_hash_key: KeySource | None = _INHERIT,
        ordered: bool | None = None,
        abstract: bool = False,
        registry: EventRegistry | None = _INHERIT,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        shadowed = _RESERVED_NAMES & set(inspect.get_annotations(cls))
        if shadowed:
            raise EventDefinitionError(
                f"{cls.__qualname__}: field name(s) {sorted(shadowed)} are reserved for the "
                "CloudEvents envelope; rename the payload field(s)"
            )
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise EventDefinitionError(
                f"{cls.__qualname__}: version must be a positive integer, got {version!r}"
            )
        if event_type is not None and (not isinstance(event_type, str) or not event_type):
            raise EventDefinitionError(
                f"{cls.__qualname__}: event_type must be a non-empty string, got {event_type!r}"
            )
        cls.base_type = event_type or cls.__name__
        cls.version = version
        cls.type = f"{cls.base_type}.v{version}"
        cls.__eventwire_head__ = document_head(cls.type)
        # Built on first encode, once pydantic has finished the class (each class its own).
        cls.__eventwire_plan__ = None
        cls.abstract = abstract
        if ordered is not None:
            cls.ordered = bool(ordered)
        if partition_key is not _INHERIT:
            cls.partition_key_source = partition_key
        if explicit_hash_key is not _INHERIT:
            cls.explicit_hash_key_source = explicit_hash_key
        cls.__eventwire_registry__ = registry

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Check the key declarations against the finished fields, then register the class."""
        super().__pydantic_init_subclass__(**kwargs)
        for what, source in (
            ("partition_key", cls.partition_key_source),
            ("explicit_hash_key", cls.explicit_hash_key_source),
        ):
            if isinstance(source, str) and source not in cls.model_fields:
                raise EventDefinitionError(
                    f"{cls.__qualname__}: {what}={source!r} names no field "
                    f"(fields: {sorted(set(cls.model_fields) - ENVELOPE_FIELDS)})"
                )
            if source is not None and not isinstance(source, str) and not callable(source):
                raise EventDefinitionError(
                    f"{cls.__qualname__}: {what} must be a field name or a callable, got {source!r}"
                )
        pk_source = cls.partition_key_source
        cls.__eventwire_partition_key__ = key_getter("id" if pk_source is None else pk_source)
        hk_source = cls.explicit_hash_key_source
        cls.__eventwire_hash_key__ = None if hk_source is None else key_getter(hk_source)
        cls.__eventwire_walk__ = has_foreign_models(cls)
        cls.__eventwire_floats__ = may_write_non_finite(cls)
        if cls.abstract:
            return
        registry = cls.__dict__.get("__eventwire_registry__", _INHERIT)
        if registry is _INHERIT:
            from eventwire.registry import default_registry

            registry = default_registry
        if registry is not None:
            registry.register(cls)

    @field_validator("time")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        # CloudEvents consumers compare times as strings; one zone keeps them comparable.
        return value if value.utcoffset() == UTC.utcoffset(None) else value.astimezone(UTC)

    @field_validator("extensions")
    @classmethod
    def _check_extension_names(
        cls, value: dict[str, str | int | bool]
    ) -> dict[str, str | int | bool]:
        for name in value:
            problem = extension_name_problem(name)
            if problem is not None:
                raise ValueError(problem)
        return value

    def payload(self) -> dict[str, Any]:
        """The event's own fields (the CloudEvents ``data``), as JSON-compatible values."""
        return self.model_dump(mode="json", exclude=set(ENVELOPE_FIELDS))

    def with_extensions(self, **attributes: str | int | bool) -> Self:
        """Return a copy carrying extra CloudEvents extension attributes (e.g. ``traceparent``)."""
        return self.model_validate(
            {**self.model_dump(), "extensions": {**self.extensions, **attributes}}
        )

    def with_source(self, source: str) -> Self:
        """Return a copy whose ``source`` is ``source``."""
        return self.model_copy(update={"source": source})


def not_an_event(value: object) -> InvalidEventError:
    """The error for publishing ``value``, which is not an ``Event``."""
    return InvalidEventError(
        f"only eventwire.Event instances can be published, not {type(value).__name__}"
    )
