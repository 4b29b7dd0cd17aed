"""The sandbox against the Ed-Fi Discovery API 1.0 Postman collection (``../shared/edfi/spec``).

Two layers:

* always: every request of the collection is replayed with httpx and checked the way its test scripts check
  it (2xx status, ``Content-Type`` including the expected type, a JSON body, and the ``const schema = {...}``
  JSON Schema each script embeds, validated with jsonschema);
* when newman is installed: the real collection is run with newman against the sandbox.

The collection's ``{{baseUrl}}`` is the API root including ``/api`` (its test names read ``[GET]::/api/...``),
so the sandbox runs with prefix ``/api``. ``baseUrl`` is a *collection* variable in the file, and in Postman's
precedence a collection variable beats a global one, so newman gets it with ``--env-var``.

newman is looked for in ``$NEWMAN_BIN``, then on ``PATH``, then in ``.ci/node/node_modules/.bin`` and
``node_modules/.bin`` of the project (CI: ``npm install --prefix .ci/node --no-audit --no-fund newman@6``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.conftest import SPEC_DIR
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

COLLECTION = SPEC_DIR / "discovery-api-1.0.postman.json"
PROJECT = Path(__file__).resolve().parents[2]
NEWMAN_CANDIDATES = (
    PROJECT / ".ci" / "node" / "node_modules" / ".bin" / "newman",
    PROJECT / "node_modules" / ".bin" / "newman",
)

_SCHEMA = re.compile(r"^\s*const schema = (\{.*\})\s*;?\s*$", re.MULTILINE)
_CONTENT_TYPE = re.compile(r'headers\.get\("Content-Type"\)\)\.to\.include\("([^"]+)"\)')


@dataclass
class Case:
    """One request of the collection and what its test script checks."""

    name: str
    path: str  # below {{baseUrl}}, e.g. "/metadata/data/v3/dependencies" or ""
    headers: dict[str, str]
    content_type: str | None
    json_body: bool
    schema: dict[str, Any] | None
    script: str = field(repr=False, default="")


def _leaves(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "item" in item:
            yield from _leaves(item["item"])
        else:
            yield item


def load_cases(path: Path) -> list[Case]:
    """Every request of a Postman v2.1 collection with the checks of its ``test`` script."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    cases = []
    for item in _leaves(collection["item"]):
        request = item["request"]
        raw = request["url"]["raw"] if isinstance(request["url"], dict) else request["url"]
        assert raw.startswith("{{baseUrl}}"), f"{item['name']}: unexpected URL {raw}"
        script = "\n".join(
            "\n".join(event["script"]["exec"]) for event in item.get("event", []) if event.get("listen") == "test"
        )
        schemas = _SCHEMA.findall(script)
        assert len(schemas) <= 1, f"{item['name']}: more than one schema in its test script"
        content_type = _CONTENT_TYPE.search(script)
        label = "GraphML " if "graphml" in item["name"].lower() else ""
        cases.append(
            Case(
                name=f"{request['method']} {label}{raw.removeprefix('{{baseUrl}}') or '/'}",
                path=raw.removeprefix("{{baseUrl}}"),
                headers={h["key"]: h["value"] for h in request.get("header", []) if not h.get("disabled")},
                content_type=content_type.group(1) if content_type else None,
                json_body="to.have.jsonBody()" in script,
                schema=json.loads(schemas[0]) if schemas else None,
                script=script,
            )
        )
    return cases


def _cases_or_empty() -> list[Case]:
    return load_cases(COLLECTION) if COLLECTION.exists() else []


CASES = _cases_or_empty()


@pytest.fixture(autouse=True)
def _needs_collection() -> None:
    if not COLLECTION.exists():
        pytest.skip(f"{COLLECTION} is not available (third-party data lives in ../shared)")


@pytest.fixture(
    scope="module",
    params=[("ds50", "ods7"), ("ds50", "ods5"), ("builtin", "ods7")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def sandbox(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    """A sandbox at ``http://127.0.0.1:<port>/api`` (the collection's ``baseUrl``)."""
    spec, profile = request.param
    catalog: Catalog = request.getfixturevalue("ds50_catalog" if spec == "ds50" else "builtin_catalog")
    with serve_sandbox(SandboxConfig(prefix="/api", profile=profile), catalog) as running:
        yield running


def test_collection_has_the_expected_requests() -> None:
    names = {case.name for case in CASES}
    assert names == {
        "GET /",
        "GET /metadata",
        "GET /metadata/data/v3/dependencies",
        "GET GraphML /metadata/data/v3/dependencies",
    }
    assert sum(case.schema is not None for case in CASES) == 3
    for case in CASES:
        if case.schema is not None:
            Draft7Validator.check_schema(case.schema)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_response_matches_collection(sandbox: RunningSandbox, case: Case) -> None:
    response = httpx.get(f"{sandbox.url}{case.path}", headers=case.headers, timeout=30)
    assert 200 <= response.status_code < 300, (response.status_code, response.text[:500])
    if case.content_type is not None:
        assert case.content_type in response.headers.get("content-type", "")
    body = response.json() if case.json_body or case.schema is not None else None
    if case.schema is not None:
        errors = sorted(Draft7Validator(case.schema).iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:20])


def test_graphml_is_xml(sandbox: RunningSandbox) -> None:
    response = httpx.get(
        f"{sandbox.url}/metadata/data/v3/dependencies", headers={"Accept": "application/graphml"}, timeout=30
    )
    assert response.headers["content-type"].startswith("application/graphml")
    assert response.text.lstrip().startswith("<")
    assert "graphml" in response.text[:500]


def test_discovery_urls_point_at_this_sandbox(sandbox: RunningSandbox) -> None:
    urls = httpx.get(sandbox.url, timeout=30).json()["urls"]
    for name in ("dependencies", "openApiMetadata", "oauth", "dataManagementApi"):
        assert urls[name].startswith(f"{sandbox.url}/"), (name, urls[name])
    assert httpx.get(urls["dependencies"], timeout=30).status_code == 200
    assert httpx.get(urls["openApiMetadata"], timeout=30).status_code == 200


# --- the real collection with newman -----------------------------------------------------------------------


def find_newman() -> str | None:
    """``$NEWMAN_BIN``, else ``newman`` on PATH, else a project-local install."""
    configured = os.environ.get("NEWMAN_BIN")
    if configured:
        return configured
    on_path = shutil.which("newman")
    if on_path:
        return on_path
    return next((str(p) for p in NEWMAN_CANDIDATES if p.exists()), None)


def test_newman_runs_the_collection(sandbox: RunningSandbox, tmp_path: Path) -> None:
    newman = find_newman()
    if newman is None:
        pytest.skip(
            "newman is not installed: set NEWMAN_BIN, put newman on PATH, or run "
            "'npm install --prefix .ci/node --no-audit --no-fund newman@6'"
        )
    report = tmp_path / "newman.json"
    completed = subprocess.run(
        [
            newman,
            "run",
            str(COLLECTION),
            "--env-var",
            f"baseUrl={sandbox.url}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
            "--disable-unicode",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    run = json.loads(report.read_text())["run"]
    assert run["failures"] == [], output
    stats = run["stats"]
    assert stats["requests"]["total"] == len(CASES), output
    assert stats["assertions"]["total"] >= 14, output
    assert stats["assertions"]["failed"] == 0, output
