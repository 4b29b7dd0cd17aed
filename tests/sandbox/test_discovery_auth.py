"""Discovery document, OAuth2 tokens, OpenAPI metadata, dependencies and bearer-token checks, over HTTP."""

from __future__ import annotations

import base64
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from runway.sandbox.config import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, Client, SandboxConfig
from runway.sandbox.spec import EDUCATION_ORGANIZATION_MEMBERS, Catalog
from tests.sandbox.helpers import AUTHENTICATION, METHOD, NOT_FOUND, assert_problem, get_token, request_token
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

LIFETIME = 900
CLIENTS = [
    Client(key=DEFAULT_CLIENT_KEY, secret=DEFAULT_CLIENT_SECRET),
    Client(key="district-two", secret="second-secret"),
    Client(key="vendor-three", secret="third:secret with spaces"),
]


@pytest.fixture(scope="module")
def sandbox(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    config = SandboxConfig(token_lifetime=LIFETIME, clients=CLIENTS, test_hooks=True)
    with serve_sandbox(config, builtin_catalog) as running:
        yield running


def data_get(sandbox: RunningSandbox, headers: dict[str, str], path: str = "/ed-fi/students") -> httpx.Response:
    return httpx.get(f"{sandbox.url}/data/v3{path}", headers=headers)


# --- discovery ---------------------------------------------------------------------------------------


def check_discovery(body: dict[str, object], root: str) -> None:
    assert isinstance(body["version"], str)
    assert body["version"]
    assert isinstance(body["suite"], str)
    assert body["suite"]
    models = body["dataModels"]
    assert isinstance(models, list)
    assert models
    assert models[0]["name"] == "Ed-Fi"
    assert models[0]["version"] == "5.0.0"
    assert body["urls"] == {
        "dependencies": f"{root}/metadata/data/v3/dependencies",
        "openApiMetadata": f"{root}/metadata/",
        "oauth": f"{root}/oauth/token",
        "dataManagementApi": f"{root}/data/v3/",
    }


@pytest.mark.parametrize("path", ["", "/"])
def test_discovery_at_root(sandbox: RunningSandbox, path: str) -> None:
    response = httpx.get(sandbox.host_url + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    check_discovery(body, sandbox.host_url)
    assert "apiMode" not in body  # ODS/API 7.x has no apiMode


def test_discovery_urls_follow_the_request_host(sandbox: RunningSandbox) -> None:
    port = sandbox.host_url.rsplit(":", 1)[1]
    response = httpx.get(f"http://localhost:{port}/")
    assert response.status_code == 200
    check_discovery(response.json(), f"http://localhost:{port}")


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_discovery_with_prefix(builtin_catalog: Catalog, path: str) -> None:
    with serve_sandbox(SandboxConfig(prefix="api"), builtin_catalog) as running:
        response = httpx.get(running.host_url + path)
        assert response.status_code == 200
        check_discovery(response.json(), f"{running.host_url}/api")
        assert_problem(httpx.get(running.host_url + "/"), 404, NOT_FOUND)
        # every URL the document names is served
        urls = response.json()["urls"]
        assert httpx.get(urls["dependencies"]).status_code == 200
        assert httpx.get(urls["openApiMetadata"]).status_code == 200
        token = httpx.post(urls["oauth"], data={"grant_type": "client_credentials"}, auth=(running.key, running.secret))
        assert token.status_code == 200
        students = httpx.get(
            urls["dataManagementApi"] + "ed-fi/students",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert students.status_code == 200
        assert students.json() == []


def test_ods5_profile_has_api_mode_and_message_errors(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(profile="ods5"), builtin_catalog) as running:
        body = httpx.get(running.host_url + "/").json()
        check_discovery(body, running.host_url)
        assert body["apiMode"] == "Sandbox"
        for response in (
            httpx.get(running.url + "/data/v3/ed-fi/students"),  # 401
            running.client().get("/ed-fi/widgets"),  # 404
            running.client().post("/ed-fi/students", json={"studentUniqueId": "x"}),  # 400
        ):
            assert response.status_code in (400, 401, 404)
            error = response.json()
            assert list(error) == ["message"], error
            assert isinstance(error["message"], str)
            assert error["message"]
        validation = running.client().post("/ed-fi/students", json={"studentUniqueId": "x"}).json()["message"]
        assert "$.firstName" in validation


@pytest.mark.parametrize(("layout", "mode"), [("year", "Year Specific"), ("context", "District Specific")])
def test_ods5_api_mode_follows_layout(builtin_catalog: Catalog, layout: str, mode: str) -> None:
    config = SandboxConfig(profile="ods5", layout=layout)  # type: ignore[arg-type]
    context = "/2026" if layout == "context" else ""
    with serve_sandbox(config, builtin_catalog, context=context) as running:
        assert httpx.get(running.url + "/").json()["apiMode"] == mode


# --- OAuth2 token ------------------------------------------------------------------------------------


def check_token(response: httpx.Response, lifetime: int = LIFETIME) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == lifetime
    assert body["token_type"] == "bearer"
    assert isinstance(body["access_token"], str)
    assert len(body["access_token"]) >= 16
    return str(body["access_token"])


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"grant_type": "client_credentials"}, "auth": (DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET)},
        {"json": {"grant_type": "client_credentials"}, "auth": (DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET)},
        {
            "data": {
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_KEY,
                "client_secret": DEFAULT_CLIENT_SECRET,
            }
        },
        {"json": {"grant_type": "client_credentials", "client_id": "district-two", "client_secret": "second-secret"}},
    ],
    ids=["basic-auth-form-body", "basic-auth-json-body", "credentials-in-form-body", "credentials-in-json-body"],
)
def test_token_request_styles(sandbox: RunningSandbox, request_kwargs: dict[str, Any]) -> None:
    response = httpx.post(f"{sandbox.url}/oauth/token", **request_kwargs)
    token = check_token(response)
    assert response.headers["cache-control"] == "no-store"
    assert data_get(sandbox, {"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("client", CLIENTS, ids=[c.key for c in CLIENTS])
def test_each_configured_client_gets_working_tokens(sandbox: RunningSandbox, client: Client) -> None:
    token = get_token(sandbox.url, client.key, client.secret)
    assert data_get(sandbox, {"Authorization": f"Bearer {token}"}).status_code == 200
    info = httpx.post(
        f"{sandbox.url}/oauth/token_info", data={"token": token}, headers={"Authorization": f"Bearer {token}"}
    )
    assert info.status_code == 200
    assert info.json()["active"] is True
    assert info.json()["client_id"] == client.key


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        (DEFAULT_CLIENT_KEY, "wrong-secret"),
        ("nobody", DEFAULT_CLIENT_SECRET),
        ("district-two", DEFAULT_CLIENT_SECRET),  # another client's secret
        (DEFAULT_CLIENT_KEY, ""),
    ],
)
def test_token_bad_credentials_give_401_invalid_client(sandbox: RunningSandbox, key: str, secret: str) -> None:
    response = request_token(sandbox.url, key, secret)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "invalid_client"
    assert isinstance(body["error_description"], str)
    assert "access_token" not in body


