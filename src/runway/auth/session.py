"""Browser sessions: a signed, HttpOnly, SameSite=Lax cookie naming the user and the tenant they act for.

The cookie value is ``<base64url JSON>.<base64url HMAC-SHA256>``, keyed with the app's ``session-cookie``
key (``runway.keys``). The payload holds ``{uid, partnerId, tenantCode, exp}``; nothing secret. Every
request re-checks that the user still exists and still belongs to the tenant, so removing a user from a
tenant ends their sessions there. ``current_session`` is the one dependency every tenant route uses:
no or a bad cookie answers 401 (runway-app.md §2.0).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.errors import Unauthorized
from runway.keys import derive_key
from runway.settings import Settings
from runway.tenant.models import Tenant
from runway.user.models import User, UserTenant
from runway.web.deps import SessionDep

COOKIE_NAME = "runway_session"
SESSION_TTL_SECONDS = 12 * 3600


@dataclass(frozen=True)
class CurrentSession:
    """The signed-in user and the tenant they act for."""

    user: User
    tenant: Tenant

    @property
    def partner_id(self) -> str:
        """The session tenant's partner."""
        return self.tenant.partner_id

    @property
    def tenant_code(self) -> str:
        """The session tenant's code."""
        return self.tenant.code


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCookies:
    """Signs and verifies session cookie values with one key."""

    def __init__(self, key: bytes, *, ttl: int = SESSION_TTL_SECONDS) -> None:
        self._key = key
        self.ttl = ttl

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionCookies:
        """Cookies signed with the app's ``session-cookie`` key."""
        return cls(derive_key(settings, "session-cookie"))

    def sign(self, *, user_id: int, partner_id: str, tenant_code: str, now: float | None = None) -> str:
        """A cookie value for the user and tenant, valid for ``ttl`` seconds."""
        payload = {
            "uid": user_id,
            "partnerId": partner_id,
            "tenantCode": tenant_code,
            "exp": int((now or time.time()) + self.ttl),
        }
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def verify(self, value: str, *, now: float | None = None) -> dict[str, Any] | None:
        """The payload of a genuine, unexpired value, else None."""
        body, _, mac = value.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
            return None
        if payload["exp"] < (now or time.time()):
            return None
        return payload

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())


def cookies_for(request: Request) -> SessionCookies:
    """The app's session cookie signer (made once per app, kept on ``app.state.session_cookies``)."""
    cookies: SessionCookies | None = getattr(request.app.state, "session_cookies", None)
    if cookies is None:
        cookies = SessionCookies.from_settings(request.app.state.settings)
        request.app.state.session_cookies = cookies
    return cookies


def set_session_cookie(request: Request, response: Response, *, user: User, tenant: Tenant) -> None:
    """Sign the user into ``tenant`` on ``response`` (HttpOnly, SameSite=Lax, Secure outside development)."""
    cookies = cookies_for(request)
    settings: Settings = request.app.state.settings
    response.set_cookie(
        COOKIE_NAME,
        cookies.sign(user_id=user.id, partner_id=tenant.partner_id, tenant_code=tenant.code),
        max_age=cookies.ttl,
        httponly=True,
        samesite="lax",
        secure=not settings.is_development,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax")


def member_of(session: Session, *, user_id: int, partner_id: str, tenant_code: str) -> tuple[User, Tenant] | None:
    """The user and tenant when the user belongs to the tenant, else None."""
    stmt = (
        select(User, Tenant)
        .join(UserTenant, UserTenant.user_id == User.id)
        .join(Tenant, (Tenant.partner_id == UserTenant.partner_id) & (Tenant.code == UserTenant.tenant_code))
        .where(User.id == user_id, UserTenant.partner_id == partner_id, UserTenant.tenant_code == tenant_code)
    )
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


def current_session(request: Request, session: SessionDep) -> CurrentSession:
    """The signed-in user and tenant of this request.

    Raises:
        Unauthorized: no session cookie, a forged or expired one, or a user no longer in the tenant (401).
    """
    value = request.cookies.get(COOKIE_NAME)
    payload = cookies_for(request).verify(value) if value else None
    if payload is None:
        raise Unauthorized("Sign in first: no valid session")
    try:
        found = member_of(
            session,
            user_id=int(payload["uid"]),
            partner_id=str(payload["partnerId"]),
            tenant_code=str(payload["tenantCode"]),
        )
    except (KeyError, TypeError, ValueError):
        found = None
    if found is None:
        raise Unauthorized("Sign in first: the session's user or tenant no longer exists")
    return CurrentSession(user=found[0], tenant=found[1])


CurrentSessionDep = Annotated[CurrentSession, Depends(current_session)]
