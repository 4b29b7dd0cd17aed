"""``/api/auth``: the temporary development login, logout and ``me`` (runway-app.md §2.1).

``POST /api/auth/login`` signs in an existing user of a tenant by e-mail with no password. It exists for
local development until the OIDC/local-accounts issue lands, and answers 403 when
``RUNWAY_ENVIRONMENT=production``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from runway.auth.session import CurrentSessionDep, clear_session_cookie, member_of, set_session_cookie
from runway.errors import Forbidden, Unauthorized
from runway.user.models import User, UserTenant
from runway.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginBody(BaseModel):
    """``{email, partnerId, tenantCode}``."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)
    partnerId: str = Field(min_length=1, max_length=64)
    tenantCode: str = Field(min_length=1, max_length=64)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@router.post("/login")
def login(
    body: LoginBody, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Sign in as an existing user of the tenant (development only); sets the session cookie.

    401 when no user with that e-mail belongs to the tenant (the same answer whether the user or the
    tenant is unknown); 403 in production.
    """
    if not settings.is_development:
        raise Forbidden("The e-mail login is only available when RUNWAY_ENVIRONMENT=development")
    stmt = (
        select(User.id)
        .join(UserTenant, UserTenant.user_id == User.id)
        .where(
            func.lower(User.email) == body.email.strip().lower(),
            UserTenant.partner_id == body.partnerId,
            UserTenant.tenant_code == body.tenantCode,
        )
        .order_by(User.id)
        .limit(1)
    )
    user_id = session.scalar(stmt)
    found = (
        member_of(session, user_id=user_id, partner_id=body.partnerId, tenant_code=body.tenantCode)
        if user_id is not None
        else None
    )
    if found is None:
        raise Unauthorized("No user with that e-mail address belongs to that tenant")
    user, tenant = found
    set_session_cookie(request, response, user=user, tenant=tenant)
    return me_payload(user, tenant)


@router.post("/logout")
def logout(response: Response) -> dict[str, str]:
    """End the session (clears the cookie); answers 200 even without a session."""
    clear_session_cookie(response)
    return {"status": "ok"}


def me_payload(user: User, tenant: Any) -> dict[str, Any]:
    """``{user, tenant, roles}`` as ``GET /api/auth/me`` answers (runway-app.md §2.1)."""
    return {
        "user": {
            "id": user.id,
            "email": user.email,
            "givenName": user.given_name,
            "familyName": user.family_name,
            "createdOn": _iso(user.created_on),
            "modifiedOn": _iso(user.modified_on),
        },
        "tenant": {
            "code": tenant.code,
            "partnerId": tenant.partner_id,
            "isGlobal": tenant.is_global,
            "deletedOn": _iso(tenant.deleted_on),
        },
        "roles": [],
    }


@router.get("/me")
def me(current: CurrentSessionDep) -> dict[str, Any]:
    """The signed-in user and tenant; 401 without a session."""
    return me_payload(current.user, current.tenant)