def test_token_without_any_credentials_gives_401(sandbox: RunningSandbox) -> None:
    response = httpx.post(f"{sandbox.url}/oauth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_token_malformed_basic_header_gives_401(sandbox: RunningSandbox) -> None:
    for header in ("Basic !!!not-base64!!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = httpx.post(
            f"{sandbox.url}/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": header}
        )
        assert response.status_code == 401, header
        assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_token_missing_or_wrong_grant_type_gives_400(
    sandbox: RunningSandbox, body: dict[str, str], error: str, as_json: bool
) -> None:
    url, auth = f"{sandbox.url}/oauth/token", (DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET)
    response = httpx.post(url, auth=auth, json=body) if as_json else httpx.post(url, auth=auth, data=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == error
    assert "access_token" not in response.json()


def test_token_body_that_is_not_json_gives_400(sandbox: RunningSandbox) -> None:
    response = httpx.post(
        f"{sandbox.url}/oauth/token",
        content=b"{grant_type",
        headers={"Content-Type": "application/json"},
        auth=(DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_token_endpoint_other_methods_give_405(sandbox: RunningSandbox, method: str) -> None:
    response = httpx.request(method, f"{sandbox.url}/oauth/token")
    assert_problem(response, 405, METHOD)
    assert response.headers["allow"] == "POST"


def test_token_info(sandbox: RunningSandbox) -> None:
    token = get_token(sandbox.url)
    bearer = {"Authorization": f"Bearer {token}"}
    info = httpx.post(f"{sandbox.url}/oauth/token_info", data={"token": token}, headers=bearer)
    assert info.status_code == 200
    assert info.headers["content-type"] == "application/json"
    body = info.json()
    assert body["active"] is True
    assert body["client_id"] == DEFAULT_CLIENT_KEY
    assert body["namespace_prefixes"] == []
    assert body["education_organizations"] == []
    unknown = httpx.post(f"{sandbox.url}/oauth/token_info", data={"token": "f" * 32}, headers=bearer)
    assert unknown.status_code == 200
    assert unknown.json() == {"active": False}
    assert_problem(httpx.post(f"{sandbox.url}/oauth/token_info", data={"token": token}), 401, AUTHENTICATION)


# --- metadata ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/metadata", "/metadata/"])
def test_metadata_index(sandbox: RunningSandbox, path: str) -> None:
    response = httpx.get(sandbox.url + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == [
        {
            "name": "Resources",
            "endpointUri": f"{sandbox.url}/metadata/data/v3/resources/swagger.json",
            "prefix": "",
        },
        {
            "name": "Descriptors",
            "endpointUri": f"{sandbox.url}/metadata/data/v3/descriptors/swagger.json",
            "prefix": "",
        },
    ]


@pytest.mark.parametrize("kind", ["resources", "descriptors"])
def test_swagger_documents(sandbox: RunningSandbox, builtin_catalog: Catalog, kind: str) -> None:
    index = {row["name"]: row["endpointUri"] for row in httpx.get(sandbox.url + "/metadata/").json()}
    response = httpx.get(index[kind.capitalize()])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert '"x-Ed-Fi-isIdentity":' in response.text  # lightbeam turns on identity mode on this literal
    document = response.json()
    assert document["servers"] == [{"url": f"{sandbox.url}/data/v3"}]
    paths = document["paths"]
    wanted = {r.route for r in builtin_catalog.resources.values() if r.is_descriptor == (kind == "descriptors")}
    assert wanted <= set(paths)
    assert ("/ed-fi/students" in paths) == (kind == "resources")
    assert ("/ed-fi/gradeLevelDescriptors" in paths) == (kind == "descriptors")


def test_swagger_servers_follow_prefix_and_host(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(prefix="/api"), builtin_catalog) as running:
        port = running.host_url.rsplit(":", 1)[1]
        for host in (running.host_url, f"http://localhost:{port}"):
            document = httpx.get(f"{host}/api/metadata/data/v3/resources/swagger.json").json()
            assert document["servers"] == [{"url": f"{host}/api/data/v3"}]


def test_unknown_metadata_gives_404(sandbox: RunningSandbox) -> None:
    assert_problem(httpx.get(sandbox.url + "/metadata/data/v3/widgets/swagger.json"), 404, NOT_FOUND)
    assert_problem(httpx.get(sandbox.url + "/metadata/nothing"), 404, NOT_FOUND)


def test_metadata_rejects_writes(sandbox: RunningSandbox) -> None:
    response = httpx.post(sandbox.url + "/metadata/data/v3/dependencies", json={})
    assert_problem(response, 405, METHOD)
    assert response.headers["allow"] == "GET"


# --- dependencies ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dependencies(sandbox: RunningSandbox) -> list[dict[str, object]]:
    response = httpx.get(sandbox.url + "/metadata/data/v3/dependencies")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    rows: list[dict[str, object]] = response.json()
    return rows


def test_dependencies_rows(dependencies: list[dict[str, object]], builtin_catalog: Catalog) -> None:
    assert {row["resource"] for row in dependencies} == {r.route for r in builtin_catalog.resources.values()}
    assert len(dependencies) == len(builtin_catalog.resources)
    for row in dependencies:
        assert set(row) == {"resource", "order", "operations"}, row
        assert isinstance(row["order"], int)
        assert isinstance(row["operations"], list)
        assert "Create" in row["operations"]
    orders = [int(row["order"]) for row in dependencies]  # type: ignore[call-overload]
    assert orders == sorted(orders)
    assert set(orders) == set(range(1, max(orders) + 1))  # consecutive levels


def order_of(rows: list[dict[str, object]]) -> dict[str, int]:
    return {str(row["resource"]): int(row["order"]) for row in rows}  # type: ignore[call-overload]


def check_order(rows: list[dict[str, object]], catalog: Catalog) -> None:
    order = order_of(rows)
    for resource in catalog.resources.values():
        if resource.is_descriptor or resource.endpoint == "schoolYearTypes":
            assert order[resource.route] == 1, resource.route
        else:
            assert order[resource.route] > 1, resource.route
    before = [
        ("students", "studentSchoolAssociations"),
        ("schools", "studentSchoolAssociations"),
        ("localEducationAgencies", "schools"),
        ("assessments", "objectiveAssessments"),
        ("objectiveAssessments", "studentAssessments"),
        ("assessments", "studentAssessments"),
        ("students", "studentAssessments"),
        ("students", "studentEducationOrganizationAssociations"),
    ]
    members = [m for m in EDUCATION_ORGANIZATION_MEMBERS if f"/ed-fi/{m}" in order]
    assert "schools" in members
    assert "localEducationAgencies" in members
    before += [(m, "studentEducationOrganizationAssociations") for m in members]
    for first, then in before:
        assert order[f"/ed-fi/{first}"] < order[f"/ed-fi/{then}"], (first, then)


def test_dependencies_order(dependencies: list[dict[str, object]], builtin_catalog: Catalog) -> None:
    check_order(dependencies, builtin_catalog)


def test_dependencies_order_official_spec(ds50_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(), ds50_catalog) as running:
        rows = httpx.get(running.url + "/metadata/data/v3/dependencies").json()
        check_order(rows, ds50_catalog)
        assert len(rows) == len(ds50_catalog.resources)


def test_dependencies_graphml(sandbox: RunningSandbox, dependencies: list[dict[str, object]]) -> None:
    response = httpx.get(sandbox.url + "/metadata/data/v3/dependencies", headers={"Accept": "application/graphml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphml")
    root = ET.fromstring(response.content)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert root.tag == "{http://graphml.graphdrawing.org/xmlns}graphml"
    nodes = {n.attrib["id"] for n in root.iterfind("g:graph/g:node", ns)}
    assert nodes == {row["resource"] for row in dependencies}
    edges = {(e.attrib["source"], e.attrib["target"]) for e in root.iterfind("g:graph/g:edge", ns)}
    assert ("/ed-fi/students", "/ed-fi/studentAssessments") in edges
    assert ("/ed-fi/assessments", "/ed-fi/objectiveAssessments") in edges
    order = order_of(dependencies)
    for source, target in edges:
        assert order[source] <= order[target], (source, target)
    # without the Accept header it is JSON again
    plain = httpx.get(sandbox.url + "/metadata/data/v3/dependencies")
    assert plain.headers["content-type"] == "application/json"
    assert json.loads(plain.content) == dependencies


# --- bearer tokens on data calls -----------------------------------------------------------------------


def test_data_without_token_gives_401(sandbox: RunningSandbox) -> None:
    response = data_get(sandbox, {})
    assert_problem(response, 401, AUTHENTICATION)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Basic cnVud2F5OnNlY3JldA==", "Token abc", "bearer", "Bearer a b c", "abc"],
)
def test_data_with_malformed_authorization_gives_401(sandbox: RunningSandbox, header: str) -> None:
    assert_problem(data_get(sandbox, {"Authorization": header}), 401, AUTHENTICATION)


def test_data_with_unknown_token_gives_401(sandbox: RunningSandbox) -> None:
    assert_problem(data_get(sandbox, {"Authorization": "Bearer " + "0" * 32}), 401, AUTHENTICATION)


def test_bearer_scheme_is_case_insensitive(sandbox: RunningSandbox) -> None:
    token = get_token(sandbox.url)
    assert data_get(sandbox, {"Authorization": f"bearer {token}"}).status_code == 200
    assert data_get(sandbox, {"Authorization": f"BEARER {token}"}).status_code == 200


def test_revoked_token_gives_401(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(test_hooks=True), builtin_catalog) as running:
        token = running.token()
        headers = {"Authorization": f"Bearer {token}"}
        assert data_get(running, headers).status_code == 200
        revoked = httpx.post(running.host_url + "/_sandbox/tokens/revoke")
        assert revoked.status_code == 200
        assert revoked.json() == {"revoked": 1}
        assert_problem(data_get(running, headers), 401, AUTHENTICATION)
        assert data_get(running, {"Authorization": f"Bearer {running.token()}"}).status_code == 200


def test_expired_token_gives_401(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(token_lifetime=1), builtin_catalog) as running:
        token = check_token(request_token(running.url, running.key, running.secret), lifetime=1)
        headers = {"Authorization": f"Bearer {token}"}
        assert data_get(running, headers).status_code == 200
        time.sleep(1.2)
        assert_problem(data_get(running, headers), 401, AUTHENTICATION)
