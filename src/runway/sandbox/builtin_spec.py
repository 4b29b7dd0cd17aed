"""The built-in Ed-Fi spec: a hand-written subset of Data Standard 5.0 around the assessment domain.

It lets the sandbox run on a machine without the official OpenAPI documents. The resources are those an
assessment load touches (education organizations, students and their enrollments, assessments, objective
assessments, assessment items, learning standards, student assessments and their education organization
associations), each with the Data Standard 5.0 property names, types, lengths, identities and required
flags; the education organizations keep only their essential properties.

The documents are generated from the compact definitions below and follow the ODS/API 7.x conventions
that ``runway.sandbox.spec`` reads: ``/ed-fi/{endpoint}`` paths, ``edFi_{singular}`` schemas,
``edFi_{target}Reference`` schemas holding the target's identity, flattened query parameters on the
collection GET with the natural key flagged ``x-Ed-Fi-isIdentity``, and descriptor properties named
``…Descriptor`` whose descriptors make up the Descriptors document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

PREFIX = "edFi"
NAMESPACE = "ed-fi"
DATA_STANDARD = "5.0"
EDUCATION_ORGANIZATION = "educationOrganization"
DESCRIPTOR_MAX_LENGTH = 306  # "uri://…/NameDescriptor#Code Value" as the ODS stores it

ScalarType = Literal["string", "integer", "number", "boolean"]


def _upper_first(value: str) -> str:
    return value[:1].upper() + value[1:]


def _lower_first(value: str) -> str:
    return value[:1].lower() + value[1:]


# --- the definition language ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    """A scalar property. ``descriptor`` names the descriptor type of a descriptor property (``GradeLevel``).

    ``query`` is false for properties the ODS does not offer as collection filters (the inherited
    ``EducationOrganization`` properties of schools and agencies).
    """

    name: str
    type: ScalarType = "string"
    format: str | None = None
    max_length: int | None = None
    min_length: int | None = None
    minimum: int | None = None
    required: bool = False
    identity: bool = False
    descriptor: str | None = None
    query: bool = True


@dataclass(frozen=True)
class Ref:
    """A reference property such as ``reportedSchoolReference`` to the resource ``target`` (singular).

    ``unified`` lists the reference fields that share the plain name with another property of the same
    resource (key unification), so the collection GET offers them unprefixed.
    """

    name: str
    target: str
    required: bool = False
    identity: bool = False
    unified: tuple[str, ...] = ()


@dataclass(frozen=True)
class Items:
    """A collection property; item schema ``{owner}{item}`` unless ``schema`` names a shared one."""

    name: str
    item: str
    members: tuple[Member, ...]
    required: bool = False
    schema: str | None = None


@dataclass(frozen=True)
class Child:
    """A single nested object (``period``, ``contentStandard``); schema ``{owner}{item}``."""

    name: str
    item: str
    members: tuple[Member, ...]
    required: bool = False


Member = Scalar | Ref | Items | Child


@dataclass(frozen=True)
class ResourceDef:
    """One resource: endpoint (plural), schema name (singular) and properties in Data Standard order.

    ``subclass_of`` names the abstract entity a resource specializes (``educationOrganization``); as in
    the ODS, the collection GET of such a resource offers no ``id`` filter.
    """

    endpoint: str
    singular: str
    description: str
    members: tuple[Member, ...]
    subclass_of: str | None = None


def text(name: str, max_length: int, min_length: int | None = 1, **flags: Any) -> Scalar:
    """A string property with the Data Standard's length limits."""
    return Scalar(name, "string", max_length=max_length, min_length=min_length, **flags)


def int32(name: str, **flags: Any) -> Scalar:
    """An ``int32`` property."""
    return Scalar(name, "integer", "int32", **flags)


def int64(name: str, **flags: Any) -> Scalar:
    """An ``int64`` property (education organization ids)."""
    return Scalar(name, "integer", "int64", **flags)


def decimal(name: str, **flags: Any) -> Scalar:
    """A ``double`` property."""
    return Scalar(name, "number", "double", **flags)


def flag(name: str, **flags: Any) -> Scalar:
    """A boolean property."""
    return Scalar(name, "boolean", **flags)


def date(name: str, **flags: Any) -> Scalar:
    """A ``date`` property."""
    return Scalar(name, "string", "date", **flags)


def timestamp(name: str, **flags: Any) -> Scalar:
    """A ``date-time`` property."""
    return Scalar(name, "string", "date-time", **flags)


def descriptor(name: str, kind: str | None = None, **flags: Any) -> Scalar:
    """A descriptor property; ``kind`` for role names (``whenAssessedGradeLevelDescriptor`` → ``GradeLevel``)."""
    kind = kind or _upper_first(name.removesuffix("Descriptor"))
    return Scalar(name, "string", max_length=DESCRIPTOR_MAX_LENGTH, descriptor=kind, **flags)


def key(*names: str) -> tuple[Member, ...]:
    """Descriptor-keyed item members, e.g. ``key("gradeLevelDescriptor")``."""
    return tuple(descriptor(n, identity=True) for n in names)


# --- shared pieces ------------------------------------------------------------------------------------


def _period() -> Items:
    return Items("periods", "Period", (date("beginDate", identity=True), date("endDate")))


