"""``runway admin …``: the commands in-process (CliRunner) and, for error output, as subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.cli import main
from runway.crypto import Keyring, generate_key
from runway.migrations import head_revision
from runway.ods.models import OdsConfig
from runway.school_year.models import SchoolYear, SchoolYearConfig
from runway.settings import decode_key, get_settings
from runway.user.models import User, UserTenant

Invoke = Callable[..., Result]


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment the commands run with: the test database and a fresh encryption key."""
    values = {
        "RUNWAY_DATABASE_URL": db_url,
        "RUNWAY_DATA_DIR": str(tmp_path / "data"),
        "RUNWAY_ENCRYPTION_KEY": generate_key(),
    }
    for name in [name for name in os.environ if name.startswith("RUNWAY_") and name != "RUNWAY_TEST_POSTGRES_URL"]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


@pytest.fixture
def admin(env: dict[str, str]) -> Invoke:
    """``runway admin ARGS`` in-process, in the environment ``env`` set up (tests may change it further)."""
    del env  # only its environment variables are needed

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, ["admin", *args], input=input)

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.strip()


def one_line_error(result: Result, *fragments: str) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def setup_tenant(admin: Invoke) -> None:
    ok(admin("create-partner", "ea", "Education Analytics"))
    ok(admin("create-tenant", "ea", "255901"))
    ok(admin("seed-school-years", "--from", "2024", "--to", "2026"))


def test_a_partner_set_up_from_scratch(admin: Invoke, session: Session, env: dict[str, str]) -> None:
    assert ok(admin("create-partner", "ea", "Education Analytics", "--descriptor-namespace", "uri://ea.org")) == (
        "Created partner ea (Education Analytics)."
    )
    assert ok(admin("create-tenant", "ea", "255901")) == "Created tenant ea/255901."
    assert ok(admin("create-user", "ea", "255901", "Jo@Example.org", "--given-name", "Jo", "--family-name", "Doe"))
    assert ok(admin("seed-school-years")) == "Added 21 school year(s); 1516…3536 now all exist."
    assert ok(admin("set-year-config", "ea", "2526", "--enabled", "--no-send-to-ods")) == (
        "Partner ea, school year 2526: enabled, does not send to ODS."
    )
    assert ok(admin("enable-bundle", "ea", "assessments/ACT")) == "Enabled assessments/ACT for partner ea."
    ods_args = ["add-ods-config", "ea", "255901", "2526", "--host", "https://api.example.org/", "--client-id", "key"]
    out = ok(admin(*ods_args, "--client-secret", "s3cret-value"))
    assert out.startswith("Added ODS config ")
    assert "https://api.example.org " in out
    assert "s3cret-value" not in out

    user = session.scalars(select(User)).one()
    assert (user.email, user.given_name) == ("jo@example.org", "Jo")
    assert session.scalars(select(UserTenant)).one().tenant_code == "255901"
    year = session.get_one(SchoolYear, "2526")
    assert (year.start_year, year.end_year) == (2025, 2026)
    config = session.get_one(SchoolYearConfig, ("ea", "2526"))
    assert (config.is_enabled, config.send_to_ods) == (True, False)
    ods = session.scalars(select(OdsConfig)).one()
    assert ods.active_connection is not None
    keyring = Keyring(decode_key(env["RUNWAY_ENCRYPTION_KEY"]))
    assert keyring.decrypt(ods.active_connection.client_secret_encrypted) == "s3cret-value"


def test_running_commands_again_changes_nothing(admin: Invoke) -> None:
    setup_tenant(admin)
    ok(admin("create-user", "ea", "255901", "jo@example.org", "--given-name", "Jo", "--family-name", "Doe"))
    ok(admin("enable-bundle", "ea", "assessments/ACT"))
    assert (
        ok(admin("create-partner", "ea", "Education Analytics")) == "Already exists: partner ea (Education Analytics)."
    )
    assert ok(admin("create-tenant", "ea", "255901")) == "Already exists: tenant ea/255901."
    assert ok(admin("create-user", "ea", "255901", "jo@example.org", "--given-name", "Jo", "--family-name", "Doe"))
    assert ok(admin("seed-school-years", "--from", "2024", "--to", "2026")).startswith("Added 0 school year(s)")
    assert ok(admin("enable-bundle", "ea", "assessments/ACT")).startswith("Already enabled:")
    assert ok(admin("disable-bundle", "ea", "assessments/ACT")).startswith("Disabled")
    assert ok(admin("disable-bundle", "ea", "assessments/ACT")).startswith("Was not enabled:")


def test_an_existing_user_joins_another_tenant(admin: Invoke) -> None:
    setup_tenant(admin)
    ok(admin("create-tenant", "ea", "100"))
    ok(admin("create-user", "ea", "255901", "jo@example.org", "--given-name", "Jo", "--family-name", "Doe"))
    out = ok(admin("create-user", "ea", "100", "jo@example.org", "--given-name", "Jo", "--family-name", "Doe"))
    assert out.startswith("Added existing user jo@example.org")
    assert out.endswith("to tenant ea/100.")


