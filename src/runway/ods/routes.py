"""``/api/ods-configs``: the tenant's ODS connections (runway-app.md §2.2, §5). Thin routes over
``runway.ods.configs``; the client secret goes in, never out.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from runway.auth.session import CurrentSessionDep
from runway.crypto import Keyring
from runway.db import acting_as
from runway.ods import configs
from runway.ods.configs import Tester
from runway.ods.connection import check_credentials
from runway.web.deps import SessionDep

router = APIRouter(prefix="/api/ods-configs", tags=["ods-configs"])


class NewConfigBody(BaseModel):
    """``{host, clientId, clientSecret, schoolYearId}``; all required (checked with the original's messages)."""

    model_config = ConfigDict(extra="ignore")
    host: str | None = Field(default=None, max_length=2048)
    clientId: str | None = Field(default=None, max_length=255)
    clientSecret: str | None = Field(default=None, max_length=4096)
    schoolYearId: str | None = Field(default=None, max_length=4)


class EditConfigBody(BaseModel):
    """``{host, clientId, clientSecret?}``; a ``schoolYearId`` sent is ignored; no secret keeps the current one."""

    model_config = ConfigDict(extra="ignore")
    host: str | None = Field(default=None, max_length=2048)
    clientId: str | None = Field(default=None, max_length=255)
    clientSecret: str | None = Field(default=None, max_length=4096)


def _keyring(request: Request) -> Keyring:
    keyring: Keyring = request.app.state.keyring
    return keyring


def _tester(request: Request) -> Tester:
    """``app.state.ods_tester`` when set, else the HTTP test of ``runway.ods.connection``."""
    tester: Tester | None = getattr(request.app.state, "ods_tester", None)
    return tester or check_credentials


@router.get("")
def list_configs(current: CurrentSessionDep, session: SessionDep) -> list[dict[str, Any]]:
    """The tenant's non-retired configs (no secrets)."""
    found = configs.list_configs(session, partner_id=current.partner_id, tenant_code=current.tenant_code)
    return [configs.config_dto(config) for config in found]


@router.get("/{config_id}")
def get_config(config_id: int, current: CurrentSessionDep, session: SessionDep) -> dict[str, Any]:
    """One config (no secret); 404 when missing, retired or another tenant's."""
    config = configs.get_config(
        session, partner_id=current.partner_id, tenant_code=current.tenant_code, config_id=config_id
    )
    return configs.config_dto(config)


@router.post("", status_code=201)
def create_config(
    body: NewConfigBody, request: Request, current: CurrentSessionDep, session: SessionDep
) -> dict[str, Any]:
    """Test the credentials, then create the config; 400 (missing fields, bad host, failed test), 409."""
    configs.required_fields(body.model_dump())
    with acting_as(current.user.id):
        config = configs.create_config(
            session,
            _keyring(request),
            _tester(request),
            partner_id=current.partner_id,
            tenant_code=current.tenant_code,
            school_year_id=body.schoolYearId or "",
            host=body.host or "",
            client_id=body.clientId or "",
            client_secret=body.clientSecret or "",
        )
        session.commit()
    return configs.config_dto(config)


@router.put("/{config_id}")
def update_config(
    config_id: int, body: EditConfigBody, request: Request, current: CurrentSessionDep, session: SessionDep
) -> dict[str, Any]:
    """Test, then replace the credentials (the year never changes)."""
    configs.required_fields({"host": body.host, "clientId": body.clientId})
    with acting_as(current.user.id):
        config = configs.get_config(
            session, partner_id=current.partner_id, tenant_code=current.tenant_code, config_id=config_id
        )
        configs.update_config(
            session,
            _keyring(request),
            _tester(request),
            config,
            host=body.host or "",
            client_id=body.clientId or "",
            client_secret=body.clientSecret,
        )
        session.commit()
    return configs.config_dto(config)


@router.post("/{config_id}/test-connection")
def test_config(config_id: int, request: Request, current: CurrentSessionDep, session: SessionDep) -> dict[str, Any]:
    """Re-test the active credentials, record the outcome and return the config."""
    with acting_as(current.user.id):
        config = configs.get_config(
            session, partner_id=current.partner_id, tenant_code=current.tenant_code, config_id=config_id
        )
        configs.retest_config(session, _keyring(request), _tester(request), config)
        session.commit()
    return configs.config_dto(config)


@router.delete("/{config_id}")
def retire_config(config_id: int, current: CurrentSessionDep, session: SessionDep) -> Response:
    """Retire the config; 200 with an empty body."""
    with acting_as(current.user.id):
        config = configs.get_config(
            session, partner_id=current.partner_id, tenant_code=current.tenant_code, config_id=config_id
        )
        configs.retire_config(session, config)
        session.commit()
    return Response(status_code=200)
