from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from eventwire import Event, EventRegistry
from eventwire.backends import encode
from eventwire.schema import asyncapi_document, event_schema, registry_schemas, streams_for
from eventwire.schema.documents import DIALECTS

from .schema_events import AccountOpened, PaymentTaken, registry, sample_events

ASYNCAPI_SPECS_ENV = "EVENTWIRE_ASYNCAPI_SPECS"
# Installed by the nox tests session (an announced npm step) from the @asyncapi/specs package.
DEFAULT_SPECS = (
    Path(__file__).parents[2] / ".artifacts/npm/node_modules/@asyncapi/specs/schemas/3.0.0.json"
)


@pytest.fixture(scope="module")
def asyncapi_meta_schema() -> dict[str, Any]:
    """The official AsyncAPI 3.0.0 JSON schema from the @asyncapi/specs npm package."""
    path = Path(os.environ.get(ASYNCAPI_SPECS_ENV) or DEFAULT_SPECS)
    if not path.is_file():
        pytest.fail(
            f"the AsyncAPI 3.0.0 schema is not at {path}; run the core tests through nox "
            "(python3 -m nox -s 'tests(package=\"core\")'), which installs @asyncapi/specs, "
            "or run: npm install --prefix .artifacts/npm @asyncapi/specs@6.11.1"
        )
    spec: dict[str, Any] = json.loads(path.read_text())
    assert "http://asyncapi.com/definitions/3.0.0/asyncapi.json" == spec["$id"]
    return spec


def _record(event: Event) -> Any:
    return json.loads(encode(event, source="svc"))


class TestEventSchemas:
    """Each event's JSON Schema 2020-12 describes exactly the records eventwire writes."""

    @pytest.mark.parametrize("event", sample_events(), ids=lambda e: type(e).type)
    def test_valid_2020_12_and_accepts_real_records(self, event: Event) -> None:
        """The schema passes the 2020-12 meta-schema and validates the encoded record."""
        schema = event_schema(type(event))
        assert DIALECTS["2020-12"] == schema["$schema"]
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(_record(event))

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda r: r.update(type="com.example.account.opened.v2"), "was expected"),
            (lambda r: r.pop("source"), "'source' is a required property"),
            (lambda r: r["data"].pop("plan"), "'plan' is a required property"),
            (lambda r: r["data"].update(plan="gold"), "'gold' is not one of"),
            (lambda r: r["data"].update(seats="2"), "'2' is not of type 'integer'"),
            (lambda r: r["data"].update(extra=1), "Additional properties are not allowed"),
            (lambda r: r["data"]["address"].pop("city"), "'city' is a required property"),
            (lambda r: r.update(Bad="x"), "does not match"),
            (lambda r: r.update(tenantid=[1]), "is not of type"),
            (lambda r: r["data"].update(account_id=""), "should be non-empty"),
        ],
    )
    def test_rejects_what_the_reader_rejects(self, change: Any, message: str) -> None:
        """Records the class would refuse fail the schema too, for the right reason."""
        record = _record(sample_events()[0])
        change(record)
        with pytest.raises(jsonschema.ValidationError, match=message):
            jsonschema.Draft202012Validator(event_schema(AccountOpened)).validate(record)

    def test_envelope_and_metadata(self) -> None:
        """The envelope is CloudEvents: const specversion and type, required attributes."""
        schema = event_schema(PaymentTaken)
        assert {"const": "1.0"} == schema["properties"]["specversion"]
        assert {"const": "com.example.payment.taken.v2"} == schema["properties"]["type"]
        assert ["specversion", "id", "source", "type", "data"] == schema["required"]
        assert "urn:eventwire:event:com.example.payment.taken.v2" == schema["$id"]
        assert "Money arrived." == schema["description"]

    def test_draft_07_rendering(self) -> None:
        """draft-07 moves $defs to definitions and still validates real records."""
        schema = event_schema(AccountOpened, draft="draft-07")
        assert "$defs" not in json.dumps(schema)
        assert {"Address", "Plan"} == set(schema["definitions"])
        jsonschema.Draft7Validator.check_schema(schema)
        jsonschema.Draft7Validator(schema).validate(_record(sample_events()[0]))

    def test_field_without_json_schema(self) -> None:
        """A field pydantic cannot describe is a SchemaError naming the class, not a traceback."""
        from collections.abc import Callable

        from pydantic import ConfigDict

        from eventwire import SchemaError

        class Hooked(Event, event_type="com.example.hooked", registry=EventRegistry()):
            model_config = ConfigDict(arbitrary_types_allowed=True)
            callback: Callable[[int], int]

        with pytest.raises(SchemaError, match=r"Hooked \('com\.example\.hooked\.v1'\) has no"):
            event_schema(Hooked)

    def test_registry_schemas_cover_every_type(self) -> None:
        """registry_schemas has one schema per registered type."""
        assert registry.types() == list(registry_schemas(registry))


class TestAsyncApi:
    """The AsyncAPI 3.0 document passes the official schema and describes the streams."""

    def document(self) -> dict[str, Any]:
        return asyncapi_document(
            {"accounts": [AccountOpened], "payments": [PaymentTaken, AccountOpened]},
            title="Accounts",
            version="2.1.0",
            description="What the accounts service publishes.",
        )

    def test_valid_against_the_official_schema(self, asyncapi_meta_schema: dict[str, Any]) -> None:
        """No error from the AsyncAPI 3.0.0 JSON schema."""
        validator = jsonschema.Draft7Validator(asyncapi_meta_schema)
        assert [] == [error.message for error in validator.iter_errors(self.document())]

    @pytest.mark.parametrize(
        "breakage",
        [
            lambda d: d.update(asyncapi="3.0"),
            lambda d: d["channels"]["accounts"].update(address=5),
            lambda d: d["operations"]["send.accounts"].update(action="publish"),
            lambda d: d["info"].pop("version"),
        ],
    )
    def test_the_validator_catches_broken_documents(
        self, asyncapi_meta_schema: dict[str, Any], breakage: Any
    ) -> None:
        """The same validator refuses a broken document (so the check above can fail)."""
        document = self.document()
        breakage(document)
        assert list(jsonschema.Draft7Validator(asyncapi_meta_schema).iter_errors(document))

    def test_channels_messages_and_keys(self) -> None:
        """Streams are channels, types are messages; partition key and ordering are noted."""
        document = self.document()
        assert ["accounts", "payments"] == list(document["channels"])
        assert ["com.example.account.opened.v1", "com.example.payment.taken.v2"] == sorted(
            document["channels"]["payments"]["messages"]
        )
        message = document["components"]["messages"]["com.example.payment.taken.v2"]
        assert "field 'account_id'" == message["x-eventwire"]["partitionKey"]
        assert message["x-eventwire"]["ordered"] is True
        assert "SequenceNumberForOrdering" in message["description"]
        assert "send" == document["operations"]["send.payments"]["action"]

    @pytest.mark.parametrize("event", sample_events(), ids=lambda e: type(e).type)
    def test_message_payload_validates_records(self, event: Event) -> None:
        """Each payload, its $refs resolved from the document root, accepts a real record."""
        document = self.document()
        key = type(event).type
        root = {**document, "$ref": document["components"]["messages"][key]["payload"]["$ref"]}
        jsonschema.Draft7Validator(root).validate(_record(event))
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft7Validator(root).validate({**_record(event), "data": {}})

    def test_streams_by_type_prefix(self) -> None:
        """streams_for picks events by type prefix; a stream with none is an error."""
        chosen = streams_for(registry, {"pay": ["com.example.payment."], "all": []})
        assert [PaymentTaken] == chosen["pay"]
        assert 2 == len(chosen["all"])
        with pytest.raises(Exception, match="carries no registered event"):
            streams_for(registry, {"none": ["org.other."]})

    def test_definition_names_do_not_collide(self) -> None:
        """Two events with different models of one name keep both definitions."""
        private = EventRegistry()

        class Item(Event, event_type="a.item", registry=private):
            address: dict[str, int]

        from pydantic import BaseModel

        class Address(BaseModel):
            zip: int

        class Other(Event, event_type="a.other", registry=private):
            address: Address

        document = asyncapi_document({"s": [AccountOpened, Other, Item]})
        schemas = document["components"]["schemas"]
        assert {"Address", "Address_2"} <= set(schemas)
