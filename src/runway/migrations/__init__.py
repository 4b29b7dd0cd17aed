"""Schema migrations (Alembic; revisions in ``versions/``): upgrade, inspect, and the first-use upgrade.

Migrations run in one transaction with a lock, so concurrent upgrades wait for each other: on PostgreSQL
an advisory lock, on SQLite ``BEGIN IMMEDIATE``. On SQLite foreign keys are off while migrating (batch
mode rebuilds tables, and dropping a parent table would otherwise cascade into its children) and checked
with ``PRAGMA foreign_key_check`` before commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url

from runway.db import get_engine
from runway.settings import Settings

_PG_LOCK_KEY = 0x52554E57  # "RUNW": the advisory lock all Runway migrations take


class SchemaError(Exception):
    """The database schema is not what this version of Runway needs, and it may not upgrade it itself."""


def alembic_config() -> Config:
    """An Alembic config for Runway's migrations, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", "runway:migrations")
    return config


def head_revision() -> str:
    """The newest revision this version of Runway ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the initial revision always exists
        raise SchemaError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for a database Runway has never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def migration_connection(url: str) -> Iterator[Connection]:
    """A connection in a locked transaction for migrating ``url``; commits when the block ends normally.

    Raises:
        SchemaError: (SQLite) the migrated data violates a foreign key; nothing is committed.
    """
    engine = _migration_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            yield connection
            if connection.dialect.name == "sqlite":
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise SchemaError(f"migration left rows with dangling foreign keys: {problems[:5]}")
    finally:
        engine.dispose()


def _migration_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed)
    engine = create_engine(parsed, connect_args={"timeout": 30})

    # pysqlite starts transactions lazily and never around DDL; take over so a migration is all or nothing.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: the newest)."""
    config = alembic_config()
    with migration_connection(url) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_schema(settings: Settings) -> None:
    """Make sure the database is at the newest revision before the app or the CLI uses it.

    In development the database is created or upgraded on the spot. In production migrations are a
    deliberate step (``runway admin migrate``), so an outdated schema is an error.

    Raises:
        SchemaError: production, and the database is not at the newest revision.
    """
    head = head_revision()
    current = current_revision(get_engine(settings.database_url))
    if current == head:
        return
    if settings.is_development:
        upgrade(settings.database_url)
        return
    state = "has no Runway schema" if current is None else f"is at revision {current}"
    raise SchemaError(f"The database {state}; this version needs {head}. Run: runway admin migrate")
