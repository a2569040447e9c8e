"""``GlueSchemaRegistryClient``: eventwire's schema-registry contract on boto3's Glue client.

Every botocore error becomes a ``SchemaRegistryError`` here (``raise ... from``),
carrying the AWS error code, so no botocore type reaches eventwire's callers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from eventwire import ConfigurationError, SchemaRegistryError
from eventwire.schema import SchemaVersion

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

DEFAULT_REGISTRY = "default-registry"
"""The registry Glue creates for an account on first use."""

_NOT_FOUND = "EntityNotFoundException"
_ALREADY_EXISTS = "AlreadyExistsException"


def glue_client(
    region: str | None = None,
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
) -> GlueClient:
    """A boto3 Glue client with timeouts and botocore's ``standard`` retries.

    The registry is asked only on a cache miss (first use of a type or schema
    version), so botocore's retries are the only retry layer for these calls.
    """
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout, read_timeout=read_timeout, retries={"mode": "standard"}
    )
    return boto3.session.Session().client(
        "glue", region_name=region, endpoint_url=endpoint_url, config=config
    )


class GlueSchemaRegistryClient:
    """Registers and fetches JSON schema versions in an AWS Glue Schema Registry.

    Args:
        glue: a boto3 Glue client (default: ``glue_client(region, endpoint_url=...)``).
        registry_name: the Glue registry holding eventwire's schemas.
        region: the AWS region, when this builds the client.
        endpoint_url: a Glue endpoint, when this builds the client.
        max_wait: seconds to wait for a new version to leave ``PENDING``.
        poll_interval: seconds between those checks.
        sleep: how to wait (injectable for tests).
    """

    def __init__(
        self,
        glue: GlueClient | None = None,
        *,
        registry_name: str = DEFAULT_REGISTRY,
        region: str | None = None,
        endpoint_url: str | None = None,
        max_wait: float = 30.0,
        poll_interval: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        for name, value in (("max_wait", max_wait), ("poll_interval", poll_interval)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigurationError(f"{name}={value!r} must be a positive number of seconds")
        self.glue = glue if glue is not None else glue_client(region, endpoint_url=endpoint_url)
        self.registry_name = registry_name
        self.max_wait = max_wait
        self.poll_interval = poll_interval
        self._sleep = sleep

    def register_schema(self, name: str, definition: str, *, compatibility: str) -> UUID:
        """The version id of ``definition`` under ``name``: found, added, or a new schema."""
        schema_id = {"RegistryName": self.registry_name, "SchemaName": name}
        try:
            found = self._call(
                "GetSchemaByDefinition",
                self.glue.get_schema_by_definition,
                SchemaId=schema_id,
                SchemaDefinition=definition,
            )
            return self._available(name, found["SchemaVersionId"], found.get("Status"))
        except SchemaRegistryError as exc:
            if exc.code != _NOT_FOUND:
                raise
        try:
            return self._add_version(schema_id, definition)
        except SchemaRegistryError as exc:
            if exc.code != _NOT_FOUND:
                raise
        try:
            created = self._call(
                "CreateSchema",
                self.glue.create_schema,
                RegistryId={"RegistryName": self.registry_name},
                SchemaName=name,
                DataFormat="JSON",
                Compatibility=compatibility,
                SchemaDefinition=definition,
            )
        except SchemaRegistryError as exc:
            if exc.code != _ALREADY_EXISTS:
                raise
            # Another writer created the schema between our calls: add to it instead.
            return self._add_version(schema_id, definition)
        return self._available(name, created["SchemaVersionId"], created.get("SchemaVersionStatus"))

    def _add_version(self, schema_id: dict[str, str], definition: str) -> UUID:
        added = self._call(
            "RegisterSchemaVersion",
            self.glue.register_schema_version,
            SchemaId=schema_id,
            SchemaDefinition=definition,
        )
        return self._available(
            schema_id["SchemaName"], added["SchemaVersionId"], added.get("Status")
        )

    def get_schema_version(self, version_id: UUID) -> SchemaVersion:
        """The stored schema version ``version_id``."""
        found = self._call(
            "GetSchemaVersion", self.glue.get_schema_version, SchemaVersionId=str(version_id)
        )
        return SchemaVersion(
            version_id=UUID(found["SchemaVersionId"]),
            schema_name=found.get("SchemaArn", "").rpartition("/")[2],
            definition=found["SchemaDefinition"],
            data_format=found.get("DataFormat", ""),
        )

    def _available(self, name: str, version_id: str, status: str | None) -> UUID:
        # Bounded in time and in requests (the sleep is injectable, the clock is not).
        deadline = time.monotonic() + self.max_wait
        polls = max(1, math.ceil(self.max_wait / self.poll_interval))
        while status == "PENDING":
            polls -= 1
            if polls < 0 or time.monotonic() >= deadline:
                raise SchemaRegistryError(
                    f"schema {name!r} version {version_id} was still PENDING after "
                    f"{self.max_wait}s; Glue is checking its compatibility, try again later",
                    code="Pending",
                )
            self._sleep(self.poll_interval)
            found = self._call(
                "GetSchemaVersion", self.glue.get_schema_version, SchemaVersionId=version_id
            )
            status = found.get("Status")
        if status == "FAILURE":
            raise SchemaRegistryError(
                f"Glue refused the new version of schema {name!r} in registry "
                f"{self.registry_name!r} (status FAILURE): it is not compatible with the "
                "versions before it under the schema's compatibility mode",
                code="IncompatibleSchema",
            )
        return UUID(version_id)

    def _call(self, operation: str, method: Callable[..., Any], **params: Any) -> Any:
        try:
            return method(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code")
            raise SchemaRegistryError(
                f"Glue Schema Registry {operation} failed in registry {self.registry_name!r}: "
                f"{code}: {error.get('Message', exc)}",
                code=code,
            ) from exc
        except BotoCoreError as exc:
            raise SchemaRegistryError(
                f"Glue Schema Registry {operation} failed: {exc}", code=type(exc).__name__
            ) from exc
