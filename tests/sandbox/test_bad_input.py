"""Hostile and broken input over HTTP: each gets a specific 4xx JSON answer and the sandbox keeps serving."""

from __future__ import annotations

import http.client
import json
import random
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import (
    BAD_REQUEST,
    MEDIA_TYPE,
    NOT_FOUND,
    PARAMETER,
    TOO_LARGE,
    VALIDATION,
    assert_problem,
    assessment,
    create,
    ensure_descriptors,
    local_education_agency,
    school,
    seoa,
    student,
    unique,
)
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def client(sandbox: RunningSandbox, client: httpx.Client) -> Iterator[httpx.Client]:
    """The module's client (from conftest), checked after each test."""
    yield client
    # whatever the test sent, the sandbox still answers
    assert client.get(sandbox.url + "/").status_code == 200
    assert client.get("/ed-fi/students", params={"limit": 1}).status_code == 200


def raw_request(url: str, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    """Send ``path`` exactly as given (httpx would normalize ``..`` and encode odd characters)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- bodies ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message_start"),
    [
        (b'{"studentUniqueId": "x",', "The request body is not valid JSON"),
        (b"{'studentUniqueId': 'x'}", "The request body is not valid JSON"),
        (b'{"a": 1} trailing', "The request body is not valid JSON"),
        (b"\xef\xbb\xbf{", "The request body is not valid JSON"),
    ],
)
def test_malformed_json(client: httpx.Client, body: bytes, message_start: str) -> None:
    response = client.post("/ed-fi/students", content=body, headers=JSON)
    problem = assert_problem(response, 400, BAD_REQUEST)
    assert len(problem["errors"]) == 1
    assert problem["errors"][0].startswith(message_start), problem


@pytest.mark.parametrize("body", [b"", b"   ", b"\n\t", b"\xef\xbb\xbf"])
def test_empty_body(client: httpx.Client, body: bytes) -> None:
    response = client.post("/ed-fi/students", content=body, headers=JSON)
    assert_problem(response, 400, BAD_REQUEST, errors=["A non-empty request body is required."])


def test_empty_body_on_put(client: httpx.Client) -> None:
    document_id = create(client, "/ed-fi/students", student(unique()))
    response = client.put(f"/ed-fi/students/{document_id}", content=b"", headers=JSON)
    assert_problem(response, 400, BAD_REQUEST, errors=["A non-empty request body is required."])


@pytest.mark.parametrize("body", [b"[]", b'[{"studentUniqueId": "x"}]', b'"student"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object(client: httpx.Client, body: bytes) -> None:
    response = client.post("/ed-fi/students", content=body, headers=JSON)
    assert_problem(
        response, 400, BAD_REQUEST, errors=["The request body must be a JSON object describing one resource item."]
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity(client: httpx.Client, constant: str) -> None:
    fields = json.dumps(student(unique()))[:-1]
    body = f'{fields}, "x": {constant}}}'
    response = client.post("/ed-fi/students", content=body.encode(), headers=JSON)
    problem = assert_problem(response, 400, BAD_REQUEST)
    assert problem["errors"][0].startswith("The request body is not valid JSON"), problem


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"caf\xe9"])
def test_invalid_utf8(client: httpx.Client, raw: bytes) -> None:
    body = b'{"studentUniqueId": "' + raw + b'", "firstName": "A", "lastSurname": "B", "birthDate": "2010-01-01"}'
    response = client.post("/ed-fi/students", content=body, headers=JSON)
    assert_problem(response, 400, BAD_REQUEST, errors=["The request body is not valid UTF-8."])


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type(client: httpx.Client, content_type: str | None) -> None:
    body = json.dumps(student(unique())).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/ed-fi/students", content=body, headers=headers)
    assert_problem(response, 415, MEDIA_TYPE)


def test_json_content_type_with_charset_is_accepted(client: httpx.Client) -> None:
    body = json.dumps(student(unique())).encode()
    response = client.post("/ed-fi/students", content=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201


# --- size limits -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(max_body_bytes=4096), builtin_catalog) as running:
        yield running


def oversized() -> bytes:
    return json.dumps(student(unique(), firstName="x" * 60, middleName="y" * 9000)).encode()


def test_body_over_limit_with_content_length(small: RunningSandbox) -> None:
    with small.client() as client:
        response = client.post("/ed-fi/students", content=oversized(), headers=JSON)
        assert "content-length" in response.request.headers
        body = assert_problem(response, 413, TOO_LARGE)
        assert "4096" in body["detail"]
        assert client.get("/ed-fi/students").json() == []
    assert httpx.get(small.url + "/").status_code == 200


def test_body_over_limit_chunked(small: RunningSandbox) -> None:
    payload = oversized()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    with small.client() as client:
        response = client.post("/ed-fi/students", content=chunks(), headers=JSON)
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.request.headers
        assert_problem(response, 413, TOO_LARGE)
        assert client.get("/ed-fi/students").json() == []
    assert httpx.get(small.url + "/").status_code == 200


def test_body_under_limit_chunked_is_accepted(small: RunningSandbox) -> None:
    payload = json.dumps(student(unique())).encode()
    with small.client() as client:
        response = client.post("/ed-fi/students", content=iter([payload[:10], payload[10:]]), headers=JSON)
        assert response.status_code == 201


def test_token_body_over_limit(small: RunningSandbox) -> None:
    response = httpx.post(
        f"{small.url}/oauth/token",
        content=b"grant_type=client_credentials&pad=" + b"x" * 10_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(small.key, small.secret),
    )
    assert_problem(response, 413, TOO_LARGE)


# --- nesting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [70, 1_000, 100_000])
def test_very_deep_nesting(client: httpx.Client, depth: int) -> None:
    body = '{"studentUniqueId": "deep", "x": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/ed-fi/students", content=body.encode(), headers=JSON)
    assert_problem(response, 400, BAD_REQUEST, errors=["The request body is nested too deeply."])


def test_moderate_nesting_in_unknown_property_is_accepted(client: httpx.Client) -> None:
    payload = student(unique(), extra=json.loads("[" * 20 + "]" * 20))
    assert client.post("/ed-fi/students", json=payload).status_code == 201


# --- odd resource names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["stu%00dents", "%00", "..", "%2e%2e", "students%2F..%2F..", "<script>", "%ff%fe", "x" * 5000, "students;drop"],
)
def test_odd_resource_names_give_404(sandbox: RunningSandbox, client: httpx.Client, name: str) -> None:
    token = str(client.headers["authorization"])
    path = urlsplit(sandbox.url).path + "/data/v3/ed-fi/" + name
    for method, body in (("GET", b""), ("POST", b'{"a": 1}')):
        status, raw = raw_request(
            sandbox.url, method, path, {"Authorization": token, "Content-Type": "application/json"}, body
        )
        assert status == 404, (method, name, raw[:200])
        problem = json.loads(raw)
        assert problem["type"] == NOT_FOUND
        assert problem["status"] == 404


@pytest.mark.parametrize("path", ["/data/v3/../../etc/passwd", "/data/v3/ed-fi/../ed-fi/students/..", "/%00/", "/.."])
def test_dot_segments_and_nul_outside_resources_give_404(
    sandbox: RunningSandbox, client: httpx.Client, path: str
) -> None:
    token = str(client.headers["authorization"])
    status, raw = raw_request(sandbox.url, "GET", path, {"Authorization": token})
    assert status == 404, raw[:200]
    assert json.loads(raw)["type"] == NOT_FOUND


def test_odd_document_ids_give_404(client: httpx.Client) -> None:
    for document_id in ("' OR '1'='1", "%00", "a" * 2000, "12345"):
        response = client.get(f"/ed-fi/students/{document_id}")
        assert_problem(response, 404, NOT_FOUND)


# --- odd values --------------------------------------------------------------------------------------


def test_sql_like_strings_are_stored_verbatim(client: httpx.Client) -> None:
    hostile = "'; DROP TABLE documents; --"
    unique_id = "x'; DROP TABLE documents;--" + unique("")[-4:]
    document_id = create(client, "/ed-fi/students", student(unique_id, firstName=hostile, lastSurname='" OR 1=1 --'))
    body = client.get(f"/ed-fi/students/{document_id}").json()
    assert body["studentUniqueId"] == unique_id
    assert body["firstName"] == hostile
    assert body["lastSurname"] == '" OR 1=1 --'
    by_key = client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json()
    assert [row["id"] for row in by_key] == [document_id]
    by_name = client.get("/ed-fi/students", params={"firstName": hostile}).json()
    assert document_id in [row["id"] for row in by_name]
    wildcard = client.get("/ed-fi/students", params={"firstName": "%"}).json()
    assert wildcard == []
    assert len(client.get("/ed-fi/students", params={"limit": 500}).json()) >= 1


def test_sql_like_query_parameters(client: httpx.Client) -> None:
    response = client.get("/ed-fi/students", params={"studentUniqueId": "' OR '1'='1"})
    assert response.status_code == 200
    assert response.json() == []
    response = client.get(
        "/ed-fi/studentEducationOrganizationAssociations", params={"educationOrganizationId": "1 OR 1=1"}
    )
    assert_problem(response, 400, PARAMETER, validation_paths={"educationOrganizationId"})


def test_very_long_string_gives_400_max_length(client: httpx.Client) -> None:
    response = client.post("/ed-fi/students", json=student(unique(), firstName="x" * 100_000))
    assert_problem(response, 400, VALIDATION, validation_paths={"$.firstName"})
    response = client.post("/ed-fi/students", json=student("y" * 100_000))
    assert_problem(response, 400, VALIDATION, validation_paths={"$.studentUniqueId"})


@pytest.mark.parametrize("value", [10**30, -(10**30), 2**63])
def test_huge_integers_give_400(client: httpx.Client, value: int) -> None:
    """Education organization ids are int64 in Ed-Fi; a value that does not fit is refused, not stored."""
    response = client.post("/ed-fi/localEducationAgencies", json=local_education_agency(value))
    assert_problem(response, 400, VALIDATION, validation_paths={"$.localEducationAgencyId"})
    response = client.post("/ed-fi/schools", json=school(value))
    assert_problem(response, 400, VALIDATION, validation_paths={"$.schoolId"})


def test_huge_integer_in_a_reference_does_not_fail(client: httpx.Client) -> None:
    response = client.post("/ed-fi/studentEducationOrganizationAssociations", json=seoa(unique(), 10**30))
    assert response.status_code in (400, 409)
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize("value", [str(10**30), str(-(10**30)), "1e400", "9" * 400])
def test_huge_integer_query_parameter_gives_400(client: httpx.Client, value: str) -> None:
    response = client.get("/ed-fi/schools", params={"schoolId": value})
    assert_problem(response, 400, PARAMETER, validation_paths={"schoolId"})


@pytest.mark.parametrize("value", ["1e400", "-1e400", "1" + "0" * 5000])
def test_huge_numbers_in_body_give_400(builtin_catalog: Catalog, value: str) -> None:
    """A number JSON can carry but a double (or Python) cannot hold is refused, not stored changed.

    ``1e400`` parses to infinity: stored as ``Infinity`` it is not JSON and breaks later queries; stored as
    ``null`` it silently loses the value. Each case runs in a sandbox of its own so a stored value cannot
    leak into other tests.
    """
    with serve_sandbox(SandboxConfig(), builtin_catalog) as running, running.client() as client:
        ensure_descriptors(client)
        identifier = unique("Huge")
        text = json.dumps(assessment(identifier))[:-1] + f', "maxRawScore": {value}}}'
        response = client.post("/ed-fi/assessments", content=text.encode(), headers=JSON)
        assert response.status_code == 400, response.text
        assert response.json()["type"] in (BAD_REQUEST, VALIDATION)
        assert client.get("/ed-fi/assessments", params={"assessmentIdentifier": identifier}).json() == []
        assert client.get("/ed-fi/assessments", params={"assessmentTitle": "x"}).status_code == 200


def test_unicode_round_trip(client: httpx.Client) -> None:
    names = {"firstName": "José Ñúñez", "middleName": "Zoë 山田 Øyvind", "lastSurname": "Łukasz-Đorđević 🙂"}
    unique_id = "ÉLÈVE-" + unique("")
    document_id = create(client, "/ed-fi/students", student(unique_id, **names))
    response = client.get(f"/ed-fi/students/{document_id}")
    assert response.headers["content-type"] == "application/json"
    body = json.loads(response.content.decode("utf-8"))
    assert {k: body[k] for k in names} == names
    assert body["studentUniqueId"] == unique_id
    for name, value in names.items():
        rows = client.get("/ed-fi/students", params={name: value}).json()
        assert document_id in [row["id"] for row in rows], name
    rows = client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json()
    assert [row["id"] for row in rows] == [document_id]


def test_unicode_key_upsert_is_case_insensitive(client: httpx.Client) -> None:
    unique_id = "ÉLÈVE-" + unique("")
    document_id = create(client, "/ed-fi/students", student(unique_id))
    again = client.post("/ed-fi/students", json=student(unique_id.lower(), firstName="Élodie"))
    assert again.status_code == 200
    assert client.get(f"/ed-fi/students/{document_id}").json()["firstName"] == "Élodie"


def test_unicode_query_is_case_insensitive(client: httpx.Client) -> None:
    """ODS compares case-insensitively for every letter (SQL Server collation), not only for ASCII."""
    unique_id = "ÉLÈVE-" + unique("")
    surname = "Ñúñez-" + unique("")
    document_id = create(client, "/ed-fi/students", student(unique_id, lastSurname=surname))
    rows = client.get("/ed-fi/students", params={"lastSurname": surname.upper()}).json()
    assert [row["id"] for row in rows] == [document_id]
    rows = client.get("/ed-fi/students", params={"studentUniqueId": unique_id.lower()}).json()
    assert [row["id"] for row in rows] == [document_id]


# --- fuzz --------------------------------------------------------------------------------------------


def junk_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 1, 2**31, 2**63, -(2**64), 10**40, rng.randrange(-(10**6), 10**6)])
    if kind == 2:
        return rng.uniform(-1e308, 1e308)
    if kind == 3:
        return "".join(rng.choice(string.printable + "éß山\u0000\u202e") for _ in range(rng.randrange(0, 80)))
    if kind == 4:
        return rng.choice(["", " ", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade", "#", "a#b", "x" * 400])
    if kind == 5:
        return rng.choice(["2010-01-01", "not-a-date", "9999-99-99T99:99:99Z"])
    if kind == 6:
        return [junk_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(FIELDS): junk_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


FIELDS = [
    "studentUniqueId",
    "firstName",
    "lastSurname",
    "birthDate",
    "id",
    "_etag",
    "link",
    "studentReference",
    "educationOrganizationReference",
    "educationOrganizationId",
    "assessmentReference",
    "assessmentIdentifier",
    "namespace",
    "scoreResults",
    "studentIdentificationCodes",
    "codeValue",
    "shortDescription",
    "schoolId",
    "gradeLevels",
    "gradeLevelDescriptor",
    "parentObjectiveAssessmentReference",
    "identificationCode",
    "studentAssessmentIdentifier",
]
ROUTES = [
    "/ed-fi/students",
    "/ed-fi/studentEducationOrganizationAssociations",
    "/ed-fi/assessments",
    "/ed-fi/objectiveAssessments",
    "/ed-fi/studentAssessments",
    "/ed-fi/schools",
    "/ed-fi/gradeLevelDescriptors",
    "/ed-fi/schoolYearTypes",
]


def junk_body(rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    if choice == 1:
        text = json.dumps(junk_value(rng))
        cut = rng.randrange(len(text) + 1)
        return text[:cut].encode()
    document = {rng.choice(FIELDS): junk_value(rng) for _ in range(rng.randrange(1, 8))}
    if choice == 2:
        document.update(student(unique()))
        for name in rng.sample(list(document), k=min(2, len(document))):
            document[name] = junk_value(rng)
    return json.dumps(document).encode()


def test_random_junk_never_gives_5xx(sandbox: RunningSandbox, client: httpx.Client) -> None:
    rng = random.Random(20260415)
    statuses: dict[int, int] = {}
    for index in range(200):
        route = rng.choice(ROUTES)
        method = rng.choice(["POST", "POST", "POST", "PUT", "GET"])
        path = route if method != "PUT" else f"{route}/{'0' * 32}"
        content_type = rng.choice(["application/json"] * 4 + ["text/plain", "application/problem+json"])
        body = junk_body(rng)
        if method == "GET":
            params = {rng.choice([*FIELDS, "limit", "offset", "totalCount"]): str(junk_value(rng)) for _ in range(3)}
            response = client.get(path, params=params)
        else:
            response = client.request(method, path, content=body, headers={"Content-Type": content_type})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (index, method, path, body[:300], response.text)
        if response.status_code >= 400:
            problem = response.json()
            assert problem["status"] == response.status_code
            assert problem["type"].startswith("urn:ed-fi:api:")
    assert statuses.get(400, 0) > 50  # the junk was mostly refused...
    assert set(statuses) <= {200, 201, 400, 404, 409, 415}, statuses
    assert httpx.get(sandbox.url + "/").status_code == 200