def _address_members() -> tuple[Member, ...]:
    return (
        descriptor("addressTypeDescriptor", identity=True),
        descriptor("stateAbbreviationDescriptor", identity=True),
        text("city", 30, 2, identity=True),
        text("postalCode", 17, identity=True),
        text("streetNumberName", 150, identity=True),
        descriptor("localeDescriptor"),
        text("apartmentRoomSuiteNumber", 50),
        text("buildingSiteNumber", 20),
        text("congressionalDistrict", 30),
        text("countyFIPSCode", 5, 3),
        flag("doNotPublishIndicator"),
        text("latitude", 20),
        text("longitude", 20),
        text("nameOfCounty", 30),
        _period(),
    )


def _education_organization(categories: str = "categories") -> tuple[Member, ...]:
    """The inherited ``EducationOrganization`` properties kept in the built-in spec."""
    return (
        Items(
            categories,
            "Category",
            key("educationOrganizationCategoryDescriptor"),
            required=True,
            schema="educationOrganizationCategory",
        ),
        Items("addresses", "Address", _address_members(), schema="educationOrganizationAddress"),
        Items(
            "identificationCodes",
            "IdentificationCode",
            (
                descriptor("educationOrganizationIdentificationSystemDescriptor", identity=True),
                text("identificationCode", 60, required=True),
            ),
            schema="educationOrganizationIdentificationCode",
        ),
        Items(
            "institutionTelephones",
            "InstitutionTelephone",
            (
                descriptor("institutionTelephoneNumberTypeDescriptor", identity=True),
                text("telephoneNumber", 24, required=True),
            ),
            schema="educationOrganizationInstitutionTelephone",
        ),
        text("nameOfInstitution", 75, required=True, query=False),
        descriptor("operationalStatusDescriptor", query=False),
        text("shortNameOfInstitution", 75, query=False),
        text("webSite", 255, 5, query=False),
    )


def _content_standard(required: bool = False) -> Child:
    return Child(
        "contentStandard",
        "ContentStandard",
        (
            descriptor("publicationStatusDescriptor"),
            date("beginDate"),
            date("endDate"),
            date("publicationDate"),
            int32("publicationYear"),
            text("title", 75, required=True),
            text("uri", 255, 5),
            text("version", 50),
            Ref("mandatingEducationOrganizationReference", EDUCATION_ORGANIZATION),
            Items("authors", "Author", (text("author", 100, identity=True),)),
        ),
        required=required,
    )


def _score_range() -> tuple[Member, ...]:
    return (
        descriptor("assessmentReportingMethodDescriptor", identity=True),
        descriptor("resultDatatypeTypeDescriptor"),
        text("maximumScore", 35),
        text("minimumScore", 35),
    )


def _performance_level_definition() -> tuple[Member, ...]:
    return (
        descriptor("assessmentReportingMethodDescriptor", identity=True),
        descriptor("performanceLevelDescriptor", identity=True),
        descriptor("resultDatatypeTypeDescriptor"),
        text("maximumScore", 35),
        text("minimumScore", 35),
        text("performanceLevelIndicatorName", 60),
    )


def _performance_level_result() -> tuple[Member, ...]:
    return (
        descriptor("assessmentReportingMethodDescriptor", identity=True),
        descriptor("performanceLevelDescriptor", identity=True),
        text("performanceLevelIndicatorName", 60),
    )


def _score_result() -> tuple[Member, ...]:
    return (
        descriptor("assessmentReportingMethodDescriptor", identity=True),
        descriptor("resultDatatypeTypeDescriptor", required=True),
        text("result", 35, required=True),
    )


def _identification_document() -> tuple[Member, ...]:
    return (
        descriptor("identificationDocumentUseDescriptor", identity=True),
        descriptor("personalInformationVerificationDescriptor", identity=True),
        descriptor("issuerCountryDescriptor", "Country"),
        date("documentExpirationDate"),
        text("documentTitle", 60),
        text("issuerDocumentIdentificationCode", 60),
        text("issuerName", 150),
    )


# --- the resources ------------------------------------------------------------------------------------

