"""Settings: defaults that work on one machine, RUNWAY_ environment variables, production refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from runway.crypto import generate_key
from runway.settings import Settings, get_settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("RUNWAY_"):
            monkeypatch.delenv(name)


def test_defaults_live_in_the_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = make()
    assert settings.environment == "development"
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'runway.sqlite3'}"
    assert settings.storage_dir == tmp_path / "data" / "storage"
    assert settings.dev_key_file == tmp_path / "data" / "encryption.key"
    assert settings.bundles_dir is None
    assert settings.bundles_git_url.endswith("earthmover_edfi_bundles.git")
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.max_upload_bytes == 256 * 1024 * 1024


def test_environment_variables_with_the_runway_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = [generate_key(), generate_key()]
    monkeypatch.setenv("RUNWAY_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("RUNWAY_DATABASE_URL", "postgresql+psycopg://runway@db/runway")
    monkeypatch.setenv("RUNWAY_ENCRYPTION_OLD_KEYS", f" {old[0]} ,{old[1]},")
    monkeypatch.setenv("RUNWAY_BASE_URL", "https://runway.example.org/")
    monkeypatch.setenv("RUNWAY_MAX_UPLOAD_BYTES", "1000")
    settings = make()
    assert settings.database_url == "postgresql+psycopg://runway@db/runway"
    assert settings.storage_dir == tmp_path / "elsewhere" / "storage"
    assert [key.get_secret_value() for key in settings.encryption_old_keys] == old
    assert settings.base_url == "https://runway.example.org"
    assert settings.max_upload_bytes == 1000


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("RUNWAY_BUNDLES_GIT_REF=development\n")
    assert Settings().bundles_git_ref == "development"


def test_production_refuses_a_missing_encryption_key() -> None:
    with pytest.raises(ValidationError, match="RUNWAY_ENCRYPTION_KEY is required"):
        make(environment="production")
    assert make(environment="production", encryption_key=generate_key()).environment == "production"


@pytest.mark.parametrize("key", ["short", "!" * 44, "QUFB"])
def test_malformed_keys_are_refused_without_echoing_them(key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make(encryption_key=key)
    assert "generate-key" in str(caught.value)
    assert f"'{key}'" not in str(caught.value)


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValidationError, match="http"):
        make(base_url="runway.example.org")


def test_get_settings_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    try:
        first = get_settings()
        monkeypatch.setenv("RUNWAY_BUNDLES_GIT_REF", "other")
        assert get_settings() is first
        get_settings.cache_clear()
        assert get_settings().bundles_git_ref == "other"
    finally:
        get_settings.cache_clear()
