"""``runway admin …``: set up partners, tenants, users, school years, bundles and ODS configs from a shell.

Each command is one transaction (``session_scope``) around one or two service calls, and is idempotent
where that makes sense: running it again reports "already …" and exits 0. Failures are one line on stderr
(``Error: …``, exit 1): what was wrong and what to do; never a traceback. See ``docs/cli.md``.

Database and crypto modules are imported inside the commands: importing them costs most of a second, which
every other ``runway`` command (e.g. ``runway sandbox serve``) would otherwise pay at startup.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from runway.admin.failures import explain

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from runway.settings import Settings


class _OneLineErrors(click.Group):
    """A group whose commands report expected failures as a one-line ``click.ClickException``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.Abort, click.exceptions.Exit):
            raise
        except Exception as exc:
            message = explain(exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc


@click.group(cls=_OneLineErrors)
def admin() -> None:
    """Administration: partners, tenants, users, school years, bundles, ODS configs, the database."""


def _settings() -> Settings:
    from runway.settings import get_settings

    return get_settings()


@contextmanager
def _transaction() -> Iterator[Session]:
    """A session in one transaction on the configured database, brought up to date first (development) or
    checked to be up to date (production)."""
    from runway.db import get_engine, session_scope
    from runway.migrations import ensure_schema

    settings = _settings()
    ensure_schema(settings)
    with session_scope(get_engine(settings.database_url)) as session:
        yield session


@admin.command()
def migrate() -> None:
    """Create or upgrade the database schema to this version's newest revision."""
    from sqlalchemy.engine import make_url

    from runway.db import get_engine
    from runway.migrations import current_revision, head_revision, upgrade

    settings = _settings()
    before = current_revision(get_engine(settings.database_url))
    upgrade(settings.database_url)
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    head = head_revision()
    if before == head:
        click.echo(f"Database already at revision {head}: {where}")
    else:
        click.echo(f"Database upgraded from {before or 'empty'} to revision {head}: {where}")


@admin.command("generate-key")
def generate_key_command() -> None:
    """Print a new random encryption key (for RUNWAY_ENCRYPTION_KEY)."""
    from runway.crypto import generate_key

    click.echo(generate_key())


@admin.command("reencrypt-secrets")
def reencrypt_secrets_command() -> None:
    """Re-encrypt stored secrets made with an old key under the current key (key rotation)."""
    from runway.crypto import keyring_from_settings
    from runway.ods import service as ods_service

    keyring = keyring_from_settings(_settings())
    with _transaction() as session:
        count = ods_service.reencrypt_secrets(session, keyring)
    click.echo(f"Re-encrypted {count} secret(s) with key {keyring.current_id}.")


@admin.command("create-partner")
@click.argument("partner_id")
@click.argument("name")
@click.option("--descriptor-namespace", help="Replaces the Ed-Fi default descriptor namespace in its runs.")
def create_partner(partner_id: str, name: str, descriptor_namespace: str | None) -> None:
    """Create partner PARTNER_ID (a short code such as ea) named NAME."""
    from runway.partner import service as partner_service

    with _transaction() as session:
        _, created = partner_service.ensure_partner(
            session, partner_id=partner_id, name=name, descriptor_namespace=descriptor_namespace
        )
    click.echo(f"{'Created' if created else 'Already exists:'} partner {partner_id} ({name.strip()}).")


@admin.command("create-tenant")
@click.argument("partner_id")
@click.argument("code")
def create_tenant(partner_id: str, code: str) -> None:
    """Create tenant CODE (a district) in partner PARTNER_ID."""
    from runway.tenant import service as tenant_service

    with _transaction() as session:
        _, created = tenant_service.ensure_tenant(session, partner_id=partner_id, code=code)
    click.echo(f"{'Created' if created else 'Already exists:'} tenant {partner_id}/{code}.")


@admin.command("create-user")
@click.argument("partner_id")
@click.argument("tenant_code")
@click.argument("email")
@click.option("--given-name", required=True)
@click.option("--family-name", required=True)
def create_user(partner_id: str, tenant_code: str, email: str, given_name: str, family_name: str) -> None:
    """Create the local user EMAIL (if missing) and make them a member of tenant TENANT_CODE."""
    from runway.tenant import service as tenant_service
    from runway.user import service as user_service

    with _transaction() as session:
        tenant = tenant_service.require_tenant(session, partner_id=partner_id, code=tenant_code)
        user, created = user_service.ensure_local_user(
            session, email=email, given_name=given_name, family_name=family_name
        )
        joined = user_service.add_to_tenant(session, user=user, tenant=tenant)
    who = f"user {user.email} (id {user.id})"
    where = f"tenant {partner_id}/{tenant_code}"
    if created:
        click.echo(f"Created {who} in {where}.")
    elif joined:
        click.echo(f"Added existing {who} to {where}.")
    else:
        click.echo(f"Already exists: {who} in {where}.")


@admin.command("seed-school-years")
@click.option("--from", "first", type=int, default=2015, show_default=True, help="First school year's start year.")
@click.option("--to", "last", type=int, default=2035, show_default=True, help="Last school year's start year.")
def seed_school_years(first: int, last: int) -> None:
    """Add the school years starting in --from … --to (ids like 2526 for 2025-2026) that are missing."""
    from runway.school_year import service as school_year_service

    with _transaction() as session:
        added = school_year_service.seed_school_years(session, first_start_year=first, last_start_year=last)
    span = f"{school_year_service.school_year_id(first)}…{school_year_service.school_year_id(last)}"
    click.echo(f"Added {len(added)} school year(s); {span} now all exist.")


@admin.command("set-year-config")
@click.argument("partner_id")
@click.argument("year")
@click.option("--enabled/--disabled", "is_enabled", default=None, help="Whether jobs may use the year.")
@click.option("--send-to-ods/--no-send-to-ods", "send_to_ods", default=None, help="Whether its jobs load into an ODS.")
def set_year_config(partner_id: str, year: str, is_enabled: bool | None, send_to_ods: bool | None) -> None:
    """Set partner PARTNER_ID's config for school year YEAR (an id such as 2526); unset flags keep their value."""
    from runway.school_year import service as school_year_service

    with _transaction() as session:
        config = school_year_service.set_year_config(
            session, partner_id=partner_id, school_year_id=year, is_enabled=is_enabled, send_to_ods=send_to_ods
        )
    state = "enabled" if config.is_enabled else "disabled"
    destination = "sends to ODS" if config.send_to_ods else "does not send to ODS"
    click.echo(f"Partner {partner_id}, school year {year}: {state}, {destination}.")


@admin.command("enable-bundle")
@click.argument("partner_id")
@click.argument("bundle_key")
def enable_bundle(partner_id: str, bundle_key: str) -> None:
    """Let partner PARTNER_ID use bundle BUNDLE_KEY (a registry path such as assessments/ACT)."""
    from runway.bundle import enablement

    _check_bundle_in_checkout(bundle_key)
    with _transaction() as session:
        changed = enablement.enable_bundle(session, partner_id=partner_id, bundle_key=bundle_key)
    click.echo(f"{'Enabled' if changed else 'Already enabled:'} {bundle_key} for partner {partner_id}.")


def _check_bundle_in_checkout(bundle_key: str) -> None:
    from runway.bundle.enablement import check_bundle_key

    check_bundle_key(bundle_key)
    bundles_dir = _settings().bundles_dir
    if bundles_dir is not None and not (bundles_dir / bundle_key / "earthmover.yaml").is_file():
        raise click.ClickException(
            f"Bundle {bundle_key} is not in the bundles checkout {bundles_dir} "
            f"(no {bundle_key}/earthmover.yaml there); check the key against its registry.json"
        )


@admin.command("disable-bundle")
@click.argument("partner_id")
@click.argument("bundle_key")
def disable_bundle(partner_id: str, bundle_key: str) -> None:
    """Stop partner PARTNER_ID from using bundle BUNDLE_KEY in new jobs."""
    from runway.bundle import enablement

    with _transaction() as session:
        changed = enablement.disable_bundle(session, partner_id=partner_id, bundle_key=bundle_key)
    click.echo(f"{'Disabled' if changed else 'Was not enabled:'} {bundle_key} for partner {partner_id}.")


def _read_secret(label: str) -> str:
    # A terminal gets a hidden prompt; otherwise the first line of stdin, so scripts can pipe the secret in
    # rather than put it on a command line (visible in ps and shell history).
    if sys.stdin.isatty():
        return str(click.prompt(label, hide_input=True))
    return sys.stdin.readline().rstrip("\r\n")


@admin.command("add-ods-config")
@click.argument("partner_id")
@click.argument("tenant_code")
@click.argument("year")
@click.option("--host", required=True, help="Ed-Fi API base URL, e.g. https://api.example.org/v7.1/api")
@click.option("--client-id", required=True, help="OAuth2 client key.")
@click.option("--client-secret", help="OAuth2 client secret; if omitted, prompted for (hidden) or read from stdin.")
@click.option("--replace", is_flag=True, help="If an active config exists, give it these credentials instead.")
def add_ods_config(
    partner_id: str, tenant_code: str, year: str, host: str, client_id: str, client_secret: str | None, replace: bool
) -> None:
    """Give tenant TENANT_CODE an Ed-Fi ODS/API for school year YEAR (an id such as 2526)."""
    from runway.crypto import keyring_from_settings
    from runway.ods import service as ods_service

    if client_secret is None:
        client_secret = _read_secret("Client secret")
    keyring = keyring_from_settings(_settings())
    with _transaction() as session:
        existing = ods_service.get_active_config(
            session, partner_id=partner_id, tenant_code=tenant_code, school_year_id=year
        )
        if existing is not None and replace:
            ods_service.replace_credentials(
                session, keyring, existing, host=host, client_id=client_id, client_secret=client_secret
            )
            config, verb = existing, "Replaced the credentials of"
        else:
            config = ods_service.add_ods_config(
                session,
                keyring,
                partner_id=partner_id,
                tenant_code=tenant_code,
                school_year_id=year,
                host=host,
                client_id=client_id,
                client_secret=client_secret,
            )
            verb = "Added"
        connection = config.active_connection
        assert connection is not None  # both services set it
    click.echo(
        f"{verb} ODS config {config.id} of tenant {partner_id}/{tenant_code} for {year}: "
        f"{connection.host} (client id {connection.client_id}; secret stored encrypted)."
    )
