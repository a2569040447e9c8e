"""The transactional outbox: events written in the caller's transaction, relayed to the stream.

Needs the ``outbox`` extra (``pip install eventwire-core[outbox]``): SQLAlchemy 2.
"""

from __future__ import annotations

try:
    import sqlalchemy  # noqa: F401  # only to say what is missing, before the imports below
except ModuleNotFoundError as exc:
    raise ModuleNotFoundError(
        "the transactional outbox needs SQLAlchemy 2: pip install 'eventwire-core[outbox]'",
        name=exc.name,
    ) from exc

from eventwire.outbox.aio import AsyncOutboxRelay
from eventwire.outbox.claims import RelayStats
from eventwire.outbox.relay import OutboxRelay, revive_dead
from eventwire.outbox.schema import BUCKETS, DEFAULT_TABLE, OutboxTables, bucket_for, outbox_tables
from eventwire.outbox.writer import Outbox

__all__ = [
    "BUCKETS",
    "DEFAULT_TABLE",
    "AsyncOutboxRelay",
    "Outbox",
    "OutboxRelay",
    "OutboxTables",
    "RelayStats",
    "bucket_for",
    "outbox_tables",
    "revive_dead",
]
