"""URL layouts over HTTP: a path prefix, year-specific data (``data/v3/{year}``) and context routing (``/{year}/``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import AUTHENTICATION, NOT_FOUND, assert_problem, create, get_token, student, unique
from tests.support.sandbox_server import RunningSandbox, serve_sandbox


def check_create_and_read(root: str, sandbox: RunningSandbox) -> None:
    """A token from ``{root}/oauth/token`` creates a student under ``{root}/data/v3``, which reads back."""
    bearer = {"Authorization": f"Bearer {get_token(root, sandbox.key, sandbox.secret)}"}
    created = httpx.post(f"{root}/data/v3/ed-fi/students", json=student(unique()), headers=bearer)
    assert created.status_code == 201
    assert created.headers["location"].startswith(f"{root}/data/v3/ed-fi/students/")
    assert httpx.get(created.headers["location"], headers=bearer).status_code == 200


# --- prefix ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prefixed(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(prefix="/api"), builtin_catalog) as running:
        yield running


def test_prefix_serves_everything_under_it(prefixed: RunningSandbox) -> None:
    api = f"{prefixed.host_url}/api"
    assert prefixed.url == api
    discovery = httpx.get(api + "/").json()
    assert discovery["urls"]["dataManagementApi"] == f"{api}/data/v3/"
    assert httpx.get(f"{api}/metadata/").json()[0]["endpointUri"] == f"{api}/metadata/data/v3/resources/swagger.json"
    assert httpx.get(f"{api}/metadata/data/v3/dependencies").status_code == 200
    check_create_and_read(api, prefixed)


@pytest.mark.parametrize(
    "path",
    ["/", "/oauth/token", "/metadata/", "/data/v3/ed-fi/students", "/apix/", "/API/", "/other/api/"],
)
def test_prefix_paths_outside_it_give_404(prefixed: RunningSandbox, path: str) -> None:
    assert_problem(httpx.get(prefixed.host_url + path), 404, NOT_FOUND)


# --- year-specific -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def yearly(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(layout="year"), builtin_catalog) as running:
        yield running


def test_year_layout_keeps_years_apart(yearly: RunningSandbox) -> None:
    bearer = {"Authorization": f"Bearer {yearly.token()}"}
    data = f"{yearly.url}/data/v3"
    unique_id = unique()
    created = httpx.post(f"{data}/2026/ed-fi/students", json=student(unique_id), headers=bearer)
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith(f"{data}/2026/ed-fi/students/")
    assert httpx.get(location, headers=bearer).json()["studentUniqueId"] == unique_id

    params = {"studentUniqueId": unique_id}
    assert httpx.get(f"{data}/2025/ed-fi/students", params=params, headers=bearer).json() == []
    other = httpx.post(f"{data}/2025/ed-fi/students", json=student(unique_id, firstName="Other"), headers=bearer)
    assert other.status_code == 201  # a new item: 2025 is a separate database
    assert other.headers["location"] != location
    other_id = other.headers["location"].rsplit("/", 1)[1]
    assert_problem(httpx.get(f"{data}/2026/ed-fi/students/{other_id}", headers=bearer), 404, NOT_FOUND)
    assert httpx.get(f"{data}/2026/ed-fi/students", params=params, headers=bearer).json()[0]["firstName"] == "Ana"
    assert httpx.get(f"{data}/2025/ed-fi/students", params=params, headers=bearer).json()[0]["firstName"] == "Other"


def test_year_layout_seeds_each_year(yearly: RunningSandbox) -> None:
    bearer = {"Authorization": f"Bearer {yearly.token()}"}
    for year in (2024, 2031):
        grades = httpx.get(
            f"{yearly.url}/data/v3/{year}/ed-fi/gradeLevelDescriptors",
            params={"codeValue": "Ninth grade"},
            headers=bearer,
        )
        assert grades.status_code == 200
        assert len(grades.json()) == 1


@pytest.mark.parametrize("path", ["/data/v3/ed-fi/students", "/data/v3/20x6/ed-fi/students", "/data/v3/ed-fi"])
def test_year_layout_without_year_gives_404(yearly: RunningSandbox, path: str) -> None:
    bearer = {"Authorization": f"Bearer {yearly.token()}"}
    assert_problem(httpx.get(yearly.url + path, headers=bearer), 404, NOT_FOUND)


def test_year_layout_metadata(yearly: RunningSandbox) -> None:
    discovery = httpx.get(yearly.url + "/").json()
    assert discovery["urls"]["dataManagementApi"] == f"{yearly.url}/data/v3/"
    for path in ("/metadata/data/v3/2026/dependencies", "/metadata/data/v3/dependencies"):
        assert httpx.get(yearly.url + path).status_code == 200, path
    swagger = httpx.get(f"{yearly.url}/metadata/data/v3/2026/resources/swagger.json")
    assert swagger.status_code == 200
    assert "/ed-fi/students" in swagger.json()["paths"]


def test_year_layout_client_helper_uses_a_year(yearly: RunningSandbox) -> None:
    with yearly.client() as client:
        assert str(client.base_url).rstrip("/") == f"{yearly.url}/data/v3/2026"
        assert client.get("/ed-fi/students", params={"limit": 1}).status_code == 200


def test_year_layout_with_configured_years(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(layout="year", school_years=[2026]), builtin_catalog) as running:
        bearer = {"Authorization": f"Bearer {running.token()}"}
        data = f"{running.url}/data/v3"
        assert httpx.post(f"{data}/2026/ed-fi/students", json=student(unique()), headers=bearer).status_code == 201
        assert_problem(httpx.get(f"{data}/2025/ed-fi/students", headers=bearer), 404, NOT_FOUND)
        assert_problem(
            httpx.post(f"{data}/2025/ed-fi/students", json=student(unique()), headers=bearer), 404, NOT_FOUND
        )


# --- context routing ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contexts(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(layout="context", school_years=[2025, 2026]), builtin_catalog, "/2026") as running:
        yield running


def test_context_layout_serves_everything_under_the_context(contexts: RunningSandbox) -> None:
    root = f"{contexts.host_url}/2026"
    assert contexts.url == root
    for path in ("", "/"):
        discovery = httpx.get(root + path)
        assert discovery.status_code == 200
        assert discovery.json()["urls"] == {
            "dependencies": f"{root}/metadata/data/v3/dependencies",
            "openApiMetadata": f"{root}/metadata/",
            "oauth": f"{root}/oauth/token",
            "dataManagementApi": f"{root}/data/v3/",
        }
    index = httpx.get(f"{root}/metadata/").json()
    assert index[0]["endpointUri"] == f"{root}/metadata/data/v3/resources/swagger.json"
    swagger = httpx.get(index[0]["endpointUri"])
    assert swagger.json()["servers"] == [{"url": f"{root}/data/v3"}]
    assert httpx.get(f"{root}/metadata/data/v3/dependencies").status_code == 200
    check_create_and_read(root, contexts)
    with contexts.client() as client:
        assert str(client.base_url).rstrip("/") == f"{root}/data/v3"


def test_context_layout_keeps_contexts_apart(contexts: RunningSandbox) -> None:
    bearer = {"Authorization": f"Bearer {contexts.token()}"}
    unique_id = unique()
    params = {"studentUniqueId": unique_id}
    host = contexts.host_url
    assert httpx.post(f"{host}/2026/data/v3/ed-fi/students", json=student(unique_id), headers=bearer).status_code == 201
    assert httpx.get(f"{host}/2025/data/v3/ed-fi/students", params=params, headers=bearer).json() == []
    assert httpx.get(f"{host}/2026/data/v3/ed-fi/students", params=params, headers=bearer).json() != []
    other = httpx.post(f"{host}/2025/data/v3/ed-fi/students", json=student(unique_id), headers=bearer)
    assert other.status_code == 201
    assert other.headers["location"].startswith(f"{host}/2025/data/v3/ed-fi/students/")


@pytest.mark.parametrize(
    "path",
    ["/", "/2024/", "/2024/data/v3/ed-fi/students", "/abcd/", "/data/v3/ed-fi/students", "/oauth/token", "/metadata/"],
)
def test_context_layout_unknown_context_gives_404(contexts: RunningSandbox, path: str) -> None:
    assert_problem(httpx.get(contexts.host_url + path), 404, NOT_FOUND)


def test_context_layout_with_prefix(builtin_catalog: Catalog) -> None:
    config = SandboxConfig(layout="context", prefix="/api")
    with serve_sandbox(config, builtin_catalog, "/2027") as running:
        root = f"{running.host_url}/api/2027"
        assert running.url == root
        assert httpx.get(root + "/").json()["urls"]["oauth"] == f"{root}/oauth/token"
        with running.client() as client:
            assert client.post("/ed-fi/students", json=student(unique())).status_code == 201
        assert_problem(httpx.get(f"{running.host_url}/2027/"), 404, NOT_FOUND)
        assert_problem(httpx.get(f"{running.host_url}/api/"), 404, NOT_FOUND)


def test_context_data_needs_a_token(contexts: RunningSandbox) -> None:
    assert_problem(httpx.get(f"{contexts.url}/data/v3/ed-fi/students"), 401, AUTHENTICATION)


def test_token_from_one_context_is_accepted_in_the_other(contexts: RunningSandbox) -> None:
    # one ODS/API instance issues the tokens of all its contexts
    bearer = {"Authorization": f"Bearer {get_token(contexts.host_url + '/2025', contexts.key, contexts.secret)}"}
    response = httpx.get(f"{contexts.host_url}/2026/data/v3/ed-fi/students", params={"limit": 1}, headers=bearer)
    assert response.status_code == 200
    with httpx.Client(base_url=f"{contexts.host_url}/2026/data/v3", headers=bearer) as client:
        create(client, "/ed-fi/students", student(unique()))
