"""Migrations: an empty database upgrades to head, matches the models exactly, and downgrades cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from pydantic import SecretStr
from sqlalchemy import inspect

from runway import models
from runway.db import get_engine
from runway.migrations import (
    SchemaError,
    alembic_config,
    current_revision,
    ensure_schema,
    head_revision,
    migration_connection,
    upgrade,
)
from runway.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def check(url: str) -> None:
    """``alembic check``: raises when the models and the migrated database differ."""
    config = alembic_config()
    with migration_connection(url) as connection:
        config.attributes["connection"] = connection
        command.check(config)


def test_upgrade_creates_every_table_and_matches_the_models(fresh_url: str) -> None:
    engine = get_engine(fresh_url)
    assert current_revision(engine) is None
    upgrade(fresh_url)
    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) == {*models.metadata.tables, "alembic_version"}
    check(fresh_url)


def test_upgrading_again_changes_nothing(migrated_url: str) -> None:
    upgrade(migrated_url)
    assert current_revision(get_engine(migrated_url)) == head_revision()


def test_downgrade_to_base_and_back(fresh_url: str) -> None:
    upgrade(fresh_url)
    config = alembic_config()
    with migration_connection(fresh_url) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(get_engine(fresh_url)).get_table_names()) <= {"alembic_version"}
    upgrade(fresh_url)
    check(fresh_url)


def test_the_active_connection_key_exists(migrated_url: str) -> None:
    keys = inspect(get_engine(migrated_url)).get_foreign_keys("ods_config")
    assert {"fk_ods_config_active_connection_id"} <= {key["name"] for key in keys}


def test_constraint_names_fit_postgresql() -> None:
    names = [
        str(name)
        for table in models.metadata.tables.values()
        for name in [*(c.name for c in table.constraints), *(i.name for i in table.indexes)]
        if name is not None
    ]
    assert names
    assert [name for name in names if len(name) > 63] == []


def test_development_creates_the_schema_on_first_use(fresh_url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_url)  # type: ignore[call-arg]
    ensure_schema(settings)
    assert current_revision(get_engine(fresh_url)) == head_revision()


def test_production_refuses_an_outdated_schema(fresh_url: str, tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="production",
        encryption_key=SecretStr("A" * 43 + "="),
        data_dir=tmp_path,
        database_url=fresh_url,
    )
    with pytest.raises(SchemaError, match="runway admin migrate"):
        ensure_schema(settings)
    upgrade(fresh_url)
    ensure_schema(settings)


def test_the_alembic_command_line_reads_the_url_from_the_settings(migrated_url: str) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "alembic"), "check"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "RUNWAY_DATABASE_URL": migrated_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr
