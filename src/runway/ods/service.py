"""ODS configs and their credentials (runway-app.md §5.1). Services take a session and never commit.

Client secrets are stored encrypted (``runway.crypto``) and only decrypted by ``reveal_secret``. Testing a
connection against the Ed-Fi API before saving belongs to the Ed-Fi client (``ods`` package, to come);
these functions store what they are given.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.crypto import Keyring
from runway.db import utc_now
from runway.errors import Conflict, Invalid
from runway.ods.models import OdsConfig, OdsConnection
from runway.school_year import service as school_year_service
from runway.tenant import service as tenant_service


def normalize_host(host: str) -> str:
    """The Ed-Fi API base URL as stored: trimmed, without trailing slashes.

    Raises:
        Invalid: not an absolute http(s) URL with a host name.
    """
    value = host.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Invalid(f"ODS host {host!r} is not an http(s) URL such as https://api.example.org/v7.1/api")
    return value


def get_active_config(session: Session, *, partner_id: str, tenant_code: str, school_year_id: str) -> OdsConfig | None:
    """The tenant's ODS config for the year that is not retired (at most one exists)."""
    stmt = select(OdsConfig).where(
        OdsConfig.partner_id == partner_id,
        OdsConfig.tenant_code == tenant_code,
        OdsConfig.school_year_id == school_year_id,
        OdsConfig.retired.is_(False),
    )
    return session.scalars(stmt).one_or_none()


def add_ods_config(
    session: Session,
    keyring: Keyring,
    *,
    partner_id: str,
    tenant_code: str,
    school_year_id: str,
    host: str,
    client_id: str,
    client_secret: str,
) -> OdsConfig:
    """A new ODS config for the tenant and year, with one connection holding the encrypted secret.

    Raises:
        NotFound: no such partner, tenant or school year.
        Invalid: a malformed host, or an empty client id or secret.
        Conflict: the tenant already has an active config for the year (one per tenant and year).
    """
    tenant_service.require_tenant(session, partner_id=partner_id, code=tenant_code)
    school_year_service.require_school_year(session, school_year_id)
    existing = get_active_config(session, partner_id=partner_id, tenant_code=tenant_code, school_year_id=school_year_id)
    if existing is not None:
        raise Conflict(
            f"Tenant {tenant_code!r} of partner {partner_id!r} already has an active ODS config for "
            f"{school_year_id} (id {existing.id}); pass --replace to give it new credentials"
        )
    config = OdsConfig(partner_id=partner_id, tenant_code=tenant_code, school_year_id=school_year_id)
    session.add(config)
    _connect(session, keyring, config, host=host, client_id=client_id, client_secret=client_secret)
    return config


def replace_credentials(
    session: Session, keyring: Keyring, config: OdsConfig, *, host: str, client_id: str, client_secret: str
) -> OdsConnection:
    """Give ``config`` new credentials: a new connection becomes active and the previous one is retired
    (connections are immutable, which keeps the history; runway-app.md §5.1).

    Raises:
        Invalid: a malformed host, or an empty client id or secret.
    """
    previous = config.active_connection
    connection = _connect(session, keyring, config, host=host, client_id=client_id, client_secret=client_secret)
    if previous is not None:
        previous.retired = True
        previous.retired_on = utc_now()
        session.flush()
    return connection


def _connect(
    session: Session, keyring: Keyring, config: OdsConfig, *, host: str, client_id: str, client_secret: str
) -> OdsConnection:
    client_id = client_id.strip()
    if not client_id or not client_secret:
        raise Invalid("The ODS client id and client secret must not be empty")
    connection = OdsConnection(
        ods_config=config,
        host=normalize_host(host),
        client_id=client_id,
        client_secret_encrypted=keyring.encrypt(client_secret),
    )
    session.add(connection)
    config.active_connection = connection
    session.flush()
    return connection


def reveal_secret(keyring: Keyring, connection: OdsConnection) -> str:
    """The connection's client secret in plain text; for the executor payload and connection tests only.

    Raises:
        runway.crypto.DecryptionError: the stored value was altered or its key is not configured.
    """
    return keyring.decrypt(connection.client_secret_encrypted)


def reencrypt_secrets(session: Session, keyring: Keyring) -> int:
    """Re-encrypt with the current key every stored secret made with an old key; how many were rewritten.

    Raises:
        runway.crypto.DecryptionError: a secret whose key is not configured (nothing is rewritten then,
            provided the caller rolls back).
    """
    count = 0
    for connection in session.scalars(select(OdsConnection).order_by(OdsConnection.id)):
        if keyring.needs_reencryption(connection.client_secret_encrypted):
            connection.client_secret_encrypted = keyring.encrypt(reveal_secret(keyring, connection))
            count += 1
    session.flush()
    return count
