"""Alembic environment: Runway's metadata, and the database from the Runway settings.

A caller may hand over an open connection in ``config.attributes["connection"]`` (``runway.migrations``
does); otherwise the database is ``Settings.database_url``, reached through ``migration_connection``.
Migrations render in batch mode so that they work on SQLite, whose ALTER TABLE is limited.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from runway import models
from runway.db import UtcDateTime
from runway.migrations import migration_connection
from runway.settings import get_settings

config = context.config
if config.config_file_name is not None:  # the alembic command line: log as alembic.ini says
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import application types: UtcDateTime is rendered as its storage type.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=models.metadata,
        render_as_batch=True,
        render_item=_render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a new one to the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with migration_connection(get_settings().database_url) as new_connection:
        _run(new_connection)


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against a database.")
run_migrations_online()
