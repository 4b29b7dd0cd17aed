"""Test hooks under ``/_sandbox/`` over HTTP: injected faults, latency, token revocation and lifetime,
the request log and reset; and their absence when hooks are off."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import (
    AUTHENTICATION,
    BAD_REQUEST,
    NOT_FOUND,
    TEST_NS,
    assert_problem,
    create,
    descriptor_payload,
    request_token,
    student,
    unique,
)
from tests.support.sandbox_server import RunningSandbox, serve_sandbox


@pytest.fixture(scope="module")
def sandbox(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(test_hooks=True), builtin_catalog) as running:
        yield running


@pytest.fixture
def hooks(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """A client for ``/_sandbox/``; every injected setting is cleared again after the test."""
    with httpx.Client(base_url=f"{sandbox.host_url}/_sandbox", timeout=30) as http:
        yield http
        assert http.delete("/faults").status_code == 204
        assert http.post("/latency", json={"seconds": 0}).status_code == 204
        assert http.post("/token-lifetime", json={"seconds": 1800}).status_code == 204


@pytest.fixture
def client(sandbox: RunningSandbox, hooks: httpx.Client) -> Iterator[httpx.Client]:
    """A data client; requesting ``hooks`` first makes the hook settings be cleared after it is closed."""
    assert hooks is not None
    with sandbox.client() as http:
        yield http


# --- faults ------------------------------------------------------------------------------------------


def test_fault_503_twice_then_success(hooks: httpx.Client, client: httpx.Client) -> None:
    assert hooks.post("/faults", json={"status": 503, "count": 2}).status_code == 204
    for _ in range(2):
        response = client.get("/ed-fi/students")
        body = assert_problem(response, 503, "urn:ed-fi:api:service-unavailable")
        assert "503" in body["detail"]
    assert client.get("/ed-fi/students").status_code == 200
    assert client.get("/ed-fi/students").status_code == 200


def test_fault_applies_to_writes_and_stores_nothing(hooks: httpx.Client, client: httpx.Client) -> None:
    unique_id = unique()
    assert hooks.post("/faults", json={"status": 500, "count": 1}).status_code == 204
    response = client.post("/ed-fi/students", json=student(unique_id))
    assert response.status_code == 500
    assert response.json()["type"] == "urn:ed-fi:api:system-failure"
    assert client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json() == []
    assert client.post("/ed-fi/students", json=student(unique_id)).status_code == 201


def test_fault_with_path_filter(hooks: httpx.Client, client: httpx.Client) -> None:
    fault = {"status": 503, "count": 1, "pathContains": "/ed-fi/studentAssessments"}
    assert hooks.post("/faults", json=fault).status_code == 204
    assert client.get("/ed-fi/students").status_code == 200
    assert client.get("/ed-fi/assessments").status_code == 200
    assert client.get("/ed-fi/studentAssessments").status_code == 503
    assert client.get("/ed-fi/studentAssessments").status_code == 200


def test_fault_429(hooks: httpx.Client, client: httpx.Client) -> None:
    assert hooks.post("/faults", json={"status": 429, "count": 3}).status_code == 204
    for _ in range(3):
        assert_problem(client.get("/ed-fi/students"), 429, "urn:ed-fi:api:too-many-requests")
    assert client.get("/ed-fi/students").status_code == 200


def test_fault_on_the_token_endpoint(sandbox: RunningSandbox, hooks: httpx.Client) -> None:
    assert hooks.post("/faults", json={"status": 503, "count": 1, "pathContains": "/oauth/token"}).status_code == 204
    response = request_token(sandbox.url, sandbox.key, sandbox.secret)
    assert response.status_code == 503
    assert sandbox.token()


def test_faults_queue_in_order_and_can_be_cleared(hooks: httpx.Client, client: httpx.Client) -> None:
    assert hooks.post("/faults", json={"status": 502, "count": 1}).status_code == 204
    assert hooks.post("/faults", json={"status": 504, "count": 1}).status_code == 204
    assert client.get("/ed-fi/students").status_code == 502
    assert client.get("/ed-fi/students").status_code == 504
    assert hooks.post("/faults", json={"status": 503, "count": 100}).status_code == 204
    assert client.get("/ed-fi/students").status_code == 503
    assert hooks.delete("/faults").status_code == 204
    assert client.get("/ed-fi/students").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"status": 200}, {"status": 600}, {"status": "503"}, {"count": 0}, {"count": True}, {"status": 503, "count": -1}],
)
def test_bad_fault_settings_give_400(hooks: httpx.Client, client: httpx.Client, body: dict[str, object]) -> None:
    assert_problem(hooks.post("/faults", json=body), 400, BAD_REQUEST)
    assert client.get("/ed-fi/students").status_code == 200


def test_hook_body_must_be_a_json_object(hooks: httpx.Client) -> None:
    assert_problem(hooks.post("/faults", content=b"[1]"), 400, BAD_REQUEST)
    assert_problem(hooks.post("/faults", content=b"{nope"), 400, BAD_REQUEST)


# --- latency -----------------------------------------------------------------------------------------


def test_latency(hooks: httpx.Client, client: httpx.Client) -> None:
    assert hooks.post("/latency", json={"seconds": 0.4}).status_code == 204
    started = time.monotonic()
    assert client.get("/ed-fi/students").status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert hooks.get("/requests").status_code == 200  # hooks themselves are never delayed
    assert time.monotonic() - started < 0.3
    assert hooks.post("/latency", json={"seconds": 0}).status_code == 204
    started = time.monotonic()
    assert client.get("/ed-fi/students").status_code == 200
    assert time.monotonic() - started < 0.3


# --- tokens ------------------------------------------------------------------------------------------


def test_revoke_tokens(sandbox: RunningSandbox, hooks: httpx.Client, client: httpx.Client) -> None:
    assert client.get("/ed-fi/students").status_code == 200
    other = sandbox.token()
    revoked = hooks.post("/tokens/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] >= 2
    assert_problem(client.get("/ed-fi/students"), 401, AUTHENTICATION)
    response = httpx.get(f"{sandbox.url}/data/v3/ed-fi/students", headers={"Authorization": f"Bearer {other}"})
    assert_problem(response, 401, AUTHENTICATION)
    fresh = httpx.get(f"{sandbox.url}/data/v3/ed-fi/students", headers={"Authorization": f"Bearer {sandbox.token()}"})
    assert fresh.status_code == 200
    assert hooks.post("/tokens/revoke").json() == {"revoked": 1}
    assert hooks.post("/tokens/revoke").json() == {"revoked": 0}


def test_token_lifetime(sandbox: RunningSandbox, hooks: httpx.Client) -> None:
    assert hooks.post("/token-lifetime", json={"seconds": 1}).status_code == 204
    response = request_token(sandbox.url, sandbox.key, sandbox.secret)
    assert response.json()["expires_in"] == 1
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert httpx.get(f"{sandbox.url}/data/v3/ed-fi/students", headers=headers).status_code == 200
    time.sleep(1.2)
    assert_problem(httpx.get(f"{sandbox.url}/data/v3/ed-fi/students", headers=headers), 401, AUTHENTICATION)
    assert hooks.post("/token-lifetime", json={"seconds": 1800}).status_code == 204
    response = request_token(sandbox.url, sandbox.key, sandbox.secret)
    assert response.json()["expires_in"] == 1800


@pytest.mark.parametrize(
    ("hook", "seconds"),
    [
        *[("/latency", seconds) for seconds in (-1, 61, "1", None)],
        *[("/token-lifetime", seconds) for seconds in (0, -5, 86_401, 1.5, "60")],
    ],
)
def test_bad_seconds_setting_gives_400(hooks: httpx.Client, hook: str, seconds: object) -> None:
    assert_problem(hooks.post(hook, json={"seconds": seconds}), 400, BAD_REQUEST)


# --- request log -------------------------------------------------------------------------------------


def test_request_log(sandbox: RunningSandbox, hooks: httpx.Client) -> None:
    with sandbox.client() as client:  # its token request happens before the log is cleared
        assert hooks.delete("/requests").status_code == 204
        assert hooks.get("/requests").json() == []
        client.get("/ed-fi/students", params={"limit": 3, "studentUniqueId": "x y"})
        client.post("/ed-fi/students", json={"studentUniqueId": "incomplete"})
        client.get("/ed-fi/nothing")
    httpx.get(sandbox.url + "/")
    log = hooks.get("/requests")
    assert log.status_code == 200
    assert log.headers["content-type"] == "application/json"
    assert log.json() == [
        {"method": "GET", "path": "/data/v3/ed-fi/students", "query": "limit=3&studentUniqueId=x+y", "status": 200},
        {"method": "POST", "path": "/data/v3/ed-fi/students", "query": "", "status": 400},
        {"method": "GET", "path": "/data/v3/ed-fi/nothing", "query": "", "status": 404},
        {"method": "GET", "path": "/", "query": "", "status": 200},
    ]
    assert hooks.delete("/requests").status_code == 204
    assert hooks.get("/requests").json() == []


def test_request_log_records_injected_faults(hooks: httpx.Client, client: httpx.Client) -> None:
    assert hooks.delete("/requests").status_code == 204
    assert hooks.post("/faults", json={"status": 503, "count": 1}).status_code == 204
    client.get("/ed-fi/students")
    client.get("/ed-fi/students")
    statuses = [row["status"] for row in hooks.get("/requests").json()]
    assert statuses == [503, 200]


def test_request_log_is_bounded(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(test_hooks=True, request_log_size=3), builtin_catalog) as running:
        for n in range(5):
            httpx.get(f"{running.url}/metadata/", params={"n": n})
        log = httpx.get(f"{running.host_url}/_sandbox/requests").json()
        assert [row["query"] for row in log] == ["n=2", "n=3", "n=4"]


# --- reset -------------------------------------------------------------------------------------------


def test_reset(sandbox: RunningSandbox, hooks: httpx.Client, client: httpx.Client) -> None:
    unique_id = unique()
    student_id = create(client, "/ed-fi/students", student(unique_id))
    code = unique("Custom ")
    create(client, "/ed-fi/gradeLevelDescriptors", descriptor_payload("GradeLevelDescriptor", code, TEST_NS))
    assert hooks.post("/faults", json={"status": 503, "count": 5, "pathContains": "/nowhere"}).status_code == 204

    assert hooks.post("/reset").status_code == 204
    assert_problem(client.get("/ed-fi/students"), 401, AUTHENTICATION)  # tokens are revoked too

    with sandbox.client() as fresh:
        assert_problem(fresh.get(f"/ed-fi/students/{student_id}"), 404, NOT_FOUND)
        assert fresh.get("/ed-fi/students", params={"totalCount": "true"}).headers["total-count"] == "0"
        grades = fresh.get("/ed-fi/gradeLevelDescriptors", params={"limit": 500}).json()
        codes = {(row["namespace"], row["codeValue"]) for row in grades}
        assert ("uri://ed-fi.org/GradeLevelDescriptor", "Ninth grade") in codes  # default values are back
        assert (f"{TEST_NS}/GradeLevelDescriptor", code) not in codes
        years = fresh.get("/ed-fi/schoolYearTypes", params={"limit": 0, "totalCount": "true"})
        assert years.headers["total-count"] == "60"
        # the same natural key is new again
        again = fresh.post("/ed-fi/students", json=student(unique_id))
        assert again.status_code == 201
        assert again.headers["location"].rsplit("/", 1)[1] != student_id
        assert fresh.get("/nowhere").status_code == 404  # faults were cleared (a fault would give 503)


def test_unknown_hook_gives_404(hooks: httpx.Client) -> None:
    assert_problem(hooks.get("/nothing"), 404, NOT_FOUND)
    assert_problem(hooks.get("/reset"), 404, NOT_FOUND)
    assert_problem(hooks.post("/requests"), 404, NOT_FOUND)


# --- hooks off ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_hooks(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_sandbox/requests"),
        ("DELETE", "/_sandbox/requests"),
        ("POST", "/_sandbox/reset"),
        ("POST", "/_sandbox/faults"),
        ("POST", "/_sandbox/tokens/revoke"),
        ("POST", "/_sandbox/latency"),
        ("POST", "/_sandbox/token-lifetime"),
    ],
)
def test_hooks_off_give_404(no_hooks: RunningSandbox, method: str, path: str) -> None:
    with no_hooks.client() as client:
        unique_id = unique()
        create(client, "/ed-fi/students", student(unique_id))
        response = httpx.request(method, no_hooks.host_url + path, json={"status": 503, "seconds": 1})
        assert_problem(response, 404, NOT_FOUND)
        # nothing happened: the data, the token and normal service are intact
        started = time.monotonic()
        assert len(client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json()) == 1
        assert client.get("/ed-fi/students", params={"limit": 1}).status_code == 200
        assert time.monotonic() - started < 0.9
        assert httpx.get(no_hooks.url + "/").status_code == 200
