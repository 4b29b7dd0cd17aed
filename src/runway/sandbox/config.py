"""Settings of one sandbox instance: where it listens, what it serves, who may call it.

Everything has a default, so ``runway sandbox serve`` needs no options. A YAML/JSON config file
(``--config``) can set any field, including several client key/secret pairs; command-line options win.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CLIENT_KEY = "runway-sandbox"
DEFAULT_CLIENT_SECRET = "runway-sandbox-secret"


class Client(BaseModel):
    """An API client: OAuth2 client-credentials key and secret."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1)
    secret: str = Field(min_length=1)


class SandboxConfig(BaseModel):
    """One sandbox's settings (see ``docs/sandbox.md`` for each field)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    db: Path | None = None
    spec_dir: Path | None = None
    data_standard: str | None = None
    descriptors_dir: Path | None = None
    prefix: str = ""
    layout: Literal["single", "year", "context"] = "single"
    school_years: list[int] = Field(default_factory=list)
    profile: Literal["ods7", "ods5"] = "ods7"
    clients: list[Client] = Field(
        default_factory=lambda: [Client(key=DEFAULT_CLIENT_KEY, secret=DEFAULT_CLIENT_SECRET)]
    )
    token_lifetime: int = Field(default=1800, ge=1)
    max_body_bytes: int = Field(default=5_000_000, ge=1024)
    strict_params: bool = False
    test_hooks: bool = False
    request_log_size: int = Field(default=10_000, ge=0)

    @field_validator("clients")
    @classmethod
    def _check_clients(cls, value: list[Client]) -> list[Client]:
        if not value:
            raise ValueError("at least one client (key and secret) is needed")
        keys = [c.key for c in value]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"client key(s) {', '.join(duplicates)} appear more than once")
        return value

    @field_validator("prefix")
    @classmethod
    def _normalize_prefix(cls, value: str) -> str:
        value = value.strip().strip("/")
        return f"/{value}" if value else ""

    @field_validator("school_years")
    @classmethod
    def _check_years(cls, value: list[int]) -> list[int]:
        for year in value:
            if not 1991 <= year <= 2050:
                raise ValueError(f"school year {year} is not a spring year from 1991 to 2050, such as 2026")
        return value


def one_line(error: yaml.YAMLError) -> str:
    """A YAML error as one line: the problem and where (``line 3, column 7``)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


class ConfigFileError(ValueError):
    """A config file that cannot be read or does not match ``SandboxConfig``."""


def load_config_file(path: Path) -> dict[str, object]:
    """Read a YAML/JSON config file into a dict of ``SandboxConfig`` fields, checked.

    Raises ``ConfigFileError`` naming the file and the offending field.
    """
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigFileError(f"Cannot read config file {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError:
        raise ConfigFileError(f"Config file {path} is not UTF-8 text; save it as UTF-8 and try again.") from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"Config file {path} is not valid YAML: {one_line(exc)}") from exc
    if not isinstance(loaded, dict):
        raise ConfigFileError(f"Config file {path} must hold a mapping of settings, e.g. 'port: 8765'.")
    try:
        SandboxConfig(**loaded)
    except ValidationError as exc:
        raise ConfigFileError(f"Config file {path} has invalid settings: {describe_validation(exc)}") from exc
    return loaded


def describe_validation(error: ValidationError) -> str:
    """Pydantic errors as one line: ``field: problem; field: problem``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
        for e in error.errors()
    )
