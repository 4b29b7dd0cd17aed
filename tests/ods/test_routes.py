"""``/api/ods-configs`` on the real app (SQLite and PostgreSQL), testing credentials over HTTP against a
real sandbox (runway-app.md §2.2, §5.1, §5.2). The client secret must never appear in a response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.ods.connection import check_credentials
from runway.ods.models import OdsConfig, OdsConnection
from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.support.factories import TEST_KEYRING
from tests.support.sandbox_server import RunningSandbox, serve_sandbox
from tests.support.web import World

SECRETS = ("s3cret", "other-s3cret")


@pytest.fixture(scope="module")
def sandbox(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as running:
        yield running


def no_secret(response: Any, *secrets: str) -> None:
    for secret in (*SECRETS, *secrets):
        assert secret not in response.text
    assert "clientSecret" not in response.text
    assert "secret_encrypted" not in response.text


def body(sandbox: RunningSandbox, **overrides: Any) -> dict[str, Any]:
    values = {
        "host": sandbox.url + "/",
        "clientId": sandbox.key,
        "clientSecret": sandbox.secret,
        "schoolYearId": "2425",
    }
    values.update(overrides)
    return values


def test_check_credentials_against_the_sandbox(sandbox: RunningSandbox) -> None:
    assert check_credentials(sandbox.url, sandbox.key, sandbox.secret).ok
    failed = check_credentials(sandbox.url, sandbox.key, "wrong")
    assert not failed.ok
    assert "401" in failed.reason
    assert not check_credentials("http://127.0.0.1:9/nothing", "k", "s", timeout=2).ok


def test_create_list_get_without_the_secret(alice: TestClient, sandbox: RunningSandbox, session: Session) -> None:
    created = alice.post("/api/ods-configs", json=body(sandbox))
    assert created.status_code == 201, created.text
    no_secret(created, sandbox.secret)
    dto = created.json()
    assert dto["host"] == sandbox.url
    assert dto["schoolYearId"] == "2425"
    assert dto["lastUseResult"] == "success"
    assert dto["lastUseOn"]
    stored = session.get(OdsConfig, dto["id"])
    assert stored is not None
    assert stored.active_connection is not None
    assert TEST_KEYRING.decrypt(stored.active_connection.client_secret_encrypted) == sandbox.secret
    listed = alice.get("/api/ods-configs")
    no_secret(listed, sandbox.secret)
    assert sorted(c["schoolYearId"] for c in listed.json()) == ["2425", "2526"]
    one = alice.get(f"/api/ods-configs/{dto['id']}")
    assert one.status_code == 200
    no_secret(one, sandbox.secret)


def test_second_active_config_for_the_year_is_409(alice: TestClient, sandbox: RunningSandbox) -> None:
    response = alice.post("/api/ods-configs", json=body(sandbox, schoolYearId="2526"))
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"host": None, "clientId": "", "clientSecret": None, "schoolYearId": " "},
            "EdFi base API URL is required; key is required; secret is required; year is required",
        ),
        ({"clientSecret": ""}, "secret is required"),
        ({"host": "ftp://example.org"}, "is not an http(s) URL"),
        ({"schoolYearId": "9999"}, "School year '9999' does not exist"),
        ({"clientSecret": "wrong"}, "Unable to authenticate"),
    ],
)
def test_create_messages(alice: TestClient, sandbox: RunningSandbox, overrides: dict[str, Any], message: str) -> None:
    response = alice.post("/api/ods-configs", json=body(sandbox, **overrides))
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]
    no_secret(response, "wrong")
    assert [c["schoolYearId"] for c in alice.get("/api/ods-configs").json()] == ["2526"]


def test_edit_retests_and_keeps_history(
    alice: TestClient, sandbox: RunningSandbox, session: Session, world: World
) -> None:
    failed = alice.put(f"/api/ods-configs/{world.ods_id}", json=body(sandbox, clientSecret="wrong"))
    assert failed.status_code == 400
    assert "Unable to authenticate" in failed.json()["detail"]
    edited = alice.put(f"/api/ods-configs/{world.ods_id}", json=body(sandbox, schoolYearId="2425"))
    assert edited.status_code == 200, edited.text
    no_secret(edited, sandbox.secret)
    assert edited.json()["schoolYearId"] == "2526"  # the year never changes
    assert edited.json()["host"] == sandbox.url
    # Without a secret the current one is kept (the form cannot show it any more).
    kept = alice.put(f"/api/ods-configs/{world.ods_id}", json={"host": sandbox.url, "clientId": sandbox.key})
    assert kept.status_code == 200, kept.text
    session.expire_all()
    stmt = select(OdsConnection).where(OdsConnection.ods_config_id == world.ods_id).order_by(OdsConnection.id)
    connections = session.scalars(stmt).all()
    assert [c.retired for c in connections] == [True, True, False]


def test_test_connection_records_the_outcome(alice: TestClient, sandbox: RunningSandbox, world: World) -> None:
    # The seeded config points at a port nobody listens on.
    response = alice.post(f"/api/ods-configs/{world.ods_id}/test-connection")
    assert response.status_code == 200
    assert response.json()["lastUseResult"] == "error"
    no_secret(response)
    alice.put(f"/api/ods-configs/{world.ods_id}", json=body(sandbox))
    again = alice.post(f"/api/ods-configs/{world.ods_id}/test-connection").json()
    assert again["lastUseResult"] == "success"


def test_retire(alice: TestClient, world: World, sandbox: RunningSandbox) -> None:
    response = alice.delete(f"/api/ods-configs/{world.ods_id}")
    assert response.status_code == 200
    assert response.content == b""
    assert alice.get(f"/api/ods-configs/{world.ods_id}").status_code == 404
    assert alice.get("/api/ods-configs").json() == []
    # A new config for the year may then be created.
    assert alice.post("/api/ods-configs", json=body(sandbox, schoolYearId="2526")).status_code == 201


def test_another_tenant_gets_404_and_changes_nothing(
    alice: TestClient, bob: TestClient, world: World, sandbox: RunningSandbox, session: Session
) -> None:
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/api/ods-configs/{world.ods_id}", None),
        ("PUT", f"/api/ods-configs/{world.ods_id}", body(sandbox)),
        ("POST", f"/api/ods-configs/{world.ods_id}/test-connection", None),
        ("DELETE", f"/api/ods-configs/{world.ods_id}", None),
    ]
    for method, path, payload in routes:
        response = bob.request(method, path, json=payload)
        assert response.status_code == 404, (method, path, response.text)
        assert "127.0.0.1:8765" not in response.text
        no_secret(response, sandbox.secret)
    assert [c["id"] for c in bob.get("/api/ods-configs").json()] == [world.other_ods_id]
    session.expire_all()
    config = session.get(OdsConfig, world.ods_id)
    assert config is not None
    assert config.retired is False
    assert len(config.connections) == 1
    assert alice.get(f"/api/ods-configs/{world.ods_id}").status_code == 200


def test_anonymous_gets_401(anonymous: TestClient, world: World) -> None:
    for method, path in [
        ("GET", "/api/ods-configs"),
        ("POST", "/api/ods-configs"),
        ("GET", f"/api/ods-configs/{world.ods_id}"),
        ("PUT", f"/api/ods-configs/{world.ods_id}"),
        ("POST", f"/api/ods-configs/{world.ods_id}/test-connection"),
        ("DELETE", f"/api/ods-configs/{world.ods_id}"),
    ]:
        assert anonymous.request(method, path, json={}).status_code == 401, (method, path)
