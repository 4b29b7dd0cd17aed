"""Resource CRUD with ODS/API semantics over HTTP: upsert by natural key, reads, queries, paging, deletes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import (
    DEPENDENT,
    KEY_CHANGE,
    LOCK,
    METHOD,
    NOT_FOUND,
    PARAMETER,
    TEST_NS,
    assert_problem,
    assessment,
    create,
    descriptor,
    descriptor_payload,
    local_education_agency,
    objective_assessment,
    school,
    seoa,
    strip_server_fields,
    student,
    student_assessment,
    unique,
    unique_int,
)
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def edorgs(sandbox: RunningSandbox) -> tuple[int, int]:
    """An LEA and one of its schools: (lea id, school id)."""
    lea_id, school_id = unique_int(), unique_int()
    with sandbox.client() as http:
        create(http, "/ed-fi/localEducationAgencies", local_education_agency(lea_id))
        create(http, "/ed-fi/schools", school(school_id, lea_id))
    return lea_id, school_id


# --- create and read ---------------------------------------------------------------------------------


def test_post_new_gives_201_location_etag_and_no_body(sandbox: RunningSandbox, client: httpx.Client) -> None:
    payload = student(unique())
    response = client.post("/ed-fi/students", json=payload)
    assert response.status_code == 201
    assert response.content == b""
    location = response.headers["location"]
    assert location.startswith(f"{sandbox.url}/data/v3/ed-fi/students/")
    document_id = location.rsplit("/", 1)[1]
    assert HEX_ID.match(document_id)
    etag = response.headers["etag"]
    assert re.fullmatch(r'"[^"]+"', etag)

    read = httpx.get(location, headers=client.headers)
    assert read.status_code == 200
    assert read.headers["content-type"] == "application/json"
    assert read.headers["etag"] == etag
    body = read.json()
    assert body["id"] == document_id
    assert body["_etag"] == etag.strip('"')
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["_lastModifiedDate"])
    assert {k: v for k, v in body.items() if k not in ("id", "_etag", "_lastModifiedDate")} == payload


def test_get_returns_links_inside_resolved_references(client: httpx.Client, edorgs: tuple[int, int]) -> None:
    lea_id, school_id = edorgs
    unique_id = unique()
    student_id = create(client, "/ed-fi/students", student(unique_id))
    at_school = create(client, "/ed-fi/studentEducationOrganizationAssociations", seoa(unique_id, school_id))
    at_lea = create(client, "/ed-fi/studentEducationOrganizationAssociations", seoa(unique_id, lea_id))

    body = client.get(f"/ed-fi/studentEducationOrganizationAssociations/{at_school}").json()
    assert body["studentReference"] == {
        "studentUniqueId": unique_id,
        "link": {"rel": "Student", "href": f"/ed-fi/students/{student_id}"},
    }
    school_doc = client.get("/ed-fi/schools", params={"schoolId": school_id}).json()[0]
    assert body["educationOrganizationReference"] == {
        "educationOrganizationId": school_id,
        "link": {"rel": "School", "href": f"/ed-fi/schools/{school_doc['id']}"},
    }
    lea_doc = client.get("/ed-fi/localEducationAgencies", params={"localEducationAgencyId": lea_id}).json()[0]
    body = client.get(f"/ed-fi/studentEducationOrganizationAssociations/{at_lea}").json()
    assert body["educationOrganizationReference"]["link"] == {
        "rel": "LocalEducationAgency",
        "href": f"/ed-fi/localEducationAgencies/{lea_doc['id']}",
    }
    assert (
        school_doc["localEducationAgencyReference"]["link"]["href"] == f"/ed-fi/localEducationAgencies/{lea_doc['id']}"
    )


def test_post_same_key_updates_and_keeps_id(client: httpx.Client) -> None:
    unique_id = unique()
    first = client.post("/ed-fi/students", json=student(unique_id))
    assert first.status_code == 201
    document_id = first.headers["location"].rsplit("/", 1)[1]
    changed = student(unique_id, firstName="Beatriz", middleName="Luz")
    second = client.post("/ed-fi/students", json=changed)
    assert second.status_code == 200
    assert second.content == b""
    assert second.headers["etag"] != first.headers["etag"]
    body = client.get(f"/ed-fi/students/{document_id}").json()
    assert body["firstName"] == "Beatriz"
    assert body["middleName"] == "Luz"
    assert body["_etag"] == second.headers["etag"].strip('"')
    matches = client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json()
    assert [m["id"] for m in matches] == [document_id]


def test_post_same_key_in_other_letter_case_updates(client: httpx.Client) -> None:
    unique_id = unique("Case")
    document_id = create(client, "/ed-fi/students", student(unique_id))
    response = client.post("/ed-fi/students", json=student(unique_id.upper(), lastSurname="Upper"))
    assert response.status_code == 200
    response = client.post("/ed-fi/students", json=student(unique_id.lower(), lastSurname="Lower"))
    assert response.status_code == 200
    matches = client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json()
    assert [m["id"] for m in matches] == [document_id]
    assert matches[0]["lastSurname"] == "Lower"


def test_post_reference_key_in_other_letter_case_updates(client: httpx.Client, edorgs: tuple[int, int]) -> None:
    unique_id = unique("Ref")
    create(client, "/ed-fi/students", student(unique_id))
    document_id = create(client, "/ed-fi/studentEducationOrganizationAssociations", seoa(unique_id, edorgs[1]))
    again = client.post(
        "/ed-fi/studentEducationOrganizationAssociations",
        json=seoa(unique_id.upper(), edorgs[1], loginId="upper-case"),
    )
    assert again.status_code == 200
    body = client.get(f"/ed-fi/studentEducationOrganizationAssociations/{document_id}").json()
    assert body["loginId"] == "upper-case"


def test_descriptor_upsert_and_use_are_case_insensitive(client: httpx.Client) -> None:
    code = unique("Grade ")
    created = client.post(
        "/ed-fi/gradeLevelDescriptors", json=descriptor_payload("GradeLevelDescriptor", code, TEST_NS)
    )
    assert created.status_code == 201
    document_id = created.headers["location"].rsplit("/", 1)[1]
    again = client.post(
        "/ed-fi/gradeLevelDescriptors", json=descriptor_payload("GradeLevelDescriptor", code.upper(), TEST_NS.upper())
    )
    assert again.status_code == 200
    assert client.get(f"/ed-fi/gradeLevelDescriptors/{document_id}").json()["codeValue"] == code.upper()
    used = assessment(
        unique("A"),
        assessedGradeLevels=[{"gradeLevelDescriptor": descriptor("GradeLevelDescriptor", code.lower(), TEST_NS)}],
    )
    assert client.post("/ed-fi/assessments", json=used).status_code == 201


def test_nested_resources_round_trip(client: httpx.Client) -> None:
    assessment_id = unique("A")
    create(client, "/ed-fi/assessments", assessment(assessment_id))
    create(client, "/ed-fi/objectiveAssessments", objective_assessment(assessment_id, "PARENT"))
    child = objective_assessment(assessment_id, "CHILD", parent_code="PARENT", description="Child objective")
    child_id = create(client, "/ed-fi/objectiveAssessments", child)
    body = client.get(f"/ed-fi/objectiveAssessments/{child_id}").json()
    assert strip_server_fields(body) == child
    assert body["parentObjectiveAssessmentReference"]["link"]["rel"] == "ObjectiveAssessment"


# --- queries -----------------------------------------------------------------------------------------


def test_query_seoa_by_flattened_identity(client: httpx.Client, edorgs: tuple[int, int]) -> None:
    lea_id, school_id = edorgs
    unique_id, other = unique(), unique()
    for uid in (unique_id, other):
        create(client, "/ed-fi/students", student(uid))
        create(client, "/ed-fi/studentEducationOrganizationAssociations", seoa(uid, school_id))
    create(client, "/ed-fi/studentEducationOrganizationAssociations", seoa(unique_id, lea_id))

    found = client.get(
        "/ed-fi/studentEducationOrganizationAssociations",
        params={"studentUniqueId": unique_id, "educationOrganizationId": school_id},
    )
    assert found.status_code == 200
    assert found.headers["content-type"] == "application/json"
    rows = found.json()
    assert len(rows) == 1
    assert rows[0]["studentReference"]["studentUniqueId"] == unique_id
    assert rows[0]["educationOrganizationReference"]["educationOrganizationId"] == school_id

    by_student = client.get("/ed-fi/studentEducationOrganizationAssociations", params={"studentUniqueId": unique_id})
    assert sorted(r["educationOrganizationReference"]["educationOrganizationId"] for r in by_student.json()) == sorted(
        [lea_id, school_id]
    )
    none = client.get(
        "/ed-fi/studentEducationOrganizationAssociations",
        params={"studentUniqueId": unique_id, "educationOrganizationId": 1},
    )
    assert none.status_code == 200
    assert none.json() == []


def test_query_student_assessments_by_student(client: httpx.Client) -> None:
    assessment_id, unique_id, other = unique("A"), unique(), unique()
    create(client, "/ed-fi/assessments", assessment(assessment_id))
    for uid in (unique_id, other):
        create(client, "/ed-fi/students", student(uid))
    create(client, "/ed-fi/studentAssessments", student_assessment("SA-1", unique_id, assessment_id))
    create(client, "/ed-fi/studentAssessments", student_assessment("SA-2", unique_id, assessment_id))
    create(client, "/ed-fi/studentAssessments", student_assessment("SA-1", other, assessment_id))
    rows = client.get("/ed-fi/studentAssessments", params={"studentUniqueId": unique_id}).json()
    assert sorted(r["studentAssessmentIdentifier"] for r in rows) == ["SA-1", "SA-2"]
    rows = client.get(
        "/ed-fi/studentAssessments", params={"studentUniqueId": other, "assessmentIdentifier": assessment_id}
    ).json()
    assert [r["studentReference"]["studentUniqueId"] for r in rows] == [other]


def test_query_string_match_is_case_insensitive(client: httpx.Client) -> None:
    unique_id = unique("Mixed")
    surname = unique("Surname")
    create(client, "/ed-fi/students", student(unique_id, lastSurname=surname))
    for value in (unique_id.upper(), unique_id.lower()):
        rows = client.get("/ed-fi/students", params={"studentUniqueId": value}).json()
        assert [r["studentUniqueId"] for r in rows] == [unique_id]
    rows = client.get("/ed-fi/students", params={"lastSurname": surname.upper()}).json()
    assert [r["studentUniqueId"] for r in rows] == [unique_id]


def test_query_unknown_parameter_is_ignored(client: httpx.Client) -> None:
    unique_id = unique()
    create(client, "/ed-fi/students", student(unique_id))
    rows = client.get("/ed-fi/students", params={"studentUniqueId": unique_id, "noSuchProperty": "x"}).json()
    assert [r["studentUniqueId"] for r in rows] == [unique_id]


@pytest.mark.parametrize(
    ("route", "name", "value"),
    [
        ("/ed-fi/studentEducationOrganizationAssociations", "educationOrganizationId", "abc"),
        ("/ed-fi/schools", "schoolId", "12.5"),
        ("/ed-fi/assessments", "maxRawScore", "lots"),
        ("/ed-fi/assessments", "adaptiveAssessment", "maybe"),
    ],
)
def test_query_parameter_of_wrong_type_gives_400(client: httpx.Client, route: str, name: str, value: str) -> None:
    response = client.get(route, params={name: value})
    assert_problem(response, 400, PARAMETER, validation_paths={name})


def test_query_typed_parameters_match(client: httpx.Client) -> None:
    assessment_id = unique("Typed")
    create(client, "/ed-fi/assessments", assessment(assessment_id, maxRawScore=42.5, adaptiveAssessment=True))
    for params in ({"maxRawScore": "42.5"}, {"adaptiveAssessment": "true"}, {"adaptiveAssessment": "TRUE"}):
        rows = client.get("/ed-fi/assessments", params={"assessmentIdentifier": assessment_id, **params}).json()
        assert [r["assessmentIdentifier"] for r in rows] == [assessment_id], params
    rows = client.get(
        "/ed-fi/assessments", params={"assessmentIdentifier": assessment_id, "adaptiveAssessment": "false"}
    )
    assert rows.json() == []


# --- paging ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sixty(catalog: Catalog) -> Iterator[tuple[httpx.Client, list[str]]]:
    """A fresh sandbox holding exactly 60 students."""
    with serve_sandbox(SandboxConfig(), catalog) as running, running.client() as http:
        ids = [f"P{n:03d}" for n in range(60)]
        for uid in ids:
            create(http, "/ed-fi/students", student(uid))
        yield http, ids


def test_paging_walk_is_consistent(sixty: tuple[httpx.Client, list[str]]) -> None:
    client, ids = sixty
    seen: list[str] = []
    sizes = []
    for offset in range(0, 100, 25):
        page = client.get("/ed-fi/students", params={"limit": 25, "offset": offset, "totalCount": "true"})
        assert page.status_code == 200
        assert page.headers["total-count"] == "60"
        sizes.append(len(page.json()))
        seen += [row["studentUniqueId"] for row in page.json()]
    assert sizes == [25, 25, 10, 0]
    assert len(seen) == 60
    assert sorted(seen) == sorted(ids)
    assert seen == ids  # insertion order, stable


def test_paging_limit_zero_and_default(sixty: tuple[httpx.Client, list[str]]) -> None:
    client, _ = sixty
    zero = client.get("/ed-fi/students", params={"limit": 0, "totalCount": "true"})
    assert zero.status_code == 200
    assert zero.json() == []
    assert zero.headers["total-count"] == "60"
    default = client.get("/ed-fi/students")
    assert len(default.json()) == 25
    assert "total-count" not in default.headers
    assert len(client.get("/ed-fi/students", params={"limit": 500}).json()) == 60
    filtered = client.get("/ed-fi/students", params={"studentUniqueId": "P007", "totalCount": "true"})
    assert filtered.headers["total-count"] == "1"


@pytest.mark.parametrize(
    ("name", "value"),
    [("limit", "501"), ("limit", "-1"), ("limit", "abc"), ("limit", "2.5"), ("offset", "-1"), ("offset", "abc")],
)
def test_paging_bad_values_give_400(sixty: tuple[httpx.Client, list[str]], name: str, value: str) -> None:
    client, _ = sixty
    response = client.get("/ed-fi/students", params={name: value})
    assert_problem(response, 400, PARAMETER, validation_paths={name})


# --- delete ------------------------------------------------------------------------------------------


def test_delete_then_get_gives_404(client: httpx.Client) -> None:
    document_id = create(client, "/ed-fi/students", student(unique()))
    response = client.delete(f"/ed-fi/students/{document_id}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(f"/ed-fi/students/{document_id}"), 404, NOT_FOUND)
    assert_problem(client.delete(f"/ed-fi/students/{document_id}"), 404, NOT_FOUND)


def test_delete_referenced_student_gives_409_until_reference_is_gone(
    client: httpx.Client, edorgs: tuple[int, int]
) -> None:
    unique_id = unique()
    student_id = create(client, "/ed-fi/students", student(unique_id))
    association = create(client, "/ed-fi/studentEducationOrganizationAssociations", seoa(unique_id, edorgs[1]))
    assert_problem(client.delete(f"/ed-fi/students/{student_id}"), 409, DEPENDENT)
    assert client.get(f"/ed-fi/students/{student_id}").status_code == 200
    assert client.delete(f"/ed-fi/studentEducationOrganizationAssociations/{association}").status_code == 204
    assert client.delete(f"/ed-fi/students/{student_id}").status_code == 204


def test_delete_referenced_descriptor_gives_409_until_reference_is_gone(client: httpx.Client) -> None:
    code = unique("Robotics ")
    descriptor_id = create(
        client, "/ed-fi/academicSubjectDescriptors", descriptor_payload("AcademicSubjectDescriptor", code, TEST_NS)
    )
    subject = descriptor("AcademicSubjectDescriptor", code, TEST_NS)
    assessment_id = create(
        client, "/ed-fi/assessments", assessment(unique("A"), academicSubjects=[{"academicSubjectDescriptor": subject}])
    )
    assert_problem(client.delete(f"/ed-fi/academicSubjectDescriptors/{descriptor_id}"), 409, DEPENDENT)
    assert client.delete(f"/ed-fi/assessments/{assessment_id}").status_code == 204
    assert client.delete(f"/ed-fi/academicSubjectDescriptors/{descriptor_id}").status_code == 204
    assert_problem(client.get(f"/ed-fi/academicSubjectDescriptors/{descriptor_id}"), 404, NOT_FOUND)


def test_update_that_drops_a_reference_releases_it(client: httpx.Client) -> None:
    code = unique("Chess ")
    descriptor_id = create(
        client, "/ed-fi/academicSubjectDescriptors", descriptor_payload("AcademicSubjectDescriptor", code, TEST_NS)
    )
    assessment_id = unique("A")
    with_subject = assessment(
        assessment_id,
        academicSubjects=[{"academicSubjectDescriptor": descriptor("AcademicSubjectDescriptor", code, TEST_NS)}],
    )
    create(client, "/ed-fi/assessments", with_subject)
    assert client.delete(f"/ed-fi/academicSubjectDescriptors/{descriptor_id}").status_code == 409
    assert client.post("/ed-fi/assessments", json=assessment(assessment_id)).status_code == 200
    assert client.delete(f"/ed-fi/academicSubjectDescriptors/{descriptor_id}").status_code == 204


# --- not found and methods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/ed-fi/widgets", "/tpdm/students", "/ed-fi", "/ed-fi/students/abc/def", "/nothing/here/at/all"]
)
def test_unknown_resource_gives_404(client: httpx.Client, path: str) -> None:
    assert_problem(client.get(path), 404, NOT_FOUND)
    assert_problem(client.post(path, json={"a": 1}), 404, NOT_FOUND)


def test_unknown_id_gives_404(client: httpx.Client) -> None:
    assert_problem(client.get("/ed-fi/students/" + "0" * 32), 404, NOT_FOUND)
    assert_problem(client.get("/ed-fi/students/not-an-id"), 404, NOT_FOUND)
    assert_problem(client.delete("/ed-fi/students/" + "0" * 32), 404, NOT_FOUND)
    assert_problem(client.put("/ed-fi/students/" + "0" * 32, json=student("X")), 404, NOT_FOUND)


def test_id_of_another_resource_gives_404(client: httpx.Client) -> None:
    document_id = create(client, "/ed-fi/students", student(unique()))
    assert_problem(client.get(f"/ed-fi/assessments/{document_id}"), 404, NOT_FOUND)
    assert_problem(client.delete(f"/ed-fi/assessments/{document_id}"), 404, NOT_FOUND)
    assert client.get(f"/ed-fi/students/{document_id}").status_code == 200


def test_resource_names_are_case_insensitive(client: httpx.Client) -> None:
    unique_id = unique()
    create(client, "/ed-fi/students", student(unique_id))
    rows = client.get("/ed-fi/Students", params={"studentUniqueId": unique_id}).json()
    assert [r["studentUniqueId"] for r in rows] == [unique_id]


def test_wrong_methods_give_405(client: httpx.Client) -> None:
    document_id = create(client, "/ed-fi/students", student(unique()))
    response = client.post(f"/ed-fi/students/{document_id}", json=student(unique()))
    assert_problem(response, 405, METHOD)
    assert response.headers["allow"] == "GET, PUT, DELETE"
    for method in ("DELETE", "PUT"):
        response = client.request(method, "/ed-fi/students", json=student(unique()))
        assert_problem(response, 405, METHOD)
        assert response.headers["allow"] == "GET, POST"
    assert_problem(client.patch(f"/ed-fi/students/{document_id}", json={"firstName": "P"}), 405, METHOD)
    assert_problem(client.patch("/ed-fi/students", json={"firstName": "P"}), 405, METHOD)
    assert client.get(f"/ed-fi/students/{document_id}").json()["firstName"] == "Ana"


# --- PUT and ETags ----------------------------------------------------------------------------------


def test_put_replaces_and_gives_204(client: httpx.Client) -> None:
    unique_id = unique()
    document_id = create(client, "/ed-fi/students", student(unique_id))
    before = client.get(f"/ed-fi/students/{document_id}")
    response = client.put(f"/ed-fi/students/{document_id}", json=student(unique_id, firstName="Carla"))
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["etag"] != before.headers["etag"]
    after = client.get(f"/ed-fi/students/{document_id}")
    assert after.json()["firstName"] == "Carla"
    assert after.headers["etag"] == response.headers["etag"]
    # the id in the body may be given when it matches the URL
    same = client.put(f"/ed-fi/students/{document_id}", json={**student(unique_id), "id": document_id})
    assert same.status_code == 204


def test_put_key_change_gives_400(client: httpx.Client) -> None:
    unique_id = unique()
    document_id = create(client, "/ed-fi/students", student(unique_id))
    response = client.put(f"/ed-fi/students/{document_id}", json=student(unique("Other")))
    assert_problem(response, 400, KEY_CHANGE)
    assert client.get(f"/ed-fi/students/{document_id}").json()["studentUniqueId"] == unique_id


def test_put_with_stale_if_match_gives_412(client: httpx.Client) -> None:
    unique_id = unique()
    document_id = create(client, "/ed-fi/students", student(unique_id))
    etag = client.get(f"/ed-fi/students/{document_id}").headers["etag"]
    ok = client.put(
        f"/ed-fi/students/{document_id}", json=student(unique_id, firstName="One"), headers={"If-Match": etag}
    )
    assert ok.status_code == 204
    stale = client.put(
        f"/ed-fi/students/{document_id}", json=student(unique_id, firstName="Two"), headers={"If-Match": etag}
    )
    assert_problem(stale, 412, LOCK)
    assert client.get(f"/ed-fi/students/{document_id}").json()["firstName"] == "One"


def test_if_none_match_gives_304(client: httpx.Client) -> None:
    unique_id = unique()
    document_id = create(client, "/ed-fi/students", student(unique_id))
    etag = client.get(f"/ed-fi/students/{document_id}").headers["etag"]
    cached = client.get(f"/ed-fi/students/{document_id}", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    client.post("/ed-fi/students", json=student(unique_id, firstName="Changed"))
    fresh = client.get(f"/ed-fi/students/{document_id}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json()["firstName"] == "Changed"


def test_repeating_an_identical_post_keeps_etag_and_date(client: httpx.Client) -> None:
    payload = student(unique())
    first = client.post("/ed-fi/students", json=payload)
    location = first.headers["location"]
    before = httpx.get(location, headers=client.headers).json()
    again = client.post("/ed-fi/students", json=payload)
    assert again.status_code == 200
    assert again.headers["etag"] == first.headers["etag"]
    assert httpx.get(location, headers=client.headers).json() == before


def test_seeded_school_years_resolve(client: httpx.Client) -> None:
    years = client.get("/ed-fi/schoolYearTypes", params={"schoolYear": 2026}).json()
    assert len(years) == 1
    assert years[0]["schoolYearDescription"] == "2025-2026"
    assessment_id, unique_id = unique("A"), unique()
    create(client, "/ed-fi/assessments", assessment(assessment_id))
    create(client, "/ed-fi/students", student(unique_id))
    payload = student_assessment("SA", unique_id, assessment_id, schoolYearTypeReference={"schoolYear": 2026})
    created = create(client, "/ed-fi/studentAssessments", payload)
    body = client.get(f"/ed-fi/studentAssessments/{created}").json()
    assert body["schoolYearTypeReference"]["link"]["href"] == f"/ed-fi/schoolYearTypes/{years[0]['id']}"
