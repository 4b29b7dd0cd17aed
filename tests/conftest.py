"""Shared fixtures: the official Ed-Fi specs from ../shared (when present) and parsed catalogs; the
databases (SQLite and PostgreSQL) of ``tests/support/db.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.factory import load_catalog
from runway.sandbox.spec import Catalog
from tests.support.db import backend, db_url, engine, fresh_url, migrated_url, session

__all__ = ["backend", "db_url", "engine", "fresh_url", "migrated_url", "session"]

SHARED = Path(__file__).resolve().parents[2] / "shared"
SPEC_DIR = SHARED / "edfi" / "spec"
DESCRIPTORS_DIR = SHARED / "edfi" / "descriptors"
BUNDLES_DIR = SHARED / "bundles"


def needs_shared(path: Path) -> None:
    """Skip the calling test when third-party data from ../shared is not beside the project."""
    if not path.exists():
        pytest.skip(f"{path} is not available (third-party data lives in ../shared)")


@pytest.fixture(scope="session")
def builtin_catalog() -> Catalog:
    """The built-in assessment-domain spec."""
    return load_catalog(SandboxConfig())


@pytest.fixture(scope="session")
def ds50_catalog() -> Catalog:
    """The official Data Standard 5.0 Resources and Descriptors specs."""
    needs_shared(SPEC_DIR)
    return load_catalog(SandboxConfig(spec_dir=SPEC_DIR, data_standard="5.0"))


@pytest.fixture(scope="session")
def ds40_catalog() -> Catalog:
    """The official Data Standard 4.0 Resources and Descriptors specs."""
    needs_shared(SPEC_DIR)
    return load_catalog(SandboxConfig(spec_dir=SPEC_DIR, data_standard="4.0"))
