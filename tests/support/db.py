"""Database fixtures: every DB test runs on SQLite and on PostgreSQL.

* ``backend``: ``sqlite`` or ``postgresql`` (session-scoped parameter). PostgreSQL comes from
  ``RUNWAY_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://runway@127.0.0.1:5432/runway_test``; ``.ci/run``
  starts one). Unset, its tests are skipped locally, and fail in CI (``CI`` or
  ``RUNWAY_TEST_REQUIRE_POSTGRES`` set) so that PostgreSQL coverage can never silently vanish.
* ``migrated_url``: a database migrated with ``alembic upgrade head`` once per backend (which also tests the
  migrations); each PostgreSQL database is a schema of its own, chosen with ``search_path``.
* ``db_url`` / ``engine`` / ``session``: that database, emptied after each test, so tests may commit and
  CLI subprocesses may write to it.
* ``fresh_url``: an empty, unmigrated database for migration tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from runway import models
from runway.db import dispose_engines, get_engine, make_sessionmaker
from runway.migrations import upgrade

POSTGRES_ENV = "RUNWAY_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_required() -> bool:
    """Whether a missing PostgreSQL fails the run instead of skipping (CI)."""
    flags = (os.environ.get("CI", ""), os.environ.get("RUNWAY_TEST_REQUIRE_POSTGRES", ""))
    return any(flag.strip().lower() in {"1", "true", "yes"} for flag in flags)


def postgres_base_url() -> str:
    """``RUNWAY_TEST_POSTGRES_URL``, or skip (locally) / fail (CI) the calling test."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    reason = (
        f"PostgreSQL tests need {POSTGRES_ENV}=postgresql+psycopg://USER@HOST:PORT/DB "
        "(.ci/postgres start DIR prints one)"
    )
    if postgres_required():
        pytest.fail(f"{reason}; CI must run them", pytrace=False)
    pytest.skip(reason)


@contextmanager
def empty_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database, removed afterwards: a SQLite file in ``directory``, or a new
    schema in the PostgreSQL database of ``RUNWAY_TEST_POSTGRES_URL``.
    """
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'runway-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    base = make_url(postgres_base_url())
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        dispose_engines()  # close pooled connections into the schema before dropping it
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row of every Runway table (children first)."""
    with engine.begin() as connection:
        # ods_config and ods_connection refer to each other; cut that link first.
        connection.execute(update(models.OdsConfig).values(active_connection_id=None))
        for table in reversed(models.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``; the PostgreSQL case skips (locally) or fails (CI) when not configured."""
    name: str = request.param
    if name == "postgresql":
        postgres_base_url()
    return name


@pytest.fixture(scope="session")
def migrated_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of ``backend`` at the newest revision, shared by the session."""
    with empty_database(backend, tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        yield url


@pytest.fixture
def db_url(migrated_url: str) -> Iterator[str]:
    """The migrated database, emptied after the test."""
    yield migrated_url
    empty_tables(get_engine(migrated_url))


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database; the test commits (or not) as it likes."""
    with make_sessionmaker(engine)() as db_session:
        yield db_session
        db_session.rollback()


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``backend`` (no tables), removed after the test."""
    with empty_database(backend, tmp_path) as url:
        yield url
        dispose_engines()
