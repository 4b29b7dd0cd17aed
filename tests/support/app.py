"""The real app, served in-process (Starlette's TestClient drives the ASGI app over httpx), on the test
database of ``tests/support/db.py`` (SQLite and PostgreSQL) and a temporary storage folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from runway.app import create_app
from runway.settings import Settings
from runway.storage.local import LocalStorage
from tests.support.factories import TEST_KEYRING

BASE_URL = "http://testserver"
TEST_ENCRYPTION_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # bytes(range(32)), as TEST_KEYRING


def app_settings(db_url: str, tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a test app: the test database, storage and data under ``tmp_path``, the test keyring."""
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "database_url": db_url,
        "storage_dir": tmp_path / "storage",
        "encryption_key": SecretStr(TEST_ENCRYPTION_KEY),
        "base_url": BASE_URL,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    assert TEST_KEYRING.current == bytes(range(32))
    return app_settings(db_url, tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client of the app with its lifespan run (schema ensured at startup)."""
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def storage(app: FastAPI) -> LocalStorage:
    local: LocalStorage = app.state.storage
    return local
