from __future__ import annotations

import json
import threading
import uuid
import zlib

import pytest

from eventwire import (
    DecodeError,
    EventRegistry,
    MalformedRecordError,
    Publisher,
    PublishFailure,
    RecordTooLargeError,
    SchemaError,
    SchemaRegistryError,
)
from eventwire.backends import encode
from eventwire.schema import (
    GlueSchemaDecoder,
    GlueSchemaSerializer,
    frame,
    is_framed,
    schema_definition,
    schema_name_for,
    unframe,
)
from eventwire.testing import InMemorySchemaRegistry, RecordingBackend

from .schema_events import AccountOpened, PaymentTaken, registry, sample_events

VERSION_ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


class TestWireFormat:
    """The 18-byte header as AWS documents it: version 3, compression 0|5, schema version UUID."""

    def test_uncompressed_byte_for_byte(self) -> None:
        """0x03, 0x00, the UUID's 16 bytes, then the document unchanged."""
        framed = frame(b'{"a":1}', VERSION_ID)
        assert b"\x03\x00" + VERSION_ID.bytes + b'{"a":1}' == framed
        assert 18 + 7 == len(framed)

    def test_zlib_byte_for_byte(self) -> None:
        """0x03, 0x05, the UUID, then the zlib stream of the document."""
        document = b'{"a":"' + b"x" * 500 + b'"}'
        framed = frame(document, VERSION_ID, compress=True)
        assert b"\x03\x05" + VERSION_ID.bytes == framed[:18]
        assert document == zlib.decompress(framed[18:])
        assert (VERSION_ID, document, True) == unframe(framed, max_size=10_000)

    def test_round_trip_and_detection(self) -> None:
        """Unframe inverts frame; JSON records are never taken for framed ones."""
        assert (VERSION_ID, b"{}", False) == unframe(frame(b"{}", VERSION_ID), max_size=10)
        assert is_framed(frame(b"{}", VERSION_ID))
        assert not is_framed(b'{"specversion":"1.0"}')
        assert not is_framed(b"")

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"\x03\x00" + b"\x00" * 10, "needs 18 header bytes"),
            (b"\x02\x00" + VERSION_ID.bytes + b"{}", "needs 18 header bytes"),
            (b"\x03\x01" + VERSION_ID.bytes + b"{}", "compression byte 1"),
            (b"\x03\x05" + VERSION_ID.bytes + b"not zlib", "does not inflate"),
            (b"\x03\x05" + VERSION_ID.bytes + zlib.compress(b"{}")[:-3], "truncated"),
            (b"\x03\x05" + VERSION_ID.bytes + zlib.compress(b" " * 5000), "more than 1000"),
        ],
    )
    def test_bad_headers(self, data: bytes, message: str) -> None:
        """Short, unknown, corrupt, truncated and oversized records are MalformedRecordErrors."""
        with pytest.raises(MalformedRecordError, match=message):
            unframe(data, max_size=1000)


@pytest.fixture
def schemas() -> InMemorySchemaRegistry:
    """A schema registry in memory."""
    return InMemorySchemaRegistry()


def _publisher(serializer: GlueSchemaSerializer) -> tuple[Publisher, RecordingBackend]:
    backend = RecordingBackend()
    return Publisher(backend, plugins=[serializer], source="svc"), backend


