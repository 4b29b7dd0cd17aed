"""Payload builders and assertions shared by the sandbox contract tests (real HTTP, no mocks)."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from runway.sandbox.config import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET
from runway.sandbox.problems import TITLES

ED_FI = "uri://ed-fi.org"
TEST_NS = "uri://runway.test"
ASSESSMENT_NS = "uri://runway.test/Assessment"

# Problem types the tests expect; ``assert_problem`` checks titles against ``runway.sandbox.problems.TITLES``.
BAD_REQUEST = "urn:ed-fi:api:bad-request"
VALIDATION = "urn:ed-fi:api:bad-request:data-validation-failed"
KEY_CHANGE = "urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported"
PARAMETER = "urn:ed-fi:api:bad-request:parameter-validation-failed"
AUTHENTICATION = "urn:ed-fi:api:security:authentication"
NOT_FOUND = "urn:ed-fi:api:not-found"
METHOD = "urn:ed-fi:api:method-not-allowed"
MEDIA_TYPE = "urn:ed-fi:api:unsupported-media-type"
TOO_LARGE = "urn:ed-fi:api:payload-too-large"
UNRESOLVED = "urn:ed-fi:api:data-conflict:unresolved-reference"
DEPENDENT = "urn:ed-fi:api:data-conflict:dependent-item-exists"
LOCK = "urn:ed-fi:api:optimistic-lock-failed"

# Descriptor values the payloads below use, posted by ``ensure_descriptors`` (idempotent upserts), so the
# tests do not depend on which default values a sandbox seeds.
DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "GradeLevelDescriptor": ("Ninth grade", "Tenth grade"),
    "AcademicSubjectDescriptor": ("Mathematics", "English Language Arts"),
    "AssessmentReportingMethodDescriptor": ("Scale score", "Raw score"),
    "ResultDatatypeTypeDescriptor": ("Integer",),
    "EducationOrganizationCategoryDescriptor": ("School", "Local Education Agency"),
    "LocalEducationAgencyCategoryDescriptor": ("Independent",),
    "StudentIdentificationSystemDescriptor": ("District", "State"),
}

_counter = itertools.count(1)


def unique(prefix: str = "S") -> str:
    """A short identifier no other test uses (fits studentUniqueId's 32 characters)."""
    return f"{prefix}{next(_counter)}-{uuid.uuid4().hex[:8]}"


def unique_int() -> int:
    """An education organization id no other test uses."""
    return 100_000 + next(_counter) * 1000 + uuid.uuid4().int % 1000


def descriptor(name: str, code: str, namespace: str = ED_FI) -> str:
    """``uri://ed-fi.org/GradeLevelDescriptor#Ninth grade``."""
    return f"{namespace}/{name}#{code}"


def endpoint_of(descriptor_name: str) -> str:
    """``GradeLevelDescriptor`` → ``gradeLevelDescriptors``."""
    return descriptor_name[:1].lower() + descriptor_name[1:] + "s"


def descriptor_payload(name: str, code: str, namespace: str = ED_FI) -> dict[str, Any]:
    return {
        "codeValue": code,
        "namespace": f"{namespace}/{name}",
        "shortDescription": code,
        "description": code,
    }


def ensure_descriptors(client: httpx.Client) -> None:
    """POST every descriptor value in ``DESCRIPTORS`` (201 new, 200 already there)."""
    for name, codes in DESCRIPTORS.items():
        for code in codes:
            response = client.post(f"/ed-fi/{endpoint_of(name)}", json=descriptor_payload(name, code))
            assert response.status_code in (200, 201), response.text


# --- payloads ---------------------------------------------------------------------------------------


def student(unique_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "studentUniqueId": unique_id,
        "firstName": "Ana",
        "lastSurname": "Diaz",
        "birthDate": "2010-05-04",
        **extra,
    }


def local_education_agency(lea_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "localEducationAgencyId": lea_id,
        "nameOfInstitution": f"District {lea_id}",
        "localEducationAgencyCategoryDescriptor": descriptor("LocalEducationAgencyCategoryDescriptor", "Independent"),
        "categories": [
            {
                "educationOrganizationCategoryDescriptor": descriptor(
                    "EducationOrganizationCategoryDescriptor", "Local Education Agency"
                )
            }
        ],
        **extra,
    }


def school(school_id: int, lea_id: int | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schoolId": school_id,
        "nameOfInstitution": f"School {school_id}",
        "educationOrganizationCategories": [
            {"educationOrganizationCategoryDescriptor": descriptor("EducationOrganizationCategoryDescriptor", "School")}
        ],
        "gradeLevels": [{"gradeLevelDescriptor": descriptor("GradeLevelDescriptor", "Ninth grade")}],
    }
    if lea_id is not None:
        body["localEducationAgencyReference"] = {"localEducationAgencyId": lea_id}
    return {**body, **extra}


def seoa(unique_id: str, edorg_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "educationOrganizationReference": {"educationOrganizationId": edorg_id},
        "studentReference": {"studentUniqueId": unique_id},
        **extra,
    }


def assessment(identifier: str, namespace: str = ASSESSMENT_NS, **extra: Any) -> dict[str, Any]:
    return {
        "assessmentIdentifier": identifier,
        "namespace": namespace,
        "assessmentTitle": f"Test {identifier}",
        "academicSubjects": [{"academicSubjectDescriptor": descriptor("AcademicSubjectDescriptor", "Mathematics")}],
        **extra,
    }


def objective_assessment(
    identifier: str, code: str, parent_code: str | None = None, namespace: str = ASSESSMENT_NS, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "identificationCode": code,
        "assessmentReference": {"assessmentIdentifier": identifier, "namespace": namespace},
    }
    if parent_code is not None:
        body["parentObjectiveAssessmentReference"] = {
            "assessmentIdentifier": identifier,
            "identificationCode": parent_code,
            "namespace": namespace,
        }
    return {**body, **extra}


def score(method: str = "Scale score", result: str = "250") -> dict[str, Any]:
    return {
        "assessmentReportingMethodDescriptor": descriptor("AssessmentReportingMethodDescriptor", method),
        "resultDatatypeTypeDescriptor": descriptor("ResultDatatypeTypeDescriptor", "Integer"),
        "result": result,
    }


def student_assessment(
    identifier: str, unique_id: str, assessment_id: str, namespace: str = ASSESSMENT_NS, **extra: Any
) -> dict[str, Any]:
    return {
        "studentAssessmentIdentifier": identifier,
        "assessmentReference": {"assessmentIdentifier": assessment_id, "namespace": namespace},
        "studentReference": {"studentUniqueId": unique_id},
        "administrationDate": "2025-10-01T09:00:00Z",
        "scoreResults": [score()],
        **extra,
    }


# --- requests and assertions ------------------------------------------------------------------------


def create(client: httpx.Client, route: str, payload: dict[str, Any]) -> str:
    """POST a new item (must answer 201); returns its id from ``Location``."""
    response = client.post(route, json=payload)
    assert response.status_code == 201, f"{route}: {response.status_code} {response.text}"
    return response.headers["location"].rsplit("/", 1)[-1]


def upsert(client: httpx.Client, route: str, payload: dict[str, Any]) -> None:
    """POST an item that may already exist (201 or 200)."""
    response = client.post(route, json=payload)
    assert response.status_code in (200, 201), f"{route}: {response.status_code} {response.text}"


def request_token(url: str, key: str = DEFAULT_CLIENT_KEY, secret: str = DEFAULT_CLIENT_SECRET) -> httpx.Response:
    """POST client credentials (form body, HTTP Basic) to ``{url}/oauth/token``; the answer, unchecked."""
    return httpx.post(f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(key, secret))


def get_token(url: str, key: str = DEFAULT_CLIENT_KEY, secret: str = DEFAULT_CLIENT_SECRET) -> str:
    """An access token from ``{url}/oauth/token`` (must answer 200)."""
    response = request_token(url, key, secret)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def assert_problem(
    response: httpx.Response,
    status: int,
    problem_type: str,
    *,
    validation: dict[str, list[str]] | None = None,
    validation_paths: set[str] | None = None,
    errors: list[str] | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """An ODS/API 7.x problem-details body: exact status, type, title; optional exact details."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/json"
    body = response.json()
    assert isinstance(body, dict), body
    assert body["type"] == problem_type, body
    assert body["title"] == TITLES[problem_type], body
    assert body["status"] == status, body
    assert isinstance(body["detail"], str), body
    assert body["detail"], body
    assert isinstance(body.get("correlationId"), str), body
    if detail is not None:
        assert body["detail"] == detail, body
    if validation is not None:
        assert body.get("validationErrors") == validation, body
    if validation_paths is not None:
        assert set(body.get("validationErrors", {})) == validation_paths, body
    if errors is not None:
        assert body.get("errors") == errors, body
    return body


def strip_server_fields(document: dict[str, Any]) -> dict[str, Any]:
    """A returned document without ``id``/``_etag``/``_lastModifiedDate`` and without reference links."""

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: clean(v) for k, v in node.items() if k not in ("id", "_etag", "_lastModifiedDate", "link")}
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    cleaned: dict[str, Any] = clean(document)
    return cleaned


# --- the CLI as a process ----------------------------------------------------------------------------


def runway_command() -> list[str]:
    """The ``runway`` command of this environment."""
    script = Path(sys.executable).parent / "runway"
    if script.exists():
        return [str(script)]
    found = shutil.which("runway")
    return [found] if found else [sys.executable, "-m", "runway.cli"]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``runway ARGS`` to its end, capturing its output."""
    return subprocess.run(
        [*runway_command(), *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit code != 0, no traceback, and stderr is exactly one ``Error: …`` line naming ``fragments``."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], result.stderr
    return lines[0]
