"""Tenant-scoped ODS config operations behind ``/api/ods-configs`` (runway-app.md §2.2, §5.1, §5.2).
Services take a session and flush, never commit; routes own the transaction.

Unlike the original, no response ever carries the client secret (not even decrypted on ``GET /:id``,
runway-app.md §12): an edit that leaves ``clientSecret`` out keeps the current one. A config of another
tenant, or a retired one, is reported as missing (``NotFound``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runway.crypto import Keyring
from runway.db import utc_now
from runway.errors import BadRequest, Conflict, Invalid, NotFound
from runway.ods import service as ods_service
from runway.ods.connection import ConnectionResult
from runway.ods.models import OdsAuthResponse, OdsConfig
from runway.school_year.models import SchoolYear

Tester = Callable[[str, str, str], ConnectionResult]
ALREADY_EXISTS = "An active ODS config already exists for this tenant and school year"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def config_dto(config: OdsConfig) -> dict[str, Any]:
    """``{id, host, clientId, schoolYearId, lastUseResult, lastUseOn, created*/modified*}``; never the secret."""
    connection = config.active_connection
    return {
        "id": config.id,
        "host": connection.host if connection else None,
        "clientId": connection.client_id if connection else None,
        "schoolYearId": config.school_year_id,
        "lastUseResult": connection.last_use_result.value if connection else None,
        "lastUseOn": _iso(connection.last_use_on) if connection else None,
        "createdOn": _iso(config.created_on),
        "createdById": config.created_by_id,
        "modifiedOn": _iso(config.modified_on),
        "modifiedById": config.modified_by_id,
    }


def list_configs(session: Session, *, partner_id: str, tenant_code: str) -> list[OdsConfig]:
    """The tenant's non-retired configs, by school year."""
    stmt = (
        select(OdsConfig)
        .where(OdsConfig.partner_id == partner_id, OdsConfig.tenant_code == tenant_code, OdsConfig.retired.is_(False))
        .order_by(OdsConfig.school_year_id, OdsConfig.id)
    )
    return list(session.scalars(stmt))


def get_config(session: Session, *, partner_id: str, tenant_code: str, config_id: int) -> OdsConfig:
    """The tenant's non-retired config ``config_id``.

    Raises:
        NotFound: missing, retired, or another tenant's.
    """
    config = session.get(OdsConfig, config_id)
    if config is None or config.retired or (config.partner_id, config.tenant_code) != (partner_id, tenant_code):
        raise NotFound(f"ODS config {config_id} not found")
    return config


def required_fields(values: dict[str, str | None]) -> None:
    """Check the create form's fields, reporting every missing one as the original does.

    Raises:
        BadRequest: ``EdFi base API URL is required; key is required; secret is required; year is required``
            (those that apply, in that order).
    """
    messages = {
        "host": "EdFi base API URL is required",
        "clientId": "key is required",
        "clientSecret": "secret is required",
        "schoolYearId": "year is required",
    }
    missing = [message for field, message in messages.items() if field in values and not (values[field] or "").strip()]
    if missing:
        raise BadRequest("; ".join(missing))


def _checked_host(host: str) -> str:
    try:
        return ods_service.normalize_host(host)
    except Invalid as exc:
        raise BadRequest(exc.message) from None


def _tested(tester: Tester, host: str, client_id: str, client_secret: str) -> None:
    result = tester(host, client_id, client_secret)
    if not result.ok:
        raise BadRequest(f"Unable to authenticate with the Ed-Fi API at {host}: {result.reason}")


def create_config(
    session: Session,
    keyring: Keyring,
    tester: Tester,
    *,
    partner_id: str,
    tenant_code: str,
    school_year_id: str,
    host: str,
    client_id: str,
    client_secret: str,
) -> OdsConfig:
    """Test the credentials, then create the config and its active connection (last use: now, success).

    Raises:
        BadRequest: a malformed host, an unknown school year, or credentials that do not authenticate.
        Conflict: the tenant already has an active config for the year (409).
    """
    host = _checked_host(host)
    if session.get(SchoolYear, school_year_id) is None:
        raise BadRequest(f"School year {school_year_id!r} does not exist")
    existing = ods_service.get_active_config(
        session, partner_id=partner_id, tenant_code=tenant_code, school_year_id=school_year_id
    )
    if existing is not None:
        raise Conflict(ALREADY_EXISTS)
    _tested(tester, host, client_id, client_secret)
    try:
        config = ods_service.add_ods_config(
            session,
            keyring,
            partner_id=partner_id,
            tenant_code=tenant_code,
            school_year_id=school_year_id,
            host=host,
            client_id=client_id,
            client_secret=client_secret,
        )
    except IntegrityError:
        raise Conflict(ALREADY_EXISTS) from None
    except Invalid as exc:
        raise BadRequest(exc.message) from None
    _record(session, config, ok=True)
    return config


def update_config(
    session: Session,
    keyring: Keyring,
    tester: Tester,
    config: OdsConfig,
    *,
    host: str,
    client_id: str,
    client_secret: str | None,
) -> OdsConfig:
    """Test, then give the config new credentials (a new connection; the old one is retired). The school
    year never changes. ``client_secret`` None keeps the current secret.

    Raises:
        BadRequest: a malformed host, an empty client id, or credentials that do not authenticate.
    """
    host = _checked_host(host)
    if not client_id.strip():
        raise BadRequest("key is required")
    if client_secret is None or client_secret == "":
        if config.active_connection is None:
            raise BadRequest("secret is required")
        client_secret = ods_service.reveal_secret(keyring, config.active_connection)
    _tested(tester, host, client_id, client_secret)
    ods_service.replace_credentials(
        session, keyring, config, host=host, client_id=client_id, client_secret=client_secret
    )
    _record(session, config, ok=True)
    return config


def retest_config(session: Session, keyring: Keyring, tester: Tester, config: OdsConfig) -> OdsConfig:
    """Test the active credentials and record ``last_use_result``/``last_use_on``."""
    connection = config.active_connection
    if connection is None:
        raise BadRequest("The ODS config has no active connection; edit it to give it credentials")
    result = tester(connection.host, connection.client_id, ods_service.reveal_secret(keyring, connection))
    _record(session, config, ok=result.ok)
    return config


def retire_config(session: Session, config: OdsConfig) -> None:
    """Soft-retire the config (its jobs survive; the active connection is left alone)."""
    config.retired = True
    config.retired_on = utc_now()
    session.flush()


def _record(session: Session, config: OdsConfig, *, ok: bool) -> None:
    connection = config.active_connection
    if connection is not None:
        connection.last_use_result = OdsAuthResponse.success if ok else OdsAuthResponse.error
        connection.last_use_on = utc_now()
        session.flush()