class TestSerializer:
    """The serializer plugin frames every record and registers each schema once."""

    @pytest.mark.parametrize("compression", [False, True])
    def test_publish_frames_and_decoder_reads_back(
        self, schemas: InMemorySchemaRegistry, compression: bool
    ) -> None:
        """Framed records decode to equal events; one registration per type, one fetch each."""
        serializer = GlueSchemaSerializer(schemas, registry=registry, compression=compression)
        publisher, backend = _publisher(serializer)
        events = [e.with_source("svc") for e in sample_events() * 5]
        publisher.publish_many(events)
        for event in events[:2]:
            publisher.publish(event)
        data = [record.data for record in backend.records]
        assert all(d[:2] == (b"\x03\x05" if compression else b"\x03\x00") for d in data)
        assert 2 == schemas.register_calls
        decoder = GlueSchemaDecoder(schemas, registry=registry)
        assert [*events, *events[:2]] == [decoder.decode(d) for d in data]
        assert 2 == schemas.fetch_calls

    def test_registered_definition_and_compatibility(self, schemas: InMemorySchemaRegistry) -> None:
        """Schema name is the versioned type; definition is the draft-07 schema; mode is set."""
        serializer = GlueSchemaSerializer(schemas, registry=registry, compatibility="full")
        version_id = serializer.schema_version_id(PaymentTaken.type)
        stored = schemas.get_schema_version(version_id)
        assert "com.example.payment.taken.v2" == stored.schema_name
        assert schema_definition(PaymentTaken) == stored.definition
        assert "http://json-schema.org/draft-07/schema#" == json.loads(stored.definition)["$schema"]
        assert {"com.example.payment.taken.v2": "FULL"} == schemas.compatibility

    def test_header_carries_the_registered_version(self, schemas: InMemorySchemaRegistry) -> None:
        """Bytes 2-17 are the version id the registry gave; the rest is the plain encoding."""
        serializer = GlueSchemaSerializer(schemas, registry=registry)
        publisher, backend = _publisher(serializer)
        event = sample_events()[0].with_source("svc")
        publisher.publish(event)
        [record] = backend.records
        assert serializer.schema_version_id(AccountOpened.type).bytes == record.data[2:18]
        assert encode(event) == record.data[18:]

    def test_concurrent_first_use_registers_once(self, schemas: InMemorySchemaRegistry) -> None:
        """Many threads missing the cache together make one registration."""
        serializer = GlueSchemaSerializer(schemas, registry=registry)
        barrier = threading.Barrier(8)

        def look_up() -> None:
            barrier.wait()
            serializer.schema_version_id(AccountOpened.type)

        threads = [threading.Thread(target=look_up) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert 1 == schemas.register_calls

    def test_registry_failure_is_a_publish_failure(self) -> None:
        """A registry error reaches the caller as a failure, nothing sent."""

        class Down(InMemorySchemaRegistry):
            def register_schema(
                self, name: str, definition: str, *, compatibility: str
            ) -> uuid.UUID:
                raise SchemaRegistryError("registry unreachable", code="ServiceUnavailable")

        publisher, backend = _publisher(GlueSchemaSerializer(Down(), registry=registry))
        [result] = publisher.publish_many([sample_events()[0]])
        assert isinstance(result, PublishFailure)
        assert "ServiceUnavailable" == result.code
        assert [] == backend.records

    def test_size_checked_after_framing(self, schemas: InMemorySchemaRegistry) -> None:
        """The 18 header bytes count against the publisher's record size limit."""
        event = sample_events()[1].with_source("svc")
        limit = len(encode(event)) + len("a1") + 17
        plugins = [GlueSchemaSerializer(schemas, registry=registry)]
        publisher = Publisher(RecordingBackend(), plugins=plugins, max_record_size=limit)
        with pytest.raises(RecordTooLargeError, match=f"{limit + 1} bytes"):
            publisher.publish(event)
        publisher = Publisher(RecordingBackend(), plugins=plugins, max_record_size=limit + 1)
        assert publisher.publish(event).ok

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"compatibility": "SOMETIMES"}, "compatibility 'SOMETIMES'"),
            ({"cache_size": 0}, "cache_size=0"),
        ],
    )
    def test_bad_settings(
        self, schemas: InMemorySchemaRegistry, kwargs: dict[str, object], message: str
    ) -> None:
        """Settings are checked when the serializer is built."""
        with pytest.raises(SchemaError, match=message):
            GlueSchemaSerializer(schemas, **kwargs)  # type: ignore[arg-type]

    def test_client_must_fit_the_contract(self) -> None:
        """A client without the two methods is refused up front."""
        with pytest.raises(SchemaError, match="SchemaRegistryClient"):
            GlueSchemaSerializer(object())  # type: ignore[arg-type]

    def test_schema_names(self) -> None:
        """Characters Glue refuses become '_'; over-long types are refused."""
        assert "a.b_c$d#e-f" == schema_name_for("a.b/c$d#e-f")
        with pytest.raises(SchemaError, match="cannot be a Glue schema name"):
            schema_name_for("x" * 256)


class TestDecoder:
    """Framed records are checked against their schema version; plain ones decode as before."""

    def test_plain_records_decode_as_today(self, schemas: InMemorySchemaRegistry) -> None:
        """No header: registry.decode, no registry request."""
        event = sample_events()[1].with_source("svc")
        assert event == GlueSchemaDecoder(schemas, registry=registry).decode(encode(event))
        assert 0 == schemas.fetch_calls

    def test_unknown_schema_version(self, schemas: InMemorySchemaRegistry) -> None:
        """A version id the registry does not know: SchemaRegistryError with its code."""
        decoder = GlueSchemaDecoder(schemas, registry=registry)
        with pytest.raises(SchemaRegistryError) as info:
            decoder.decode(frame(b"{}", VERSION_ID))
        assert "EntityNotFoundException" == info.value.code

    def test_type_must_match_the_schema(self, schemas: InMemorySchemaRegistry) -> None:
        """A record claiming another type than its schema version describes is refused."""
        serializer = GlueSchemaSerializer(schemas, registry=registry)
        wrong = serializer.schema_version_id(PaymentTaken.type)
        data = frame(encode(sample_events()[0].with_source("svc")), wrong)
        with pytest.raises(DecodeError, match=r"describes 'com\.example\.payment\.taken\.v2'"):
            GlueSchemaDecoder(schemas, registry=registry).decode(data)

    def test_validator_runs_against_the_fetched_schema(
        self, schemas: InMemorySchemaRegistry
    ) -> None:
        """A JSON Schema validator sees the registered schema; its refusal is a DecodeError."""
        import jsonschema

        serializer = GlueSchemaSerializer(schemas, registry=registry)
        version_id = serializer.schema_version_id(PaymentTaken.type)
        document = json.loads(encode(sample_events()[1].with_source("svc")))
        document["data"]["currency"] = "GBP"
        decoder = GlueSchemaDecoder(schemas, registry=registry, validator=jsonschema.validate)
        with pytest.raises(DecodeError, match="'GBP' is not one of"):
            decoder.decode(frame(json.dumps(document).encode(), version_id))

    def test_upcasting_applies_to_framed_records(self, schemas: InMemorySchemaRegistry) -> None:
        """A framed v1 record upcasts like a plain one."""
        from eventwire import Event

        private = EventRegistry()

        class V1(Event, event_type="com.example.n", registry=private):
            n: int

        class V2(Event, event_type="com.example.n", version=2, registry=private):
            n: int
            doubled: int

        private.add_upcaster("com.example.n", 1, lambda d: {**d, "doubled": 2 * d["n"]})
        serializer = GlueSchemaSerializer(schemas, registry=private)
        data = serializer.serialize(encode(V1(n=2, source="s")), V1.type)
        event = GlueSchemaDecoder(schemas, registry=private).decode(data)
        assert (V2, 4) == (type(event), event.doubled)  # type: ignore[attr-defined]

    def test_fetched_versions_are_bounded(self, schemas: InMemorySchemaRegistry) -> None:
        """The decoder's cache holds at most cache_size versions."""
        decoder = GlueSchemaDecoder(schemas, registry=registry, cache_size=1)
        serializer = GlueSchemaSerializer(schemas, registry=registry)
        for event in sample_events() * 2:
            decoder.decode(serializer.serialize(encode(event.with_source("s")), type(event).type))
        assert 4 == schemas.fetch_calls
