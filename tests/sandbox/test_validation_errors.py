"""Payload checks over HTTP: 400 data-validation-failed with JSON-path keys, 409 unresolved references."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import (
    ED_FI,
    TEST_NS,
    UNRESOLVED,
    VALIDATION,
    assert_problem,
    assessment,
    create,
    descriptor,
    descriptor_payload,
    local_education_agency,
    objective_assessment,
    school,
    score,
    seoa,
    student,
    student_assessment,
    unique,
    unique_int,
)
from tests.support.sandbox_server import RunningSandbox


@pytest.fixture(scope="module")
def known(sandbox: RunningSandbox) -> dict[str, Any]:
    """A student, an assessment with an objective assessment, an LEA and a school that tests refer to."""
    found: dict[str, Any] = {
        "student": unique(),
        "assessment": unique("A"),
        "lea": unique_int(),
        "school": unique_int(),
    }
    with sandbox.client() as http:
        create(http, "/ed-fi/students", student(found["student"]))
        create(http, "/ed-fi/assessments", assessment(found["assessment"]))
        create(http, "/ed-fi/objectiveAssessments", objective_assessment(found["assessment"], "OBJ-1"))
        create(http, "/ed-fi/localEducationAgencies", local_education_agency(found["lea"]))
        create(http, "/ed-fi/schools", school(found["school"], found["lea"]))
    return found


def max_length(catalog: Catalog, schema: str, name: str) -> int:
    return int(catalog.schemas[schema]["properties"][name]["maxLength"])


def not_exist(name: str, value: str) -> str:
    return f"{name} value '{value}' does not exist."


# --- JSON Schema stage -------------------------------------------------------------------------------


def test_missing_required_field(client: httpx.Client) -> None:
    payload = student(unique())
    del payload["firstName"]
    response = client.post("/ed-fi/students", json=payload)
    assert_problem(
        response,
        400,
        VALIDATION,
        validation={"$.firstName": ["FirstName is required."]},
        detail="Data validation failed. See 'validationErrors' for details.",
    )


def test_several_missing_fields_are_all_reported(client: httpx.Client) -> None:
    response = client.post("/ed-fi/students", json={"studentUniqueId": unique()})
    assert_problem(
        response,
        400,
        VALIDATION,
        validation={
            "$.birthDate": ["BirthDate is required."],
            "$.firstName": ["FirstName is required."],
            "$.lastSurname": ["LastSurname is required."],
        },
    )


def test_missing_required_reference_and_reference_field(client: httpx.Client, known: dict[str, Any]) -> None:
    response = client.post(
        "/ed-fi/studentEducationOrganizationAssociations",
        json={"educationOrganizationReference": {"educationOrganizationId": known["school"]}},
    )
    assert_problem(response, 400, VALIDATION, validation={"$.studentReference": ["StudentReference is required."]})
    response = client.post(
        "/ed-fi/studentEducationOrganizationAssociations",
        json={"educationOrganizationReference": {"educationOrganizationId": known["school"]}, "studentReference": {}},
    )
    assert_problem(
        response, 400, VALIDATION, validation={"$.studentReference.studentUniqueId": ["StudentUniqueId is required."]}
    )


def test_missing_field_in_collection_item(client: httpx.Client, known: dict[str, Any]) -> None:
    item = score()
    del item["result"]
    payload = student_assessment(unique("SA"), known["student"], known["assessment"], scoreResults=[score(), item])
    response = client.post("/ed-fi/studentAssessments", json=payload)
    assert_problem(response, 400, VALIDATION, validation={"$.scoreResults[1].result": ["Result is required."]})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("firstName", 42, "FirstName must be a string."),
        ("firstName", None, "FirstName must be a string."),
        ("firstName", ["Ana"], "FirstName must be a string."),
        ("birthDate", {"y": 2010}, "BirthDate must be a string."),
    ],
)
def test_wrong_type(client: httpx.Client, field: str, value: object, message: str) -> None:
    response = client.post("/ed-fi/students", json=student(unique(), **{field: value}))
    assert_problem(response, 400, VALIDATION, validation={f"$.{field}": [message]})


def test_wrong_type_integer_and_nested(client: httpx.Client, known: dict[str, Any]) -> None:
    response = client.post(
        "/ed-fi/studentEducationOrganizationAssociations",
        json=seoa(known["student"], "255901"),  # type: ignore[arg-type]
    )
    assert_problem(
        response,
        400,
        VALIDATION,
        validation={
            "$.educationOrganizationReference.educationOrganizationId": ["EducationOrganizationId must be an integer."]
        },
    )
    payload = student_assessment(unique("SA"), known["student"], known["assessment"], scoreResults={"result": "1"})
    response = client.post("/ed-fi/studentAssessments", json=payload)
    assert_problem(response, 400, VALIDATION, validation={"$.scoreResults": ["ScoreResults must be an array."]})
    response = client.post("/ed-fi/assessments", json=assessment(unique("A"), maxRawScore="high"))
    assert_problem(response, 400, VALIDATION, validation={"$.maxRawScore": ["MaxRawScore must be a number."]})


def test_null_for_nullable_property_is_accepted(client: httpx.Client) -> None:
    assert client.post("/ed-fi/students", json=student(unique(), middleName=None)).status_code == 201


def test_too_long(client: httpx.Client, catalog: Catalog, known: dict[str, Any]) -> None:
    limit = max_length(catalog, "edFi_student", "firstName")
    assert client.post("/ed-fi/students", json=student(unique(), firstName="x" * limit)).status_code == 201
    response = client.post("/ed-fi/students", json=student(unique(), firstName="x" * (limit + 1)))
    assert_problem(
        response, 400, VALIDATION, validation={"$.firstName": [f"FirstName must be at most {limit} characters long."]}
    )
    item_limit = max_length(catalog, "edFi_studentAssessmentScoreResult", "result")
    payload = student_assessment(
        unique("SA"), known["student"], known["assessment"], scoreResults=[score(result="9" * (item_limit + 1))]
    )
    response = client.post("/ed-fi/studentAssessments", json=payload)
    assert_problem(
        response,
        400,
        VALIDATION,
        validation={"$.scoreResults[0].result": [f"Result must be at most {item_limit} characters long."]},
    )


def test_too_short(client: httpx.Client) -> None:
    response = client.post("/ed-fi/students", json=student(unique(), firstName=""))
    assert_problem(
        response, 400, VALIDATION, validation={"$.firstName": ["FirstName must be at least 1 characters long."]}
    )


# --- descriptors -------------------------------------------------------------------------------------


def test_unknown_descriptor_value_in_collection(client: httpx.Client) -> None:
    subject = descriptor("AcademicSubjectDescriptor", "Alchemy")
    payload = assessment(
        unique("A"),
        academicSubjects=[
            {"academicSubjectDescriptor": descriptor("AcademicSubjectDescriptor", "Mathematics")},
            {"academicSubjectDescriptor": subject},
        ],
    )
    response = client.post("/ed-fi/assessments", json=payload)
    assert_problem(
        response,
        400,
        VALIDATION,
        validation={
            "$.academicSubjects[1].academicSubjectDescriptor": [not_exist("AcademicSubjectDescriptor", subject)]
        },
    )


@pytest.mark.parametrize(
    "value",
    [
        descriptor("GradeLevelDescriptor", "Grade 42"),  # a well-formed value that does not exist
        "Ninth grade",  # no namespace
        f"{ED_FI}/GradeLevelDescriptor#",  # no code value
        f"{ED_FI}/AcademicSubjectDescriptor#Mathematics",  # a value of another descriptor
        f"{ED_FI}/GradeLevelDescriptor#Ninth",  # not the stored value
        f"{ED_FI}/gradeLevel#Ninth grade",  # not the descriptor's namespace
    ],
    ids=["unknown", "no-namespace", "no-code", "other-descriptor", "not-stored", "other-namespace"],
)
def test_unknown_malformed_or_foreign_descriptor_values(
    client: httpx.Client, known: dict[str, Any], value: str
) -> None:
    payload = student_assessment(
        unique("SA"), known["student"], known["assessment"], whenAssessedGradeLevelDescriptor=value
    )
    response = client.post("/ed-fi/studentAssessments", json=payload)
    assert_problem(
        response,
        400,
        VALIDATION,
        validation={"$.whenAssessedGradeLevelDescriptor": [not_exist("GradeLevelDescriptor", value)]},
    )


def test_descriptor_in_custom_namespace_is_accepted_once_posted(client: httpx.Client, known: dict[str, Any]) -> None:
    code = unique("Kindergarten+")
    grade = descriptor("GradeLevelDescriptor", code, TEST_NS)
    payload = student_assessment(
        unique("SA"), known["student"], known["assessment"], whenAssessedGradeLevelDescriptor=grade
    )
    before = client.post("/ed-fi/studentAssessments", json=payload)
    assert_problem(before, 400, VALIDATION, validation_paths={"$.whenAssessedGradeLevelDescriptor"})
    created = client.post(
        "/ed-fi/gradeLevelDescriptors", json=descriptor_payload("GradeLevelDescriptor", code, TEST_NS)
    )
    assert created.status_code == 201
    listed = client.get("/ed-fi/gradeLevelDescriptors", params={"namespace": f"{TEST_NS}/GradeLevelDescriptor"}).json()
    assert code in {row["codeValue"] for row in listed}
    after = client.post("/ed-fi/studentAssessments", json=payload)
    assert after.status_code == 201, after.text


def test_descriptor_payload_is_validated(client: httpx.Client) -> None:
    response = client.post("/ed-fi/gradeLevelDescriptors", json={"codeValue": "X"})
    assert_problem(response, 400, VALIDATION)
    assert {"$.namespace", "$.shortDescription"} <= set(response.json()["validationErrors"])


# --- identity rules ----------------------------------------------------------------------------------


def test_key_unification_conflict(client: httpx.Client, known: dict[str, Any]) -> None:
    other = unique("B")
    payload = objective_assessment(known["assessment"], unique("OBJ"), parent_code="OBJ-1")
    payload["parentObjectiveAssessmentReference"]["assessmentIdentifier"] = other
    response = client.post("/ed-fi/objectiveAssessments", json=payload)
    body = assert_problem(
        response, 400, VALIDATION, validation_paths={"$.parentObjectiveAssessmentReference.assessmentIdentifier"}
    )
    [message] = body["validationErrors"]["$.parentObjectiveAssessmentReference.assessmentIdentifier"]
    assert known["assessment"] in message
    assert other in message


def test_key_unification_matching_values_resolve(client: httpx.Client, known: dict[str, Any]) -> None:
    payload = objective_assessment(known["assessment"], unique("OBJ"), parent_code="OBJ-1")
    payload["parentObjectiveAssessmentReference"]["assessmentIdentifier"] = known["assessment"].lower()
    assert client.post("/ed-fi/objectiveAssessments", json=payload).status_code == 201


def test_id_in_post_body(client: httpx.Client) -> None:
    response = client.post("/ed-fi/students", json={**student(unique()), "id": "0" * 32})
    assert_problem(response, 400, VALIDATION, validation_paths={"$.id"})


@pytest.mark.parametrize("value", [" {}", "{} ", "  {}  ", "{}\t"])
def test_spaces_around_a_key_value(client: httpx.Client, value: str) -> None:
    unique_id = value.format(unique())
    response = client.post("/ed-fi/students", json=student(unique_id))
    assert_problem(
        response,
        400,
        VALIDATION,
        validation={
            "$.studentUniqueId": ["StudentUniqueId is part of the natural key and must not begin or end with spaces."]
        },
    )
    assert client.get("/ed-fi/students", params={"studentUniqueId": unique_id.strip()}).json() == []


def test_spaces_around_a_key_value_in_a_reference(client: httpx.Client, known: dict[str, Any]) -> None:
    response = client.post(
        "/ed-fi/studentEducationOrganizationAssociations", json=seoa(f" {known['student']}", known["school"])
    )
    assert_problem(response, 400, VALIDATION, validation_paths={"$.studentReference.studentUniqueId"})


def test_spaces_around_a_non_key_value_are_accepted(client: httpx.Client) -> None:
    assert client.post("/ed-fi/students", json=student(unique(), firstName=" Ana ")).status_code == 201


@pytest.mark.parametrize("upper", [False, True], ids=["same", "other-case"])
def test_duplicate_items_in_keyed_collection(client: httpx.Client, known: dict[str, Any], upper: bool) -> None:
    second = score(result="251")
    if upper:
        second["assessmentReportingMethodDescriptor"] = second["assessmentReportingMethodDescriptor"].upper()
    payload = student_assessment(unique("SA"), known["student"], known["assessment"], scoreResults=[score(), second])
    response = client.post("/ed-fi/studentAssessments", json=payload)
    assert_problem(response, 400, VALIDATION, validation_paths={"$.scoreResults[1]"})


def test_distinct_items_in_keyed_collection_are_accepted(client: httpx.Client, known: dict[str, Any]) -> None:
    payload = student_assessment(
        unique("SA"), known["student"], known["assessment"], scoreResults=[score(), score("Raw score", "40")]
    )
    assert client.post("/ed-fi/studentAssessments", json=payload).status_code == 201


# --- references --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "build", "referenced"),
    [
        (
            "/ed-fi/studentAssessments",
            lambda known: student_assessment(unique("SA"), unique("Nobody"), known["assessment"]),
            "Student",
        ),
        (
            "/ed-fi/studentAssessments",
            lambda known: student_assessment(unique("SA"), known["student"], unique("NoAssessment")),
            "Assessment",
        ),
        ("/ed-fi/schools", lambda _: school(unique_int(), lea_id=987_654_321), "LocalEducationAgency"),
        (
            "/ed-fi/objectiveAssessments",
            lambda known: objective_assessment(known["assessment"], unique("OBJ"), parent_code="NO-SUCH-PARENT"),
            "ObjectiveAssessment",
        ),
    ],
    ids=["student", "assessment", "local-education-agency", "parent-objective-assessment"],
)
def test_unknown_reference_gives_409(
    client: httpx.Client,
    known: dict[str, Any],
    route: str,
    build: Callable[[dict[str, Any]], dict[str, Any]],
    referenced: str,
) -> None:
    response = client.post(route, json=build(known))
    assert_problem(response, 409, UNRESOLVED, detail=f"The referenced '{referenced}' item does not exist.")


def test_unknown_education_organization_gives_409(client: httpx.Client, known: dict[str, Any]) -> None:
    response = client.post("/ed-fi/studentEducationOrganizationAssociations", json=seoa(known["student"], 987_654_321))
    assert_problem(response, 409, UNRESOLVED, detail="The referenced 'EducationOrganization' item does not exist.")
    assert (
        client.get(
            "/ed-fi/studentEducationOrganizationAssociations", params={"educationOrganizationId": 987_654_321}
        ).json()
        == []
    )


@pytest.mark.parametrize("edorg", ["school", "lea"])
def test_education_organization_reference_resolves_to_school_or_lea(
    client: httpx.Client, known: dict[str, Any], edorg: str
) -> None:
    unique_id = unique()
    create(client, "/ed-fi/students", student(unique_id))
    response = client.post("/ed-fi/studentEducationOrganizationAssociations", json=seoa(unique_id, known[edorg]))
    assert response.status_code == 201, response.text


def test_validation_comes_before_references(client: httpx.Client) -> None:
    grade = descriptor("GradeLevelDescriptor", "Grade 99")
    payload = student_assessment(
        unique("SA"), unique("Nobody"), unique("NoAssessment"), whenAssessedGradeLevelDescriptor=grade
    )
    response = client.post("/ed-fi/studentAssessments", json=payload)
    assert_problem(response, 400, VALIDATION, validation_paths={"$.whenAssessedGradeLevelDescriptor"})


def test_rejected_posts_store_nothing(client: httpx.Client, known: dict[str, Any]) -> None:
    identifier = unique("SA")
    client.post("/ed-fi/studentAssessments", json=student_assessment(identifier, unique("Nobody"), known["assessment"]))
    client.post(
        "/ed-fi/studentAssessments",
        json=student_assessment(identifier, known["student"], known["assessment"], scoreResults=[score(), score()]),
    )
    assert client.get("/ed-fi/studentAssessments", params={"studentAssessmentIdentifier": identifier}).json() == []
