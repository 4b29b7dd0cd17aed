"""The development login and the session cookie (``/api/auth``) on the real app."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from runway.app import create_app
from runway.auth.session import COOKIE_NAME, SessionCookies
from tests.support.app import BASE_URL, app_settings
from tests.support.web import World, login


def test_login_sets_a_signed_httponly_lax_cookie_and_me_answers(anonymous: TestClient, world: World) -> None:
    response = anonymous.post(
        "/api/auth/login", json={"email": "ALICE@example.org", "partnerId": "ea", "tenantCode": world.tenant}
    )
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    me = anonymous.get("/api/auth/me").json()
    assert me["user"]["email"] == "alice@example.org"
    assert me["tenant"] == {"code": world.tenant, "partnerId": "ea", "isGlobal": False, "deletedOn": None}


def test_login_refuses_a_user_of_another_tenant_or_unknown(anonymous: TestClient, world: World) -> None:
    for body in (
        {"email": world.other_email, "partnerId": "ea", "tenantCode": world.tenant},
        {"email": "nobody@example.org", "partnerId": "ea", "tenantCode": world.tenant},
        {"email": world.user_email, "partnerId": "ea", "tenantCode": "nope"},
    ):
        response = anonymous.post("/api/auth/login", json=body)
        assert response.status_code == 401, body
        assert COOKIE_NAME not in response.headers.get("set-cookie", "")
    assert anonymous.post("/api/auth/login", json={"email": "x"}).status_code == 400


def test_logout_ends_the_session(anonymous: TestClient, world: World) -> None:
    login(anonymous, world)
    assert anonymous.get("/api/auth/me").status_code == 200
    assert anonymous.post("/api/auth/logout").status_code == 200
    assert anonymous.get("/api/auth/me").status_code == 401


def test_forged_or_expired_cookies_are_401(anonymous: TestClient, world: World, web_app: object) -> None:
    anonymous.cookies.set(COOKIE_NAME, "eyJ1aWQiOjF9.forged")
    assert anonymous.get("/api/auth/me").status_code == 401
    cookies = SessionCookies.from_settings(web_app.state.settings)  # type: ignore[attr-defined]
    expired = cookies.sign(user_id=world.user_id, partner_id="ea", tenant_code=world.tenant, now=1.0)
    anonymous.cookies.set(COOKIE_NAME, expired)
    assert anonymous.get("/api/auth/me").status_code == 401
    valid = cookies.sign(user_id=world.user_id, partner_id="ea", tenant_code=world.tenant)
    anonymous.cookies.set(COOKIE_NAME, valid)
    assert anonymous.get("/api/auth/me").status_code == 200
    # A genuine cookie naming a tenant the user does not belong to is refused too.
    anonymous.cookies.set(
        COOKIE_NAME, cookies.sign(user_id=world.user_id, partner_id="ea", tenant_code=world.other_tenant)
    )
    assert anonymous.get("/api/auth/me").status_code == 401


def test_login_is_refused_in_production(db_url: str, tmp_path: Path, world: World) -> None:
    settings = app_settings(db_url, tmp_path, environment="production")
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        response = client.post(
            "/api/auth/login", json={"email": world.user_email, "partnerId": "ea", "tenantCode": world.tenant}
        )
    assert response.status_code == 403
    assert "development" in response.json()["detail"]
