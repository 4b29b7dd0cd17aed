"""Runway's settings: environment variables ``RUNWAY_<FIELD>`` (or a ``.env`` file in the working directory).

Every field has a default that works on one machine; ``docs/configuration.md`` documents each one. Settings
are read by each entry point (``get_settings()``), never at import time; tests build ``Settings(...)``
directly.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_BUNDLES_GIT_URL = "https://github.com/edanalytics/earthmover_edfi_bundles.git"
ENCRYPTION_KEY_BYTES = 32  # AES-256


class Settings(BaseSettings):
    """Configuration of the app, the CLI and the executor launcher.

    Paths are made absolute against the working directory when the settings are built, so child processes
    see the same files. ``database_url`` and ``storage_dir`` default to places inside ``data_dir``.
    Fields are declared in dependency order: a default computed from ``data_dir`` needs it declared first.

    Raises:
        pydantic.ValidationError: a value is malformed, or ``environment=production`` lacks a setting that
            only has a development fallback (``encryption_key``).
    """

    # hide_input_in_errors: a malformed key or database URL (with its password) must not land in a log.
    model_config = SettingsConfigDict(env_prefix="RUNWAY_", env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = Field(
        default_factory=lambda data: f"sqlite:///{_absolute(data.get('data_dir', 'data')) / 'runway.sqlite3'}"
    )
    encryption_key: SecretStr | None = None
    encryption_old_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    storage_dir: Path = Field(default_factory=lambda data: _absolute(data.get("data_dir", "data")) / "storage")
    bundles_dir: Path | None = None
    bundles_git_url: str = DEFAULT_BUNDLES_GIT_URL
    bundles_git_ref: str = "main"
    max_upload_bytes: int = Field(default=256 * 1024 * 1024, ge=1)
    base_url: str = "http://127.0.0.1:8000"
    signing_key: SecretStr | None = None
    signed_url_ttl_seconds: int = Field(default=900, ge=1)
    executor_url_ttl_seconds: int = Field(default=6 * 3600, ge=1)
    max_output_bytes: int = Field(default=4 * 1024 * 1024 * 1024, ge=1)
    max_concurrent_runs: int = Field(default=2, ge=1)
    executor_timeout_seconds: int = Field(default=3600, ge=1)
    executor_init_deadline_seconds: int = Field(default=900, ge=1)
    executor_silence_seconds: int = Field(default=3900, ge=1)
    reaper_interval_seconds: float = Field(default=60.0, gt=0)

    @field_validator("encryption_old_keys", mode="before")
    @classmethod
    def _split_old_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("signing_key")
    @classmethod
    def _check_signing_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. from: runway admin generate-key)")
        return value

    @field_validator("encryption_key", "encryption_old_keys")
    @classmethod
    def _check_keys(cls, value: SecretStr | list[SecretStr] | None) -> SecretStr | list[SecretStr] | None:
        for key in value if isinstance(value, list) else [value]:
            if key is not None:
                decode_key(key.get_secret_value())
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("data_dir", "storage_dir", "bundles_dir")
    @classmethod
    def _absolute_path(cls, value: Path | None) -> Path | None:
        return None if value is None else _absolute(value)

    @model_validator(mode="after")
    def _refuse_development_fallbacks_in_production(self) -> Settings:
        if self.environment == "production" and self.encryption_key is None:
            raise ValueError(
                "RUNWAY_ENCRYPTION_KEY is required when RUNWAY_ENVIRONMENT=production "
                "(generate one with: runway admin generate-key)"
            )
        return self

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def dev_key_file(self) -> Path:
        """Where development generates and keeps its encryption key when ``encryption_key`` is unset."""
        return self.data_dir / "encryption.key"


def _absolute(path: Path | str) -> Path:
    return Path(path).expanduser().resolve()


def decode_key(text: str) -> bytes:
    """The 32 raw bytes of an encryption key written as URL-safe base64 (44 characters, as generated).

    Raises:
        ValueError: not base64, or not 32 bytes once decoded. The message never contains the key.
    """
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("is not URL-safe base64 (generate one with: runway admin generate-key)") from None
    if len(raw) != ENCRYPTION_KEY_BYTES:
        raise ValueError(
            f"must decode to {ENCRYPTION_KEY_BYTES} bytes, not {len(raw)} "
            "(generate one with: runway admin generate-key)"
        )
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment and ``.env``; ``cache_clear()`` re-reads."""
    return Settings()
