"""The Glue Schema Registry serializer against moto's Glue (in process and as a server).

moto implements the Glue Schema Registry API (CreateSchema, RegisterSchemaVersion,
GetSchemaByDefinition, GetSchemaVersion); the ``aws-glue-schema-registry`` package
reads what eventwire writes as an independent decoder of the wire format.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import boto3
import pytest
from aws_schema_registry import SchemaRegistryClient as ThirdPartyClient
from aws_schema_registry.serde import KafkaDeserializer
from botocore.stub import Stubber
from moto import mock_aws
from moto.server import ThreadedMotoServer

from eventwire import (
    AsyncProducer,
    ConfigurationError,
    Event,
    EventRegistry,
    Producer,
    ProducerSettings,
    Publisher,
    PublishReceipt,
    SchemaRegistryError,
)
from eventwire.backends import encode
from eventwire.schema import GlueSchemaDecoder, GlueSchemaSerializer, schema_definition
from eventwire_emulator.backend import EmulatorBackend
from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.reading import read_records
from eventwire_kinesis import GlueSchemaRegistryClient, glue_client

REGION = "us-east-1"
registry = EventRegistry()


class CartChecked(
    Event, event_type="com.example.cart.checked", partition_key="cart_id", registry=registry
):
    cart_id: str
    items: list[str]
    total_cents: int


def _events(count: int) -> list[CartChecked]:
    return [
        CartChecked(cart_id=f"c{i % 7}", items=["x"] * (i % 3), total_cents=i, source="shop")
        for i in range(count)
    ]


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # moto accepts any credentials; these keep boto3 from looking for real ones.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture(params=["mock_aws", "server"])
def glue(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A boto3 Glue client on moto: in process, or over HTTP on a loopback ephemeral port."""
    if request.param == "mock_aws":
        with mock_aws():
            yield boto3.client("glue", region_name=REGION)
        return
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield glue_client(REGION, endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def client(glue: Any) -> GlueSchemaRegistryClient:
    """The eventwire Glue adapter on that client."""
    return GlueSchemaRegistryClient(glue)


class TestClient:
    """The adapter registers once, finds again, adds versions and fetches them."""

    def test_create_find_and_evolve(self, client: GlueSchemaRegistryClient, glue: Any) -> None:
        """New schema (JSON, mode set); same definition found; a new one is version 2."""
        first = client.register_schema("a.v1", '{"type":"object"}', compatibility="FULL")
        assert first == client.register_schema("a.v1", '{"type":"object"}', compatibility="FULL")
        schema = glue.get_schema(
            SchemaId={"RegistryName": "default-registry", "SchemaName": "a.v1"}
        )
        assert ("JSON", "FULL") == (schema["DataFormat"], schema["Compatibility"])
        second = client.register_schema(
            "a.v1", '{"type":"object","title":"t"}', compatibility="FULL"
        )
        assert first != second
        version = glue.get_schema_version(SchemaVersionId=str(second))
        assert 2 == version["VersionNumber"]

    def test_fetch(self, client: GlueSchemaRegistryClient) -> None:
        """get_schema_version gives name, definition and format."""
        version_id = client.register_schema("b.v1", '{"type":"string"}', compatibility="NONE")
        fetched = client.get_schema_version(version_id)
        assert (version_id, "b.v1", '{"type":"string"}', "JSON") == (
            fetched.version_id, fetched.schema_name, fetched.definition, fetched.data_format,
        )  # fmt: skip

    def test_errors_carry_the_aws_code(self, client: GlueSchemaRegistryClient, glue: Any) -> None:
        """Unknown version or registry: SchemaRegistryError with the code, botocore as cause."""
        with pytest.raises(SchemaRegistryError, match="GetSchemaVersion failed") as info:
            client.get_schema_version(uuid4())
        assert "EntityNotFoundException" == info.value.code
        elsewhere = GlueSchemaRegistryClient(glue, registry_name="missing")
        with pytest.raises(SchemaRegistryError) as info:
            elsewhere.register_schema("c.v1", "{}", compatibility="BACKWARD")
        assert "EntityNotFoundException" == info.value.code
        assert info.value.__cause__ is not None


class TestPendingVersions:
    """Versions Glue is still checking are waited for, within a bound (moto has no PENDING)."""

    def _stubbed(self) -> tuple[GlueSchemaRegistryClient, Stubber, list[float]]:
        glue = boto3.client("glue", region_name=REGION)
        naps: list[float] = []
        client = GlueSchemaRegistryClient(glue, max_wait=5.0, poll_interval=0.01, sleep=naps.append)
        return client, Stubber(glue), naps

    def test_pending_then_available(self) -> None:
        """PENDING is polled until AVAILABLE."""
        client, stub, naps = self._stubbed()
        version_id = str(uuid4())
        stub.add_client_error("get_schema_by_definition", "EntityNotFoundException")
        stub.add_response(
            "register_schema_version",
            {"SchemaVersionId": version_id, "VersionNumber": 2, "Status": "PENDING"},
        )
        stub.add_response(
            "get_schema_version", {"SchemaVersionId": version_id, "Status": "PENDING"}
        )
        stub.add_response(
            "get_schema_version", {"SchemaVersionId": version_id, "Status": "AVAILABLE"}
        )
        with stub:
            assert UUID(version_id) == client.register_schema(
                "d.v1", "{}", compatibility="BACKWARD"
            )
        assert 2 == len(naps)

    def test_shipped_wait_gives_up(self) -> None:
        """Shipped settings: a version PENDING for good is polled every 0.5 s for 30 s."""
        glue = boto3.client("glue", region_name=REGION)
        naps: list[float] = []
        client = GlueSchemaRegistryClient(glue, sleep=naps.append)
        stub = Stubber(glue)
        version_id = str(uuid4())
        stub.add_client_error("get_schema_by_definition", "EntityNotFoundException")
        stub.add_response(
            "register_schema_version",
            {"SchemaVersionId": version_id, "VersionNumber": 2, "Status": "PENDING"},
        )
        for _ in range(60):
            stub.add_response(
                "get_schema_version", {"SchemaVersionId": version_id, "Status": "PENDING"}
            )
        with stub, pytest.raises(SchemaRegistryError, match=r"still PENDING after 30\.0s") as info:
            client.register_schema("d.v1", "{}", compatibility="BACKWARD")
        assert "Pending" == info.value.code
        assert [0.5] * 60 == naps
        stub.assert_no_pending_responses()

    def test_shipped_client_configuration(self) -> None:
        """glue_client: botocore's standard retries (the only retry layer) and bounded timeouts."""
        config = glue_client(REGION).meta.config
        assert ("standard", 5.0, 15.0) == (
            config.retries["mode"], config.connect_timeout, config.read_timeout
        )  # fmt: skip

    @pytest.mark.parametrize("setting", [{"max_wait": 0}, {"poll_interval": -1.0}])
    def test_bad_wait_settings(self, setting: dict[str, float]) -> None:
        """Waits must be positive numbers of seconds."""
        with pytest.raises(ConfigurationError, match="positive number of seconds"):
            GlueSchemaRegistryClient(boto3.client("glue", region_name=REGION), **setting)

    def test_failure_status_is_an_incompatible_schema(self) -> None:
        """A version Glue refused (FAILURE) raises, naming the schema."""
        client, stub, _ = self._stubbed()
        stub.add_client_error("get_schema_by_definition", "EntityNotFoundException")
        stub.add_response(
            "register_schema_version",
            {"SchemaVersionId": str(uuid4()), "VersionNumber": 2, "Status": "FAILURE"},
        )
        with stub, pytest.raises(SchemaRegistryError, match=r"'d\.v1'.*not compatible") as info:
            client.register_schema("d.v1", "{}", compatibility="BACKWARD")
        assert "IncompatibleSchema" == info.value.code


def _emulator() -> tuple[Kinesis, EmulatorBackend]:
    kinesis = Kinesis(clock=ManualClock())
    return kinesis, EmulatorBackend(kinesis, stream="carts", shard_count=2)


def _third_party_decode(glue: Any, data: bytes) -> Any:
    return KafkaDeserializer(ThirdPartyClient(glue)).deserialize("carts", data)


class TestEndToEnd:
    """Framed records go through every backend and the producer and decode on both sides."""

    @pytest.mark.parametrize("compression", [False, True])
    def test_publisher_on_the_emulator(
        self, client: GlueSchemaRegistryClient, glue: Any, compression: bool
    ) -> None:
        """Publisher + emulator: eventwire and aws-glue-schema-registry both read the records."""
        kinesis, backend = _emulator()
        serializer = GlueSchemaSerializer(client, registry=registry, compression=compression)
        events = _events(20)
        with Publisher(backend, plugins=[serializer]) as publisher:
            publisher.publish_many(events)
        stored = read_records(kinesis, "carts")
        decoder = GlueSchemaDecoder(client, registry=registry)
        assert sorted(events, key=lambda e: e.id) == sorted(
            (decoder.decode(r.data) for r in stored), key=lambda e: e.id
        )
        for record, event in zip(
            stored[:3], (decoder.decode(r.data) for r in stored[:3]), strict=True
        ):
            read = _third_party_decode(glue, record.data)
            assert json.loads(encode(event)) == read.data
            assert json.loads(schema_definition(CartChecked)) == json.loads(str(read.schema))

    def test_producer_with_aggregation(self, client: GlueSchemaRegistryClient, glue: Any) -> None:
        """The producer aggregates framed records; each user record decodes."""
        kinesis, backend = _emulator()
        serializer = GlueSchemaSerializer(client, registry=registry, compression=True)
        events = _events(200)
        producer = Producer(
            backend, plugins=[serializer], clock=kinesis.clock, background=False,
            settings=ProducerSettings(aggregate=True),
        )  # fmt: skip
        for event in events:
            producer.publish(event)
        assert producer.flush()
        assert [] == producer.close()
        stored = read_records(kinesis, "carts")
        assert any(r.sub_sequence_number > 0 for r in stored), "records were not aggregated"
        decoder = GlueSchemaDecoder(client, registry=registry)
        assert {e.id for e in events} == {decoder.decode(r.data).id for r in stored}
        assert 200 == len(stored)
        read = _third_party_decode(glue, stored[-1].data)
        assert "com.example.cart.checked.v1" == read.data["type"]

    def test_async_producer(self, client: GlueSchemaRegistryClient) -> None:
        """The asyncio producer frames and aggregates alike."""
        kinesis, backend = _emulator()
        serializer = GlueSchemaSerializer(client, registry=registry)
        events = _events(60)

        async def publish_all() -> list[object]:
            settings = ProducerSettings(aggregate=True)
            async with AsyncProducer(
                backend, plugins=[serializer], offload=False, settings=settings
            ) as producer:
                futures = [await producer.publish(event) for event in events]
                return [await future for future in futures]

        results = asyncio.run(publish_all())
        assert all(isinstance(result, PublishReceipt) for result in results)
        decoder = GlueSchemaDecoder(client, registry=registry)
        stored = read_records(kinesis, "carts")
        assert any(r.sub_sequence_number > 0 for r in stored), "records were not aggregated"
        assert sorted(e.id for e in events) == sorted(decoder.decode(r.data).id for r in stored)

    def test_kinesis_backend(
        self, client: GlueSchemaRegistryClient, make_backend: Any, kinesis: Kinesis
    ) -> None:
        """The boto3 Kinesis backend sends the same framed bytes."""
        serializer = GlueSchemaSerializer(client, registry=registry)
        events = _events(5)
        with Publisher(make_backend(), plugins=[serializer]) as publisher:
            for event in events:
                publisher.publish(event)
        decoder = GlueSchemaDecoder(client, registry=registry)
        stored = read_records(kinesis, "orders")
        assert all(r.data[:2] == b"\x03\x00" for r in stored)
        assert {e.id for e in events} == {decoder.decode(r.data).id for r in stored}

    def test_one_lookup_per_type(self, glue: Any) -> None:
        """Schema lookups are cached: one registration for many records."""
        calls: list[str] = []
        glue.meta.events.register(
            "provide-client-params.glue", lambda model, **_: calls.append(model.name)
        )
        _, backend = _emulator()
        serializer = GlueSchemaSerializer(GlueSchemaRegistryClient(glue), registry=registry)
        with Publisher(backend, plugins=[serializer]) as publisher:
            publisher.publish_many(_events(50))
            publisher.publish_many(_events(50))
        assert ["GetSchemaByDefinition", "RegisterSchemaVersion", "CreateSchema"] == calls
