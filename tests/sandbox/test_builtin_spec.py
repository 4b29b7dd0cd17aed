"""The built-in assessment-domain spec: loader conventions, and faithfulness to the Data Standard 5.0 spec."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runway.sandbox.builtin_descriptors import BUILTIN_DESCRIPTORS
from runway.sandbox.builtin_spec import (
    RESOURCES,
    descriptor_names,
    descriptor_properties,
    descriptors_document,
    resources_document,
)
from runway.sandbox.descriptors import endpoint_for, load_xml_dir
from runway.sandbox.spec import Catalog, build_catalog
from tests.conftest import DESCRIPTORS_DIR, needs_shared

COMPARED_KEYWORDS = ("type", "format", "maxLength", "minLength", "minimum", "x-nullable", "x-Ed-Fi-isIdentity")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return build_catalog(resources_document(), descriptors_document(), "built-in")


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    return dict(document["components"]["schemas"])


def _inline_parameters(document: dict[str, Any], endpoint: str) -> dict[str, dict[str, Any]]:
    parameters = document["paths"][f"/ed-fi/{endpoint}"]["get"]["parameters"]
    return {p["name"]: p for p in parameters if "name" in p}


# --- the built-in spec on its own ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "identity"),
    [
        ("studentAssessments", ("assessmentIdentifier", "namespace", "studentAssessmentIdentifier", "studentUniqueId")),
        ("objectiveAssessments", ("assessmentIdentifier", "identificationCode", "namespace")),
        ("assessments", ("assessmentIdentifier", "namespace")),
        ("studentSchoolAssociations", ("entryDate", "schoolId", "studentUniqueId")),
        ("studentEducationOrganizationAssociations", ("educationOrganizationId", "studentUniqueId")),
        (
            "studentAssessmentEducationOrganizationAssociations",
            (
                "assessmentIdentifier",
                "educationOrganizationAssociationTypeDescriptor",
                "educationOrganizationId",
                "namespace",
                "studentAssessmentIdentifier",
                "studentUniqueId",
            ),
        ),
        ("schools", ("schoolId",)),
        ("students", ("studentUniqueId",)),
        ("schoolYearTypes", ("schoolYear",)),
        ("gradeLevelDescriptors", ("codeValue", "namespace")),
    ],
)
def test_identity_of_key_resources(catalog: Catalog, endpoint: str, identity: tuple[str, ...]) -> None:
    resource = catalog.resource("ed-fi", endpoint)
    assert resource is not None
    assert resource.identity == identity


def test_parent_objective_assessment_is_key_unified_with_the_assessment(catalog: Catalog) -> None:
    resource = catalog.resource("ed-fi", "objectiveAssessments")
    assert resource is not None
    for name in ("assessmentIdentifier", "namespace"):
        assert resource.query_paths[name] == (
            ("assessmentReference", name),
            ("parentObjectiveAssessmentReference", name),
        )
    assert resource.query_paths["parentIdentificationCode"] == (
        ("parentObjectiveAssessmentReference", "identificationCode"),
    )


def test_role_named_references_are_flattened_with_their_role(catalog: Catalog) -> None:
    student_assessments = catalog.resource("ed-fi", "studentAssessments")
    schools = catalog.resource("ed-fi", "schools")
    assert student_assessments is not None
    assert schools is not None
    assert student_assessments.query_paths["reportedSchoolId"] == (("reportedSchoolReference", "schoolId"),)
    assert student_assessments.query_types["reportedSchoolId"] == "integer"
    assert schools.query_paths["charterApprovalSchoolYear"] == (
        ("charterApprovalSchoolYearTypeReference", "schoolYear"),
    )


def test_student_identification_codes_are_keyed_items(catalog: Catalog) -> None:
    plans = {p.name: p for p in catalog.plan("edFi_studentEducationOrganizationAssociation")}
    codes = plans["studentIdentificationCodes"]
    assert codes.kind == "array"
    assert codes.child == "edFi_studentEducationOrganizationAssociationStudentIdentificationCode"
    assert codes.identity_in_items == (
        "studentIdentificationSystemDescriptor",
        "assigningOrganizationIdentificationCode",
    )


def test_education_organization_reference_resolves_to_every_member(catalog: Catalog) -> None:
    schema = _schemas(resources_document())["edFi_educationOrganizationReference"]
    assert schema["required"] == ["educationOrganizationId"]
    assert schema["properties"]["educationOrganizationId"]["format"] == "int64"
    plans = {p.name: p for p in catalog.plan("edFi_studentEducationOrganizationAssociation")}
    reference = plans["educationOrganizationReference"].reference
    assert reference is not None
    members = {target.endpoint for target, _ in catalog.reference_targets(reference)}
    assert members == {"schools", "localEducationAgencies", "stateEducationAgencies", "educationServiceCenters"}


def test_every_ref_resolves_and_every_object_schema_lists_required() -> None:
    """Dangling ``$ref``s break lightbeam and the loader; lightbeam also reads ``required`` of every schema."""
    for document in (resources_document(), descriptors_document()):
        schemas = _schemas(document)
        text = json.dumps(document)
        for chunk in text.split('"$ref": "')[1:]:
            target = chunk.split('"', 1)[0]
            section, name = target.rsplit("/", 2)[-2:]
            assert name in document["components"][section], target
        for name, schema in schemas.items():
            if name != "link":
                assert isinstance(schema.get("required"), list), name
        assert '"x-Ed-Fi-isIdentity":' in text


def test_descriptor_properties_resolve_to_their_descriptor(catalog: Catalog) -> None:
    properties = descriptor_properties()
    assert properties["whenAssessedGradeLevelDescriptor"] == "GradeLevel"
    assert properties["administrationLanguageDescriptor"] == "Language"
    for name, kind in properties.items():
        resource = catalog.descriptor_for_property(name)
        assert resource is not None, name
        assert resource.singular == kind[:1].lower() + kind[1:] + "Descriptor", name


def test_descriptor_document_shape(catalog: Catalog) -> None:
    document = descriptors_document()
    names = descriptor_names()
    assert len(document["paths"]) == 2 * len(names)
    schema = _schemas(document)["edFi_gradeLevelDescriptor"]
    assert schema["required"] == ["codeValue", "namespace", "shortDescription"]
    assert schema["properties"]["gradeLevelDescriptorId"]["x-Ed-Fi-isIdentity"] is True
    assert schema["properties"]["codeValue"]["maxLength"] == 50
    assert schema["properties"]["description"] == {"maxLength": 1024, "type": "string", "x-nullable": True}
    assert {r.endpoint for r in catalog.resources.values() if r.is_descriptor} == {endpoint_for(n) for n in names}


def test_documents_are_built_fresh() -> None:
    first = resources_document()
    first["paths"].clear()
    assert resources_document()["paths"]
    assert resources_document()["info"]["version"] == "5.0"


# --- built-in descriptor values --------------------------------------------------------------------


def test_builtin_descriptors_are_descriptors_of_the_builtin_spec(catalog: Catalog) -> None:
    for name, codes in BUILTIN_DESCRIPTORS.items():
        assert catalog.resource("ed-fi", endpoint_for(name)) is not None, name
        assert codes, name
        assert len(set(codes)) == len(codes), name
        assert all(0 < len(code) <= 50 and code == code.strip() for code in codes), name
    needed = "GradeLevel AcademicSubject AssessmentCategory AssessmentReportingMethod ResultDatatypeType Language"
    needed += " Sex StudentIdentificationSystem EducationOrganizationAssociationType PerformanceLevel"
    for kind in needed.split():
        assert f"{kind}Descriptor" in BUILTIN_DESCRIPTORS
    assert {"eng", "spa"} <= set(BUILTIN_DESCRIPTORS["LanguageDescriptor"])


def test_builtin_descriptor_values_are_ed_fi_defaults() -> None:
    needs_shared(DESCRIPTORS_DIR)
    defaults: dict[str, set[str]] = {}
    for value in load_xml_dir(DESCRIPTORS_DIR):
        defaults.setdefault(value.endpoint, set()).add(value.code_value)
    for name, codes in BUILTIN_DESCRIPTORS.items():
        unknown = set(codes) - defaults.get(endpoint_for(name), set())
        assert not unknown, f"{name}: {sorted(unknown)}"


# --- faithfulness to the Data Standard 5.0 spec ----------------------------------------------------


def test_resources_match_data_standard_5(catalog: Catalog, ds50_catalog: Catalog) -> None:
    """Same natural keys; every flattened query name exists in DS 5.0 with the same type and paths."""
    for key, resource in catalog.resources.items():
        official = ds50_catalog.resources.get(key)
        assert official is not None, key
        assert resource.schema_name == official.schema_name
        assert resource.identity == official.identity, key
        for name, paths in resource.query_paths.items():
            assert name in official.query_paths, (key, name)
            assert resource.query_types[name] == official.query_types[name], (key, name)
            if not resource.is_descriptor:
                assert paths == official.query_paths[name], (key, name)


def test_schemas_are_a_faithful_subset_of_data_standard_5(ds50_catalog: Catalog) -> None:
    """Every built-in property exists in DS 5.0 with the same type, format, lengths, nullability and identity,
    every schema requires exactly what DS 5.0 requires, and each resource's collection GET parameters
    agree with DS 5.0's."""
    official_schemas = ds50_catalog.schemas
    for document in (resources_document(), descriptors_document()):
        for name, schema in _schemas(document).items():
            official = official_schemas.get(name)
            assert official is not None, name
            official_properties = official.get("properties") or {}
            for prop, spec in schema["properties"].items():
                assert prop in official_properties, f"{name}.{prop}"
                theirs = official_properties[prop]
                for keyword in COMPARED_KEYWORDS:
                    assert spec.get(keyword) == theirs.get(keyword), f"{name}.{prop} {keyword}"
                assert spec.get("$ref") == theirs.get("$ref"), f"{name}.{prop}"
                assert spec.get("items") == theirs.get("items"), f"{name}.{prop}"
            assert set(schema.get("required") or []) == set(official.get("required") or []), name
    ours = resources_document()
    theirs_document = ds50_catalog.resources_document
    for resource in RESOURCES:
        official_parameters = _inline_parameters(theirs_document, resource.endpoint)
        for parameter_name, parameter in _inline_parameters(ours, resource.endpoint).items():
            official = official_parameters.get(parameter_name)
            assert official is not None, (resource.endpoint, parameter_name)
            assert parameter.get("x-Ed-Fi-isIdentity", False) == official.get("x-Ed-Fi-isIdentity", False)
            for keyword in ("type", "format", "maxLength"):
                assert parameter["schema"].get(keyword) == official["schema"].get(keyword), (
                    resource.endpoint,
                    parameter_name,
                    keyword,
                )