RESOURCES: tuple[ResourceDef, ...] = (
    ResourceDef(
        "schoolYearTypes",
        "schoolYearType",
        "A school year the ODS knows, with the current one flagged.",
        (
            int32("schoolYear", identity=True),
            flag("currentSchoolYear", required=True),
            text("schoolYearDescription", 50, None, required=True),
        ),
    ),
    ResourceDef(
        "stateEducationAgencies",
        "stateEducationAgency",
        "A state education agency.",
        (int64("stateEducationAgencyId", identity=True), *_education_organization()),
        subclass_of=EDUCATION_ORGANIZATION,
    ),
    ResourceDef(
        "educationServiceCenters",
        "educationServiceCenter",
        "A regional education service center.",
        (
            int64("educationServiceCenterId", identity=True),
            Ref("stateEducationAgencyReference", "stateEducationAgency"),
            *_education_organization(),
        ),
        subclass_of=EDUCATION_ORGANIZATION,
    ),
    ResourceDef(
        "localEducationAgencies",
        "localEducationAgency",
        "A local education agency (school district).",
        (
            int64("localEducationAgencyId", identity=True),
            Ref("educationServiceCenterReference", "educationServiceCenter"),
            Ref("parentLocalEducationAgencyReference", "localEducationAgency"),
            Ref("stateEducationAgencyReference", "stateEducationAgency"),
            descriptor("charterStatusDescriptor"),
            descriptor("localEducationAgencyCategoryDescriptor", required=True),
            *_education_organization(),
        ),
        subclass_of=EDUCATION_ORGANIZATION,
    ),
    ResourceDef(
        "schools",
        "school",
        "A school.",
        (
            int64("schoolId", identity=True),
            Items("gradeLevels", "GradeLevel", key("gradeLevelDescriptor"), required=True),
            Ref("charterApprovalSchoolYearTypeReference", "schoolYearType"),
            Ref("localEducationAgencyReference", "localEducationAgency"),
            descriptor("administrativeFundingControlDescriptor"),
            descriptor("charterApprovalAgencyTypeDescriptor"),
            descriptor("charterStatusDescriptor"),
            descriptor("internetAccessDescriptor"),
            descriptor("magnetSpecialProgramEmphasisSchoolDescriptor"),
            Items("schoolCategories", "Category", key("schoolCategoryDescriptor")),
            descriptor("schoolTypeDescriptor"),
            descriptor("titleIPartASchoolDesignationDescriptor"),
            *_education_organization("educationOrganizationCategories"),
        ),
        subclass_of=EDUCATION_ORGANIZATION,
    ),
    ResourceDef(
        "students",
        "student",
        "A student: identity and birth facts.",
        (
            text("studentUniqueId", 32, identity=True),
            Ref("personReference", "person"),
            text("birthCity", 30, 2),
            descriptor("birthCountryDescriptor", "Country"),
            date("birthDate", required=True),
            text("birthInternationalProvince", 150),
            descriptor("birthSexDescriptor", "Sex"),
            descriptor("birthStateAbbreviationDescriptor", "StateAbbreviation"),
            descriptor("citizenshipStatusDescriptor"),
            date("dateEnteredUS"),
            text("firstName", 75, required=True),
            text("generationCodeSuffix", 10),
            Items("identificationDocuments", "IdentificationDocument", _identification_document()),
            text("lastSurname", 75, required=True),
            text("maidenName", 75),
            text("middleName", 75),
            flag("multipleBirthStatus"),
            Items(
                "otherNames",
                "OtherName",
                (
                    descriptor("otherNameTypeDescriptor", identity=True),
                    text("firstName", 75, required=True),
                    text("generationCodeSuffix", 10),
                    text("lastSurname", 75, required=True),
                    text("middleName", 75),
                    text("personalTitlePrefix", 30),
                ),
            ),
            Items(
                "personalIdentificationDocuments",
                "PersonalIdentificationDocument",
                _identification_document(),
            ),
            text("personalTitlePrefix", 30),
            text("preferredFirstName", 75),
            text("preferredLastSurname", 75),
            Items("visas", "Visa", key("visaDescriptor")),
        ),
    ),
    ResourceDef(
        "studentSchoolAssociations",
        "studentSchoolAssociation",
        "A student's enrollment in a school.",
        (
            date("entryDate", identity=True),
            Ref("calendarReference", "calendar"),
            Ref("classOfSchoolYearTypeReference", "schoolYearType"),
            Ref("graduationPlanReference", "graduationPlan"),
            Ref("nextYearSchoolReference", "school"),
            Ref("schoolReference", "school", identity=True),
            Ref("schoolYearTypeReference", "schoolYearType"),
            Ref("studentReference", "student", identity=True),
            Items(
                "alternativeGraduationPlans",
                "AlternativeGraduationPlan",
                (Ref("alternativeGraduationPlanReference", "graduationPlan", required=True),),
            ),
            Items("educationPlans", "EducationPlan", key("educationPlanDescriptor")),
            flag("employedWhileEnrolled"),
            descriptor("enrollmentTypeDescriptor"),
            descriptor("entryGradeLevelDescriptor", "GradeLevel", required=True),
            descriptor("entryGradeLevelReasonDescriptor"),
            descriptor("entryTypeDescriptor"),
            date("exitWithdrawDate"),
            descriptor("exitWithdrawTypeDescriptor"),
            decimal("fullTimeEquivalency", minimum=0),
            descriptor("nextYearGradeLevelDescriptor", "GradeLevel"),
            flag("primarySchool"),
            flag("repeatGradeIndicator"),
            descriptor("residencyStatusDescriptor"),
            flag("schoolChoice"),
            descriptor("schoolChoiceBasisDescriptor"),
            flag("termCompletionIndicator"),
        ),
    ),
    ResourceDef(
        "studentEducationOrganizationAssociations",
        "studentEducationOrganizationAssociation",
        "A student's record at an education organization: identification codes, demographics, contacts.",
        (
            Ref("educationOrganizationReference", EDUCATION_ORGANIZATION, identity=True),
            Ref("studentReference", "student", identity=True),
            Items("addresses", "Address", _address_members()),
            descriptor("barrierToInternetAccessInResidenceDescriptor"),
            Items(
                "cohortYears",
                "CohortYear",
                (
                    descriptor("cohortYearTypeDescriptor", identity=True),
                    descriptor("termDescriptor"),
                    Ref("schoolYearTypeReference", "schoolYearType", required=True),
                ),
            ),
            Items(
                "disabilities",
                "Disability",
                (
                    descriptor("disabilityDescriptor", identity=True),
                    descriptor("disabilityDeterminationSourceTypeDescriptor"),
                    text("disabilityDiagnosis", 80),
                    int32("orderOfDisability"),
                    Items("designations", "Designation", key("disabilityDesignationDescriptor")),
                ),
            ),
            Items(
                "electronicMails",
                "ElectronicMail",
                (
                    descriptor("electronicMailTypeDescriptor", identity=True),
                    text("electronicMailAddress", 128, 7, identity=True),
                    flag("doNotPublishIndicator"),
                    flag("primaryEmailAddressIndicator"),
                ),
            ),
            text("genderIdentity", 60, None),
            flag("hispanicLatinoEthnicity"),
            flag("internetAccessInResidence"),
            descriptor("internetAccessTypeInResidenceDescriptor"),
            descriptor("internetPerformanceInResidenceDescriptor"),
            Items(
                "languages",
                "Language",
                (
                    descriptor("languageDescriptor", identity=True),
                    Items("uses", "Use", key("languageUseDescriptor")),
                ),
            ),
            descriptor("limitedEnglishProficiencyDescriptor"),
            text("loginId", 60),
            descriptor("primaryLearningDeviceAccessDescriptor"),
            descriptor("primaryLearningDeviceAwayFromSchoolDescriptor"),
            descriptor("primaryLearningDeviceProviderDescriptor"),
            text("profileThumbnail", 255),
            Items("races", "Race", key("raceDescriptor")),
            descriptor("sexDescriptor"),
            Items(
                "studentCharacteristics",
                "StudentCharacteristic",
                (
                    descriptor("studentCharacteristicDescriptor", identity=True),
                    text("designatedBy", 60),
                    _period(),
                ),
            ),
            Items(
                "studentIdentificationCodes",
                "StudentIdentificationCode",
                (
                    descriptor("studentIdentificationSystemDescriptor", identity=True),
                    text("assigningOrganizationIdentificationCode", 60, identity=True),
                    text("identificationCode", 60, required=True),
                ),
            ),
            Items(
                "studentIndicators",
                "StudentIndicator",
                (
                    text("indicatorName", 200, identity=True),
                    text("designatedBy", 60),
                    text("indicator", 60, required=True),
                    text("indicatorGroup", 200),
                    _period(),
                ),
            ),
            descriptor("supporterMilitaryConnectionDescriptor"),
            Items(
                "telephones",
                "Telephone",
                (
                    descriptor("telephoneNumberTypeDescriptor", identity=True),
                    text("telephoneNumber", 24, identity=True),
                    flag("doNotPublishIndicator"),
                    int32("orderOfPriority", minimum=1),
                    flag("textMessageCapabilityIndicator"),
                ),
            ),
        ),
    ),
    ResourceDef(
        "assessments",
        "assessment",
        "An assessment: its subjects, grades, scores and performance levels.",
        (
            Items("academicSubjects", "AcademicSubject", key("academicSubjectDescriptor"), required=True),
            text("assessmentIdentifier", 60, identity=True),
            text("namespace", 255, 5, identity=True),
            Ref("educationOrganizationReference", EDUCATION_ORGANIZATION),
            flag("adaptiveAssessment"),
            Items("assessedGradeLevels", "AssessedGradeLevel", key("gradeLevelDescriptor")),
            descriptor("assessmentCategoryDescriptor"),
            text("assessmentFamily", 60),
            text("assessmentForm", 60),
            text("assessmentTitle", 255, required=True),
            int32("assessmentVersion"),
            _content_standard(),
            Items(
                "identificationCodes",
                "IdentificationCode",
                (
                    descriptor("assessmentIdentificationSystemDescriptor", identity=True),
                    text("assigningOrganizationIdentificationCode", 60),
                    text("identificationCode", 60, required=True),
                ),
            ),
            Items("languages", "Language", key("languageDescriptor")),
            decimal("maxRawScore"),
            text("nomenclature", 100),
            Items("performanceLevels", "PerformanceLevel", _performance_level_definition()),
            Items(
                "periods",
                "Period",
                (descriptor("assessmentPeriodDescriptor", identity=True), date("beginDate"), date("endDate")),
            ),
            Items("platformTypes", "PlatformType", key("platformTypeDescriptor")),
            Items("programs", "Program", (Ref("programReference", "program", required=True),)),
            date("revisionDate"),
            Items("scores", "Score", _score_range()),
            Items("sections", "Section", (Ref("sectionReference", "section", required=True),)),
        ),
    ),
    ResourceDef(
        "objectiveAssessments",
        "objectiveAssessment",
        "A part of an assessment that measures one objective, possibly nested in another.",
        (
            text("identificationCode", 60, identity=True),
            Ref("assessmentReference", "assessment", identity=True),
            Ref(
                "parentObjectiveAssessmentReference",
                "objectiveAssessment",
                unified=("assessmentIdentifier", "namespace"),
            ),
            descriptor("academicSubjectDescriptor"),
            Items(
                "assessmentItems",
                "AssessmentItem",
                (Ref("assessmentItemReference", "assessmentItem", required=True),),
            ),
            text("description", 1024),
            Items(
                "learningStandards",
                "LearningStandard",
                (Ref("learningStandardReference", "learningStandard", required=True),),
            ),
            decimal("maxRawScore"),
            text("nomenclature", 100),
            decimal("percentOfAssessment"),
            Items("performanceLevels", "PerformanceLevel", _performance_level_definition()),
            Items("scores", "Score", _score_range()),
        ),
    ),
    ResourceDef(
        "assessmentItems",
        "assessmentItem",
        "One item (question) of an assessment.",
        (
            text("identificationCode", 60, identity=True),
            Ref("assessmentReference", "assessment", identity=True),
            descriptor("assessmentItemCategoryDescriptor"),
            text("assessmentItemURI", 255, 5),
            text("expectedTimeAssessed", 30, None),
            text("itemText", 1024),
            Items(
                "learningStandards",
                "LearningStandard",
                (Ref("learningStandardReference", "learningStandard", required=True),),
            ),
            decimal("maxRawScore"),
            text("nomenclature", 100),
            Items(
                "possibleResponses",
                "PossibleResponse",
                (
                    text("responseValue", 60, identity=True),
                    flag("correctResponse"),
                    text("responseDescription", 1024),
                ),
            ),
        ),
    ),
    ResourceDef(
        "learningStandards",
        "learningStandard",
        "A learning standard an assessment or item measures.",
        (
            Items("academicSubjects", "AcademicSubject", key("academicSubjectDescriptor"), required=True),
            Items("gradeLevels", "GradeLevel", key("gradeLevelDescriptor"), required=True),
            text("learningStandardId", 60, identity=True),
            Ref("parentLearningStandardReference", "learningStandard"),
            _content_standard(required=True),
            text("courseTitle", 60),
            text("description", 1024, required=True),
            Items(
                "identificationCodes",
                "IdentificationCode",
                (text("contentStandardName", 65, identity=True), text("identificationCode", 60, identity=True)),
            ),
            descriptor("learningStandardCategoryDescriptor"),
            text("learningStandardItemCode", 60),
            descriptor("learningStandardScopeDescriptor"),
            text("namespace", 255, 5, required=True),
            text("successCriteria", 150),
            text("uri", 255, 5),
        ),
    ),
    ResourceDef(
        "studentAssessments",
        "studentAssessment",
        "One student's administration of an assessment and its results.",
        (
            text("studentAssessmentIdentifier", 60, identity=True),
            Ref("assessmentReference", "assessment", identity=True),
            Ref("reportedSchoolReference", "school"),
            Ref("schoolYearTypeReference", "schoolYearType"),
            Ref("studentReference", "student", identity=True),
            Items("accommodations", "Accommodation", key("accommodationDescriptor")),
            timestamp("administrationDate"),
            timestamp("administrationEndDate"),
            descriptor("administrationEnvironmentDescriptor"),
            descriptor("administrationLanguageDescriptor", "Language"),
            int32("assessedMinutes"),
            descriptor("eventCircumstanceDescriptor"),
            text("eventDescription", 1024),
            Items(
                "items",
                "Item",
                (
                    descriptor("assessmentItemResultDescriptor", required=True),
                    descriptor("responseIndicatorDescriptor"),
                    text("assessmentResponse", 255),
                    text("descriptiveFeedback", 1024),
                    int32("itemNumber"),
                    decimal("rawScoreResult"),
                    text("timeAssessed", 30, None),
                    Ref("assessmentItemReference", "assessmentItem", required=True),
                ),
            ),
            Items("performanceLevels", "PerformanceLevel", _performance_level_result()),
            Child(
                "period",
                "Period",
                (descriptor("assessmentPeriodDescriptor", required=True), date("beginDate"), date("endDate")),
            ),
            descriptor("platformTypeDescriptor"),
            descriptor("reasonNotTestedDescriptor"),
            text("reportedSchoolIdentifier", 60),
            descriptor("retestIndicatorDescriptor"),
            Items("scoreResults", "ScoreResult", _score_result()),
            text("serialNumber", 60),
            Items(
                "studentObjectiveAssessments",
                "StudentObjectiveAssessment",
                (
                    timestamp("administrationDate"),
                    timestamp("administrationEndDate"),
                    int32("assessedMinutes"),
                    Ref("objectiveAssessmentReference", "objectiveAssessment", required=True),
                    Items("performanceLevels", "PerformanceLevel", _performance_level_result()),
                    Items("scoreResults", "ScoreResult", _score_result()),
                ),
            ),
            descriptor("whenAssessedGradeLevelDescriptor", "GradeLevel"),
        ),
    ),
    ResourceDef(
        "studentAssessmentEducationOrganizationAssociations",
        "studentAssessmentEducationOrganizationAssociation",
        "Ties a student assessment to an education organization (e.g. the one the student was enrolled in).",
        (
            descriptor("educationOrganizationAssociationTypeDescriptor", identity=True),
            Ref("educationOrganizationReference", EDUCATION_ORGANIZATION, identity=True),
            Ref("schoolYearTypeReference", "schoolYearType"),
            Ref("studentAssessmentReference", "studentAssessment", identity=True),
        ),
    ),
)

