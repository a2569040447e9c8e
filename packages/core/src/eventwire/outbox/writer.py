"""``Outbox``: writes encoded events into the caller's own database transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import SQLAlchemyError

from eventwire.errors import OutboxError
from eventwire.outbox.schema import BUCKETS, DEFAULT_TABLE, bucket_for, outbox_tables
from eventwire.plugins import get_plugin_manager
from eventwire.plugins import make_plugin_manager as _make_plugin_manager
from eventwire.preparation import EventPreparer
from eventwire.settings import PublisherSettings

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pluggy
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
    from sqlalchemy.orm import Session

    from eventwire.events import Event
    from eventwire.outbox.schema import OutboxTables
    from eventwire.publisher import Publisher
    from eventwire.records import Record

OUTBOX_BACKEND = "outbox"
"""The backend name the publish hooks see while the outbox encodes an event."""


class Outbox:
    """Encodes events with the publish hooks and inserts them as rows of the outbox table.

    ``add`` runs inside the caller's session or connection and never commits:
    the event row exists exactly when the caller's transaction commits.
    Thread-safe (it holds no connection).

    Args:
        publisher: encode as this publisher does (its hooks, source and size limit).
        table: the outbox table's name (the bucket table is ``<table>_buckets``).
        schema: the database schema holding both tables.
        stream: the stream the hooks are told about when no publisher is given.
        source: the CloudEvents ``source`` for events without one (no publisher given).
        max_record_size: bytes of data plus partition key allowed (no publisher given).
        plugins: plugins for this outbox only (no publisher given).
        plugin_manager: whose hooks run (no publisher given; default: the process-wide one).
    """

    def __init__(
        self,
        publisher: Publisher | None = None,
        *,
        table: str = DEFAULT_TABLE,
        schema: str | None = None,
        stream: str | None = None,
        source: str | None = None,
        max_record_size: int | None = None,
        plugins: Iterable[object] = (),
        plugin_manager: pluggy.PluginManager | None = None,
    ) -> None:
        self.tables: OutboxTables = outbox_tables(table, schema=schema)
        if publisher is not None:
            self.preparer = publisher.preparer
        else:
            plugins = tuple(plugins)
            if plugin_manager is None:
                plugin_manager = _make_plugin_manager(plugins) if plugins else get_plugin_manager()
            settings = PublisherSettings.resolve(
                stream=stream, source=source, max_record_size=max_record_size
            )
            self.preparer = EventPreparer(
                plugin_manager, settings, OUTBOX_BACKEND, settings.stream or ""
            )

    @property
    def table(self) -> str:
        """The outbox table's name."""
        return self.tables.events.name

    # -- schema -----------------------------------------------------------------------

    def create(self, bind: Engine | Connection) -> None:
        """Create both tables if missing and fill the bucket table (idempotent).

        Raises:
            OutboxError: the database refused (the cause says why).
        """
        try:
            if isinstance(bind, Engine):
                with bind.begin() as connection:
                    self._create(connection)
            else:
                self._create(bind)
        except SQLAlchemyError as exc:
            raise self._error("could not create the outbox tables", exc) from exc

    async def create_async(self, bind: AsyncEngine) -> None:
        """``create`` for an asyncio engine."""
        try:
            async with bind.begin() as connection:
                await connection.run_sync(self._create)
        except SQLAlchemyError as exc:
            raise self._error("could not create the outbox tables", exc) from exc

    def _create(self, connection: Connection) -> None:
        self.tables.metadata.create_all(connection)
        buckets = self.tables.buckets
        have = {row[0] for row in connection.execute(buckets.select())}
        missing = [{"bucket": bucket} for bucket in range(BUCKETS) if bucket not in have]
        if missing:
            connection.execute(insert(buckets), missing)

    # -- writing ----------------------------------------------------------------------

    def rows(self, events: Iterable[Event]) -> list[dict[str, Any]]:
        """The rows for ``events``, encoded with the publish hooks (nothing is written).

        Raises:
            InvalidEventError: an event breaks a limit; no row is built for any of them.
            PublishRejectedError: a plugin rejected an event.
        """
        preparer = self.preparer
        active = preparer.active()
        return [_row(preparer.prepare(event, active)[1]) for event in events]

    def add(self, session: Session | Connection, event: Event) -> None:
        """Insert ``event`` in the transaction of ``session``; it is sent once that commits.

        Raises:
            InvalidEventError: the event breaks a limit (nothing was written).
            PublishRejectedError: a plugin rejected the event.
            OutboxError: the database refused the row (the cause says why).
        """
        self.add_many(session, (event,))

    def add_many(self, session: Session | Connection, events: Iterable[Event]) -> None:
        """``add`` for several events, in order, with one statement."""
        rows = self.rows(events)
        if not rows:
            return
        try:
            session.execute(insert(self.tables.events), rows)
        except SQLAlchemyError as exc:
            raise self._error("could not write to the outbox", exc) from exc

    async def add_async(self, session: AsyncSession | AsyncConnection, event: Event) -> None:
        """``add`` for an asyncio session or connection."""
        await self.add_many_async(session, (event,))

    async def add_many_async(
        self, session: AsyncSession | AsyncConnection, events: Iterable[Event]
    ) -> None:
        """``add_many`` for an asyncio session or connection."""
        rows = self.rows(events)
        if not rows:
            return
        try:
            await session.execute(insert(self.tables.events), rows)
        except SQLAlchemyError as exc:
            raise self._error("could not write to the outbox", exc) from exc

    def _error(self, doing: str, exc: SQLAlchemyError) -> OutboxError:
        return database_error(
            f"{doing} (table {self.table!r})",
            self.table,
            exc,
            hint="; if the table is missing, create it with Outbox.create(engine) or the DDL "
            "from `python -m eventwire.outbox ddl`",
        )

    def __repr__(self) -> str:
        return f"<Outbox table={self.table!r}>"


def _row(record: Record) -> dict[str, Any]:
    return {
        "bucket": bucket_for(record.partition_key),
        "partition_key": record.partition_key,
        "explicit_hash_key": record.explicit_hash_key,
        "event_id": record.event_id,
        "event_type": record.event_type,
        "ordered": record.ordered,
        "data": record.data,
    }


def database_error(doing: str, table: str, exc: SQLAlchemyError, hint: str = "") -> OutboxError:
    """An ``OutboxError`` saying what failed, with the driver's first line of explanation."""
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return OutboxError(f"{doing}: {cause}{hint}", table=table)
