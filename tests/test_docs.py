"""The reference docs keep up with the code: every setting and every admin command is documented."""

from __future__ import annotations

from pathlib import Path

import click

from runway.admin.cli import admin
from runway.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_in_the_configuration_table() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"| `{name}` | `RUNWAY_{name.upper()}` |" not in text]
    assert missing == []


def test_every_admin_command_is_in_the_cli_reference() -> None:
    text = (DOCS / "cli.md").read_text()
    assert isinstance(admin, click.Group)
    missing = [name for name in admin.commands if f"`runway admin {name}" not in text]
    assert missing == []


def test_no_service_commits() -> None:
    services = sorted((Path(__file__).resolve().parents[1] / "src" / "runway").glob("*/service.py"))
    assert services
    assert [str(path) for path in services if ".commit(" in path.read_text()] == []