# Identities of reference targets that have no endpoint in the built-in spec. ``educationOrganization`` is
# abstract in Ed-Fi: its reference resolves against schools, agencies and the other members.
EXTERNAL_KEYS: dict[str, tuple[Scalar, ...]] = {
    EDUCATION_ORGANIZATION: (int64("educationOrganizationId"),),
    "person": (text("personId", 32), descriptor("sourceSystemDescriptor")),
    "calendar": (text("calendarCode", 60), int64("schoolId"), int32("schoolYear")),
    "graduationPlan": (
        int64("educationOrganizationId"),
        descriptor("graduationPlanTypeDescriptor"),
        int32("graduationSchoolYear"),
    ),
    "program": (int64("educationOrganizationId"), text("programName", 60), descriptor("programTypeDescriptor")),
    "section": (
        text("localCourseCode", 60),
        int64("schoolId"),
        int32("schoolYear"),
        text("sectionIdentifier", 255),
        text("sessionName", 60),
    ),
}


# --- document generation ------------------------------------------------------------------------------


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def _by_singular() -> dict[str, ResourceDef]:
    return {r.singular: r for r in RESOURCES}


def flattened_name(ref: Ref, field_name: str) -> str:
    """The collection-GET name of one reference field, as the ODS flattens it.

    The field keeps its name when the role is the target itself or the field is key-unified, and takes
    the role as prefix otherwise (``reportedSchoolReference.schoolId`` → ``reportedSchoolId``).
    """
    role = ref.name.removesuffix("Reference")
    if role == ref.target or field_name in ref.unified:
        return field_name
    if role.lower().endswith(ref.target.lower()):
        return role[: len(role) - len(ref.target)] + _upper_first(field_name)
    return role + _upper_first(field_name)