def test_one_active_ods_config_per_tenant_and_year(admin: Invoke, session: Session) -> None:
    setup_tenant(admin)
    args = ["add-ods-config", "ea", "255901", "2526", "--host", "https://a.example.org", "--client-id", "k"]
    ok(admin(*args, "--client-secret", "one"))
    one_line_error(admin(*args, "--client-secret", "two"), "already has an active ODS config for 2526", "--replace")
    out = ok(admin(*args, "--replace", input="three\n"))
    assert out.startswith("Replaced the credentials of ODS config")
    assert "three" not in out
    config = session.scalars(select(OdsConfig)).one()
    assert [c.retired for c in config.connections] == [True, False]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["create-tenant", "zz", "1"], ["Partner 'zz' does not exist", "runway admin create-partner"]),
        (["create-partner", "a/b", "X"], ["partner id 'a/b' is not valid"]),
        (["create-partner", "ea", "Other name"], ["already exists with name 'Education Analytics'"]),
        (["create-user", "ea", "9", "x@y.org", "--given-name", "A", "--family-name", "B"], ["create-tenant ea 9"]),
        (["create-user", "ea", "255901", "nope", "--given-name", "A", "--family-name", "B"], ["not an e-mail"]),
        (["set-year-config", "ea", "2026", "--enabled"], ["School year '2026' does not exist", "2526"]),
        (["seed-school-years", "--from", "1990"], ["between 2000 and 2098"]),
        (["enable-bundle", "ea", "../etc"], ["not a bundle key"]),
        (
            ["add-ods-config", "ea", "255901", "2526", "--host", "x", "--client-id", "k", "--client-secret", "s"],
            ["http"],
        ),
    ],
)
def test_mistakes_are_one_line_errors(admin: Invoke, args: list[str], fragments: list[str]) -> None:
    setup_tenant(admin)
    one_line_error(admin(*args), *fragments)


def test_enable_bundle_checks_a_configured_checkout(
    admin: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_tenant(admin)
    (tmp_path / "bundles" / "assessments" / "ACT").mkdir(parents=True)
    (tmp_path / "bundles" / "assessments" / "ACT" / "earthmover.yaml").write_text("version: 2\n")
    monkeypatch.setenv("RUNWAY_BUNDLES_DIR", str(tmp_path / "bundles"))
    get_settings.cache_clear()
    ok(admin("enable-bundle", "ea", "assessments/ACT"))
    one_line_error(admin("enable-bundle", "ea", "assessments/NOPE"), "not in the bundles checkout")


def test_migrate_and_generate_key(admin: Invoke) -> None:
    assert ok(admin("migrate")).startswith(f"Database already at revision {head_revision()}")
    key = ok(admin("generate-key"))
    assert len(decode_key(key)) == 32


def test_rotating_the_encryption_key(admin: Invoke, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    setup_tenant(admin)
    ok(admin("add-ods-config", "ea", "255901", "2526", "--host", "https://a.org", "--client-id", "k", input="s\n"))
    monkeypatch.setenv("RUNWAY_ENCRYPTION_KEY", generate_key())
    get_settings.cache_clear()
    one_line_error(admin("reencrypt-secrets"), "Cannot decrypt a stored secret", "RUNWAY_ENCRYPTION_OLD_KEYS")
    monkeypatch.setenv("RUNWAY_ENCRYPTION_OLD_KEYS", env["RUNWAY_ENCRYPTION_KEY"])
    get_settings.cache_clear()
    assert ok(admin("reencrypt-secrets")).startswith("Re-encrypted 1 secret(s)")
    monkeypatch.delenv("RUNWAY_ENCRYPTION_OLD_KEYS")
    get_settings.cache_clear()
    assert ok(admin("reencrypt-secrets")).startswith("Re-encrypted 0 secret(s)")


# --- as a process: what a user really sees on stderr ----------------------------------------------------


def run_admin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    runway = Path(sys.executable).parent / "runway"
    return subprocess.run(
        [str(runway), "admin", *args],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_as_a_process(env: dict[str, str]) -> None:
    assert run_admin(env, "create-partner", "ea", "EA").stdout == "Created partner ea (EA).\n"
    assert_one_line_error(run_admin(env, "create-tenant", "zz", "1"), "Partner 'zz' does not exist")


def test_invalid_settings_as_a_process(env: dict[str, str]) -> None:
    result = run_admin({**env, "RUNWAY_ENCRYPTION_KEY": "too-short"}, "create-partner", "ea", "EA")
    assert_one_line_error(result, "Invalid configuration: RUNWAY_ENCRYPTION_KEY", "generate-key")
    assert "too-short" not in result.stderr


def test_production_does_not_migrate_by_itself(fresh_url: str, tmp_path: Path) -> None:
    env = {
        "RUNWAY_ENVIRONMENT": "production",
        "RUNWAY_DATABASE_URL": fresh_url,
        "RUNWAY_DATA_DIR": str(tmp_path),
        "RUNWAY_ENCRYPTION_KEY": generate_key(),
    }
    assert_one_line_error(run_admin(env, "create-partner", "ea", "EA"), "no Runway schema", "runway admin migrate")
    assert "Database upgraded from empty to revision" in run_admin(env, "migrate").stdout
    assert run_admin(env, "create-partner", "ea", "EA").returncode == 0


def test_an_unreachable_database(tmp_path: Path) -> None:
    env = {
        "RUNWAY_DATABASE_URL": "postgresql+psycopg://runway:hunter2@127.0.0.1:9/runway?connect_timeout=2",
        "RUNWAY_DATA_DIR": str(tmp_path),
    }
    result = run_admin(env, "create-partner", "ea", "EA")
    assert_one_line_error(result, "Cannot use the database", "RUNWAY_DATABASE_URL")
    assert "hunter2" not in result.stderr
