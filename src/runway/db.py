"""The database: engines, sessions, the declarative ``Base`` and the audit columns.

* Engines come from a URL (``Settings.database_url``): SQLite (the default, a file in the data directory)
  or PostgreSQL (``postgresql+psycopg://…``). SQLite connections get ``foreign_keys=ON`` and WAL.
* ``Base`` names every constraint and index by convention, so Alembic migrations name them the same on
  every database and every autogenerate run.
* ``AuditMixin`` adds ``created_by_id/created_on/modified_by_id/modified_on``. The original app filled them
  with database triggers reading ``app.current_user_id`` (runway-app.md §1.1); here a session hook reads the
  ``acting_user_id`` context variable, so whatever a caller put in those attributes is overwritten.
* Services take a ``Session`` and never commit; the edge (route, CLI command, executor step) owns the
  transaction, e.g. with ``session_scope()``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, ForeignKey, MetaData, create_engine, event, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, sessionmaker
from sqlalchemy.types import Enum as SAEnum
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

acting_user_id: ContextVar[int | None] = ContextVar("acting_user_id", default=None)
"""Id of the user on whose behalf the current code writes (None: the app itself, an API client, the CLI)."""


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (UTC), on SQLite as on PostgreSQL.

    Raises:
        ValueError: on binding a naive datetime (its time zone would be a guess).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware one (db.utc_now())")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_class: type[StrEnum], name: str) -> SAEnum:
    """Column type for a ``StrEnum``: its values stored as VARCHAR(32) with a CHECK constraint named
    ``ck_<table>_<name>`` (portable, and adding a value is a plain migration; no native PostgreSQL enum).
    """
    return SAEnum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


JsonDocument = JSON().with_variant(JSONB(), "postgresql")
"""JSON column type: ``jsonb`` on PostgreSQL (comparable, so usable in keys), JSON text on SQLite."""


class Base(DeclarativeBase):
    """Declarative base of every Runway table; constraint names follow ``NAMING_CONVENTION``."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _audit_user_fk(*, on_update: bool) -> Mapped[int | None]:
    return mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"),
        default=acting_user_id.get,
        onupdate=acting_user_id.get if on_update else None,
    )


class AuditMixin:
    """Who created and last modified a row, and when; filled on every flush from ``acting_user_id``.

    ``created_*`` is set on insert; ``modified_*`` on insert and on every update. Column defaults read the
    same context variable, so Core and bulk statements are covered too; the server defaults only matter for
    rows written outside SQLAlchemy (e.g. SQL scripts).
    """

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return _audit_user_fk(on_update=False)

    @declared_attr
    def modified_by_id(cls) -> Mapped[int | None]:
        return _audit_user_fk(on_update=True)

    created_on: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, server_default=func.now())
    modified_on: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utc_now, onupdate=utc_now, server_default=func.now()
    )


@event.listens_for(Session, "before_flush")
def _fill_audit_columns(session: Session, _context: Any, _instances: Any) -> None:
    user_id = acting_user_id.get()
    now = utc_now()
    for obj in session.new:
        if isinstance(obj, AuditMixin):
            obj.created_by_id = obj.modified_by_id = user_id
            obj.created_on = obj.modified_on = now
    for obj in session.dirty:
        if isinstance(obj, AuditMixin) and session.is_modified(obj, include_collections=False):
            obj.modified_by_id = user_id
            obj.modified_on = now


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute writes inside the block to ``user_id`` (None: no user) in the audit columns."""
    token = acting_user_id.set(user_id)
    try:
        yield
    finally:
        acting_user_id.reset(token)


def _dumps(value: Any) -> str:
    # Sorted keys: equal JSON documents are equal text on SQLite, where a JSON column can be part of a key.
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """A new engine for ``url``. A SQLite file's directory is created if missing; SQLite connections get
    ``PRAGMA foreign_keys=ON`` and ``journal_mode=WAL`` (file databases only) and a 30 s busy timeout.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "json_serializer": _dumps}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """The process-wide engine for ``url`` (one connection pool per database URL), made on first use."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close the pooled connections of every engine ``get_engine`` made and forget them (shutdown, tests)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit (``expire_on_commit=False``).

    Registers every model first: the audit columns of any table refer to ``user``, so a flush needs all
    tables mapped even when the caller imported only one domain's models.
    """
    import runway.models  # noqa: F401  (a function-level import: runway.models imports this module)

    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commits when the block ends normally, rolls back (and re-raises) on an exception."""
    with make_sessionmaker(engine).begin() as session:
        yield session