def reference_key(target: str) -> tuple[Scalar, ...]:
    """The identity fields of ``target`` under their flattened names, sorted as ODS reference schemas are."""
    resource = _by_singular().get(target)
    if resource is None:
        fields = EXTERNAL_KEYS[target]
    else:
        found: dict[str, Scalar] = {}
        for member in resource.members:
            if isinstance(member, Scalar) and member.identity:
                found.setdefault(member.name, member)
            elif isinstance(member, Ref) and member.identity:
                for part in reference_key(member.target):
                    found.setdefault(
                        flattened_name(member, part.name), replace(part, name=flattened_name(member, part.name))
                    )
        fields = tuple(found.values())
    return tuple(sorted((replace(f, identity=True, required=True, query=True) for f in fields), key=lambda f: f.name))


def _scalar_schema(field: Scalar) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    if field.min_length is not None:
        schema["minLength"] = field.min_length
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    schema["type"] = field.type
    if field.format is not None:
        schema["format"] = field.format
    if not (field.required or field.identity):
        schema["x-nullable"] = True
    if field.identity:
        schema["x-Ed-Fi-isIdentity"] = True
    return schema


def _object_schema(
    name: str, members: tuple[Member, ...], schemas: dict[str, Any], *, top: bool = False, description: str = ""
) -> None:
    """Add ``{PREFIX}_{name}`` and every schema it uses to ``schemas``."""
    properties: dict[str, Any] = {"id": {"type": "string"}} if top else {}
    required: list[str] = []
    for member in members:
        if isinstance(member, Scalar):
            properties[member.name] = _scalar_schema(member)
        elif isinstance(member, Ref):
            properties[member.name] = _ref(_reference_schema(member.target, schemas))
        elif isinstance(member, Items):
            item = member.schema or name + member.item
            _object_schema(item, member.members, schemas)
            properties[member.name] = {"type": "array", "items": _ref(f"{PREFIX}_{item}")}
        else:
            _object_schema(name + member.item, member.members, schemas)
            properties[member.name] = _ref(f"{PREFIX}_{name}{member.item}")
        if member.required or (isinstance(member, Scalar | Ref) and member.identity):
            required.append(member.name)
    if top:
        properties["_etag"] = {"type": "string"}
        properties["_lastModifiedDate"] = {"type": "string", "format": "date-time"}
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["required"] = required
    schema["properties"] = properties
    _add_schema(schemas, f"{PREFIX}_{name}", schema)


