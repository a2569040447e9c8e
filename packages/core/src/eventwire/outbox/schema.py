"""The outbox's two tables: the event rows and the bucket rows relays claim."""

from __future__ import annotations

import zlib
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.schema import CreateIndex, CreateTable

from eventwire.errors import ConfigurationError

DEFAULT_TABLE = "eventwire_outbox"
"""The name of the event table unless the caller picks another."""

BUCKETS = 64
"""Partition keys hash into this many buckets; a relay owns a bucket while it publishes it.

Fixed rather than configurable: a writer and a relay that disagreed would leave
rows in buckets nobody claims.
"""


class OutboxTables(NamedTuple):
    """The outbox's tables, bound to one ``MetaData`` (hand it to Alembic for migrations)."""

    metadata: MetaData
    events: Table
    buckets: Table

    def ddl(self, dialect_name: str) -> str:
        """The ``CREATE`` statements for ``dialect_name`` (a migration snippet), bucket rows too."""
        from sqlalchemy.dialects import postgresql, sqlite

        dialects = {"postgresql": postgresql.dialect, "sqlite": sqlite.dialect}
        if dialect_name not in dialects:
            raise ConfigurationError(
                f"no DDL for dialect {dialect_name!r}; choose one of {sorted(dialects)}"
            )
        dialect = dialects[dialect_name]()
        statements = [str(CreateTable(self.events).compile(dialect=dialect)).strip()]
        statements.extend(
            str(CreateIndex(index).compile(dialect=dialect)) for index in self.events.indexes
        )
        statements.append(str(CreateTable(self.buckets).compile(dialect=dialect)).strip())
        values = ", ".join(f"({bucket})" for bucket in range(BUCKETS))
        statements.append(f"INSERT INTO {self.buckets.name} (bucket) VALUES {values}")
        return ";\n\n".join(statements) + ";\n"


def outbox_tables(name: str = DEFAULT_TABLE, *, schema: str | None = None) -> OutboxTables:
    """Define the event table ``name`` and its bucket table ``<name>_buckets``."""
    if not name.isidentifier():
        raise ConfigurationError(f"outbox table name {name!r} must be a plain SQL identifier")
    metadata = MetaData(schema=schema)
    events = Table(
        name,
        metadata,
        # SQLite only auto-increments an INTEGER PRIMARY KEY.
        Column(
            "id",
            BigInteger().with_variant(Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        Column("bucket", SmallInteger, nullable=False),
        Column("partition_key", String(256), nullable=False),
        Column("explicit_hash_key", String(39), nullable=True),
        Column("event_id", String(256), nullable=False),
        Column("event_type", String(256), nullable=False),
        Column("ordered", Boolean, nullable=False),
        Column("data", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # Relays bump this before publishing a row: a row seen again with attempts > 0
        # was in flight when a relay died, and may be a duplicate on the stream.
        Column("attempts", Integer, nullable=False, server_default="0"),
        # Set when the row failed for good (a dead letter): relays skip it.
        Column("error", Text, nullable=True),
    )
    Index(f"{name}_bucket_id", events.c.bucket, events.c.id)
    buckets = Table(
        f"{name}_buckets",
        metadata,
        Column("bucket", SmallInteger, primary_key=True, autoincrement=False),
    )
    return OutboxTables(metadata, events, buckets)


def bucket_for(partition_key: str) -> int:
    """The bucket of ``partition_key``: stable across processes and versions (CRC-32)."""
    return zlib.crc32(partition_key.encode()) % BUCKETS