def _reference_schema(target: str, schemas: dict[str, Any]) -> str:
    fields = reference_key(target)
    properties: dict[str, Any] = {f.name: _scalar_schema(f) for f in fields}
    properties["link"] = _ref("link")
    name = f"{PREFIX}_{target}Reference"
    _add_schema(schemas, name, {"type": "object", "required": [f.name for f in fields], "properties": properties})
    return name


def _add_schema(schemas: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    existing = schemas.get(name)
    if existing is not None and existing != schema:
        raise ValueError(f"Built-in spec defines schema '{name}' twice with different content.")
    schemas[name] = schema


def _query_parameters(resource: ResourceDef) -> list[dict[str, Any]]:
    """Inline query parameters: natural key first, then references, descriptors, other scalars and ``id``."""
    keyed: dict[str, Scalar] = {}
    referenced: dict[str, Scalar] = {}
    described: dict[str, Scalar] = {}
    plain: dict[str, Scalar] = {} if resource.subclass_of else {"id": Scalar("id")}
    for member in resource.members:
        if isinstance(member, Scalar) and member.query:
            bucket = keyed if member.identity else described if member.descriptor else plain
            bucket.setdefault(member.name, member)
        elif isinstance(member, Ref):
            for part in reference_key(member.target):
                name = flattened_name(member, part.name)
                (keyed if member.identity else referenced).setdefault(name, replace(part, name=name))
    ordered = [*keyed.values(), *referenced.values(), *described.values()]
    ordered += sorted(plain.values(), key=lambda f: f.name)
    parameters: list[dict[str, Any]] = []
    seen: set[str] = set()
    for field in ordered:
        if field.name in seen:
            continue
        seen.add(field.name)
        schema: dict[str, Any] = {}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        schema["type"] = field.type
        if field.format is not None:
            schema["format"] = field.format
        parameter: dict[str, Any] = {"name": field.name, "in": "query", "schema": schema}
        if field.name in keyed:
            parameter["x-Ed-Fi-isIdentity"] = True
        parameters.append(parameter)
    return parameters


_RESPONSES: dict[str, dict[str, Any]] = {
    "Created": {"description": "Created; the ETag and Location headers identify the new item."},
    "Updated": {"description": "Updated; the ETag header holds the new version."},
    "Deleted": {"description": "Deleted."},
    "NotModified": {"description": "Not modified since the If-None-Match ETag."},
    "BadRequest": {"description": "The request or its payload is invalid.", "content": {"application/json": {}}},
    "Unauthorized": {"description": "No valid bearer token."},
    "Forbidden": {"description": "Not allowed for this client."},
    "NotFound": {"description": "No such item."},
    "Conflict": {"description": "Refused to keep references intact.", "content": {"application/json": {}}},
    "PreconditionFailed": {"description": "The If-Match ETag is stale."},
    "Error": {"description": "Unexpected server error.", "content": {"application/json": {}}},
}

_PARAMETERS: dict[str, dict[str, Any]] = {
    "offset": {
        "name": "offset",
        "in": "query",
        "description": "Items to skip.",
        "schema": {"type": "integer", "format": "int32", "default": 0},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "description": "Maximum items to return.",
        "schema": {"maximum": 500, "minimum": 0, "type": "integer", "format": "int32", "default": 25},
    },
    "MinChangeVersion": {
        "name": "minChangeVersion",
        "in": "query",
        "description": "Lowest change version to return.",
        "schema": {"type": "integer", "format": "int64"},
    },
    "MaxChangeVersion": {
        "name": "maxChangeVersion",
        "in": "query",
        "description": "Highest change version to return.",
        "schema": {"type": "integer", "format": "int64"},
    },
    "totalCount": {
        "name": "totalCount",
        "in": "query",
        "description": "Return the number of matching items in the Total-Count header.",
        "schema": {"type": "boolean", "default": False},
    },
    "id": {
        "name": "id",
        "in": "path",
        "description": "The item's resource identifier.",
        "required": True,
        "schema": {"type": "string"},
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "description": "ETag the item must still have.",
        "schema": {"type": "string"},
    },
    "IfNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "description": "ETag already held by the caller.",
        "schema": {"type": "string"},
    },
}

_PAGING = ("offset", "limit", "MinChangeVersion", "MaxChangeVersion", "totalCount")


def _parameter_refs(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/parameters/{n}"} for n in names]


def _responses(*codes: tuple[str, str]) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/{name}"} for code, name in codes}


_READ_ERRORS = (("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden"), ("404", "NotFound"))
_WRITE_ERRORS = (("409", "Conflict"), ("412", "PreconditionFailed"), ("500", "Error"))


def _paths(endpoint: str, singular: str, schema: str, query: list[dict[str, Any]]) -> dict[str, Any]:
    """The collection and by-id path items of one resource."""
    tag = [endpoint]
    title = _upper_first(singular)
    body = {
        "content": {"application/json": {"schema": _ref(schema)}},
        "required": True,
        "x-bodyName": singular,
    }
    return {
        f"/{NAMESPACE}/{endpoint}": {
            "get": {
                "tags": tag,
                "summary": "Lists items, filtered by property values.",
                "operationId": f"get{_upper_first(endpoint)}",
                "parameters": [*_parameter_refs(*_PAGING), *query],
                "responses": {
                    "200": {
                        "description": "The matching items.",
                        "content": {"application/json": {"schema": {"type": "array", "items": _ref(schema)}}},
                    },
                    **_responses(("304", "NotModified"), *_READ_ERRORS, ("500", "Error")),
                },
            },
            "post": {
                "tags": tag,
                "summary": "Creates or updates an item by its natural key.",
                "operationId": f"post{title}",
                "requestBody": body,
                "responses": _responses(("200", "Updated"), ("201", "Created"), *_READ_ERRORS[:3], *_WRITE_ERRORS),
            },
        },
        f"/{NAMESPACE}/{endpoint}/{{id}}": {
            "get": {
                "tags": tag,
                "summary": "Gets an item by its resource identifier.",
                "operationId": f"get{_upper_first(endpoint)}ById",
                "parameters": _parameter_refs("id", "IfNoneMatch"),
                "responses": {
                    "200": {
                        "description": "The item.",
                        "content": {"application/json": {"schema": _ref(schema)}},
                    },
                    **_responses(("304", "NotModified"), *_READ_ERRORS, ("500", "Error")),
                },
            },
            "put": {
                "tags": tag,
                "summary": "Replaces an item by its resource identifier.",
                "operationId": f"put{title}",
                "parameters": _parameter_refs("id", "IfMatch"),
                "requestBody": body,
                "responses": _responses(("204", "Updated"), *_READ_ERRORS, *_WRITE_ERRORS),
            },
            "delete": {
                "tags": tag,
                "summary": "Deletes an item by its resource identifier.",
                "operationId": f"delete{title}ById",
                "parameters": _parameter_refs("id", "IfMatch"),
                "responses": _responses(("204", "Deleted"), *_READ_ERRORS, *_WRITE_ERRORS),
            },
        },
    }


def _document(title: str, paths: dict[str, Any], schemas: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {
            "title": title,
            "description": "Runway's built-in subset of the Ed-Fi Data Standard 5.0 API (assessment domain).",
            "version": DATA_STANDARD,
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": _RESPONSES,
            "parameters": _PARAMETERS,
            "securitySchemes": {
                "oauth2_client_credentials": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 client credentials grant.",
                    "flows": {"clientCredentials": {"tokenUrl": "", "scopes": {}}},
                }
            },
        },
        "security": [{"oauth2_client_credentials": []}],
        "tags": tags,
    }


def _walk_scalars(members: tuple[Member, ...]) -> list[Scalar]:
    found: list[Scalar] = []
    for member in members:
        if isinstance(member, Scalar):
            found.append(member)
        elif isinstance(member, Ref):
            found.extend(reference_key(member.target))
        else:
            found.extend(_walk_scalars(member.members))
    return found


def descriptor_properties() -> dict[str, str]:
    """Every descriptor property name of the built-in resources → its descriptor type (``GradeLevel``).

    Includes descriptor fields of reference schemas (``programTypeDescriptor`` of ``programReference``).
    """
    found: dict[str, str] = {}
    for resource in RESOURCES:
        for field in _walk_scalars(resource.members):
            if field.descriptor is not None:
                previous = found.setdefault(field.name, field.descriptor)
                if previous != field.descriptor:
                    raise ValueError(
                        f"'{field.name}' is declared with descriptor types {previous} and {field.descriptor}."
                    )
    return found


def descriptor_names() -> list[str]:
    """The descriptor types the built-in resources use, e.g. ``GradeLevelDescriptor``, sorted."""
    return sorted({f"{kind}Descriptor" for kind in descriptor_properties().values()})


def resources_document() -> dict[str, Any]:
    """The built-in Resources API document (OpenAPI 3, ODS/API 7.x shape, Data Standard 5.0 names)."""
    schemas: dict[str, Any] = {
        "link": {"type": "object", "properties": {"rel": {"type": "string"}, "href": {"type": "string"}}}
    }
    paths: dict[str, Any] = {}
    for resource in sorted(RESOURCES, key=lambda r: r.endpoint):
        _object_schema(resource.singular, resource.members, schemas, top=True, description=resource.description)
        schema = f"{PREFIX}_{resource.singular}"
        paths.update(_paths(resource.endpoint, resource.singular, schema, _query_parameters(resource)))
    tags = [{"name": r.endpoint, "description": r.description} for r in sorted(RESOURCES, key=lambda r: r.endpoint)]
    return _document(
        f"Ed-Fi Resources API ({DATA_STANDARD}, Runway built-in)", paths, dict(sorted(schemas.items())), tags
    )


def descriptors_document() -> dict[str, Any]:
    """The built-in Descriptors API document: one endpoint per descriptor type the resources use."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    tags: list[dict[str, str]] = []
    for name in descriptor_names():
        singular = _lower_first(name)
        endpoint = f"{singular}s"
        schema = f"{PREFIX}_{singular}"
        schemas[schema] = {
            "type": "object",
            "description": f"Values of the {name.removesuffix('Descriptor')} code set.",
            "required": ["codeValue", "namespace", "shortDescription"],
            "properties": {
                "id": {"type": "string"},
                f"{singular}Id": {"type": "integer", "format": "int32", "x-Ed-Fi-isIdentity": True},
                "codeValue": {"maxLength": 50, "type": "string"},
                "description": {"maxLength": 1024, "type": "string", "x-nullable": True},
                "effectiveBeginDate": {"type": "string", "format": "date", "x-nullable": True},
                "effectiveEndDate": {"type": "string", "format": "date", "x-nullable": True},
                "namespace": {"maxLength": 255, "type": "string"},
                "shortDescription": {"maxLength": 75, "type": "string"},
                "_etag": {"type": "string"},
                "_lastModifiedDate": {"type": "string", "format": "date-time"},
            },
        }
        paths.update(_paths(endpoint, singular, schema, []))
        tags.append({"name": endpoint, "description": f"{name} values."})
    return _document(f"Ed-Fi Descriptors API ({DATA_STANDARD}, Runway built-in)", paths, schemas, tags)
