"""Roster seeding: load education organizations, students and their studentEducationOrganizationAssociations
(with student identification codes of several ID systems) into an Ed-Fi API from one small file.

File format (YAML or JSON, see ``docs/sandbox.md``)::

    resources:                       # any Ed-Fi resources, as API payloads, by endpoint name
      localEducationAgencies:
        - localEducationAgencyId: 255901
          nameOfInstitution: Grand Bend ISD
          categories:
            - educationOrganizationCategoryDescriptor: uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School
          localEducationAgencyCategoryDescriptor: uri://ed-fi.org/LocalEducationAgencyCategoryDescriptor#Independent
    roster:                          # shorthand for students + studentEducationOrganizationAssociations
      educationOrganizationId: 255901
      students:
        - {studentUniqueId: "604822", firstName: Ana, lastSurname: Diaz, birthDate: "2010-05-04",
           ids: {District: "D-604822", State: "TX-12345"}}

``ids`` maps a StudentIdentificationSystemDescriptor code value (``District``, ``State``, ``Local``…) or a
full descriptor URI to the student's identification code in that system.

Everything is sent over HTTP with the ODS's own rules (POST upserts by natural key), so the same file can
seed the built-in sandbox or a real ODS/API, and seeding twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from runway.sandbox.config import one_line

ID_SYSTEM_NAMESPACE = "uri://ed-fi.org/StudentIdentificationSystemDescriptor"
SEX_NAMESPACE = "uri://ed-fi.org/SexDescriptor"
EDORG_CATEGORY_NAMESPACE = "uri://ed-fi.org/EducationOrganizationCategoryDescriptor"
LEA_CATEGORY_NAMESPACE = "uri://ed-fi.org/LocalEducationAgencyCategoryDescriptor"
ROSTER_FIELDS = {"studentUniqueId", "firstName", "lastSurname", "birthDate", "ids", "middleName", "sex"}


class SeedFileError(ValueError):
    """A seed file that cannot be read or has the wrong shape (the message names the place)."""


@dataclass
class SeedReport:
    """What a seeding run did: counts by resource and status, and failures with the API's message."""

    sent: dict[str, dict[int, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, endpoint: str, status: int) -> None:
        """Count one response."""
        counts = self.sent.setdefault(endpoint, {})
        counts[status] = counts.get(status, 0) + 1

    @property
    def ok(self) -> bool:
        """True when every record was accepted."""
        return not self.failures


class _Number(int):
    """An integer read from YAML that remembers how it was written (``0604721`` stays ``0604721``)."""

    source: str


class _SeedLoader(yaml.SafeLoader):
    """Safe YAML loading where integers keep their written form, so IDs with leading zeros survive."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    number = _Number(yaml.SafeLoader.construct_yaml_int(loader, node))
    number.source = str(node.value)
    return number


_SeedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _text(value: object) -> str:
    """A roster value as text, as it was written in the file."""
    return value.source if isinstance(value, _Number) else str(value)


def read_seed_file(path: Path, notes: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Parse a seed file into ``{endpoint: [payload, …]}`` with the roster shorthand expanded.

    ``notes`` collects what the reader filled in (placeholder names or birth dates). Raises ``SeedFileError``
    for unreadable files and for entries of the wrong shape.
    """
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_SeedLoader)
    except OSError as exc:
        raise SeedFileError(f"Cannot read seed file {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError:
        raise SeedFileError(f"Seed file {path} is not UTF-8 text; save it as UTF-8 (YAML or JSON).") from None
    except yaml.YAMLError as exc:
        raise SeedFileError(f"Seed file {path} is not valid YAML or JSON: {one_line(exc)}") from exc
    if not isinstance(loaded, dict) or not ({"resources", "roster"} & set(loaded)):
        raise SeedFileError(f"Seed file {path} must be a mapping with 'resources' and/or 'roster'.")
    unknown = set(loaded) - {"resources", "roster"}
    if unknown:
        raise SeedFileError(
            f"Seed file {path}: unknown top-level key(s) {sorted(unknown)}; use 'resources' or 'roster'."
        )
    result: dict[str, list[dict[str, Any]]] = {}
    resources = loaded.get("resources") or {}
    if not isinstance(resources, dict):
        raise SeedFileError(f"{path}: 'resources' must map endpoint names to lists of payloads.")
    for endpoint, items in resources.items():
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise SeedFileError(f"{path}: resources.{endpoint} must be a list of JSON objects.")
        result.setdefault(str(endpoint), []).extend(items)
    if "roster" in loaded:
        for endpoint, items in expand_roster(loaded["roster"], str(path), notes).items():
            result.setdefault(endpoint, []).extend(items)
    return result


def expand_roster(roster: object, where: str, notes: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The ``roster`` shorthand → ``students`` and ``studentEducationOrganizationAssociations`` payloads.

    Students without ``firstName``, ``lastSurname`` or ``birthDate`` get placeholders (``Student``, the
    student's ID, ``2010-01-01``), which ``notes`` reports. Raises ``SeedFileError`` naming the entry at fault.
    """
    placeholders = 0
    if not isinstance(roster, dict):
        raise SeedFileError(f"{where}: 'roster' must be a mapping with educationOrganizationId and students.")
    edorg = roster.get("educationOrganizationId")
    if not isinstance(edorg, int):
        raise SeedFileError(f"{where}: roster.educationOrganizationId must be a whole number such as 255901.")
    students_in = roster.get("students")
    if not isinstance(students_in, list):
        raise SeedFileError(f"{where}: roster.students must be a list of students.")
    students: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    for index, entry in enumerate(students_in):
        place = f"{where}: roster.students[{index}]"
        if not isinstance(entry, dict):
            raise SeedFileError(f"{place} must be a mapping.")
        unknown = set(entry) - ROSTER_FIELDS
        if unknown:
            raise SeedFileError(f"{place} has unknown field(s) {sorted(unknown)}; allowed: {sorted(ROSTER_FIELDS)}.")
        unique_id = entry.get("studentUniqueId")
        if unique_id is None or _text(unique_id).strip() == "":
            raise SeedFileError(f"{place} needs a studentUniqueId.")
        unique_id = _text(unique_id)
        if not all(entry.get(k) for k in ("firstName", "lastSurname", "birthDate")):
            placeholders += 1
        students.append(
            {
                "studentUniqueId": unique_id,
                "firstName": _text(entry.get("firstName") or "Student"),
                "lastSurname": _text(entry.get("lastSurname") or unique_id),
                "birthDate": _text(entry.get("birthDate") or "2010-01-01"),
                **({"middleName": _text(entry["middleName"])} if entry.get("middleName") else {}),
            }
        )
        ids = entry.get("ids") or {}
        if not isinstance(ids, dict):
            raise SeedFileError(f"{place}.ids must map an ID system (e.g. District) to the student's code.")
        for system, code in ids.items():
            if code is None or _text(code).strip() == "":
                raise SeedFileError(f"{place}.ids.{system} has no code; give the student's ID in that system.")
        association: dict[str, Any] = {
            "educationOrganizationReference": {"educationOrganizationId": edorg},
            "studentReference": {"studentUniqueId": unique_id},
            "studentIdentificationCodes": [
                {
                    "studentIdentificationSystemDescriptor": _descriptor(_text(system), ID_SYSTEM_NAMESPACE),
                    "assigningOrganizationIdentificationCode": str(edorg),
                    "identificationCode": _text(code),
                }
                for system, code in ids.items()
            ],
        }
        if entry.get("sex"):
            association["sexDescriptor"] = _descriptor(str(entry["sex"]), SEX_NAMESPACE)
        associations.append(association)
    if placeholders and notes is not None:
        notes.append(
            f"{placeholders} student(s) had no firstName, lastSurname or birthDate: placeholders were used "
            "(Student, the student's ID, 2010-01-01)."
        )
    return {"students": students, "studentEducationOrganizationAssociations": associations}


def local_education_agency(lea_id: int, name: str) -> dict[str, Any]:
    """A minimal localEducationAgencies payload (an independent school district) with default descriptors."""
    return {
        "localEducationAgencyId": lea_id,
        "nameOfInstitution": name,
        "categories": [{"educationOrganizationCategoryDescriptor": f"{EDORG_CATEGORY_NAMESPACE}#School"}],
        "localEducationAgencyCategoryDescriptor": f"{LEA_CATEGORY_NAMESPACE}#Independent",
    }


def _descriptor(value: str, namespace: str) -> str:
    return value if "#" in value else f"{namespace}#{value}"


def seed(
    base_url: str,
    key: str,
    secret: str,
    payloads: dict[str, list[dict[str, Any]]],
    *,
    namespace: str = "ed-fi",
    client: httpx.Client | None = None,
) -> SeedReport:
    """POST every payload to the Ed-Fi API at ``base_url`` in dependency order.

    Raises ``httpx.HTTPError`` when the API cannot be reached and ``PermissionError`` when the
    credentials are refused; a rejected record is reported in ``SeedReport.failures``, not raised.
    """
    own = client is None
    http = client or httpx.Client(timeout=30)
    try:
        discovery = http.get(base_url.rstrip("/") + "/").json()
        urls = discovery.get("urls") if isinstance(discovery, dict) else None
        if not isinstance(urls, dict) or not all(
            isinstance(urls.get(k), str) for k in ("oauth", "dependencies", "dataManagementApi")
        ):
            raise ValueError(f"{base_url} answers, but not with an Ed-Fi discovery document (no urls.oauth etc.)")
        token_response = http.post(urls["oauth"], data={"grant_type": "client_credentials"}, auth=(key, secret))
        if token_response.status_code != 200:
            raise PermissionError(
                f"The API refused the client credentials (HTTP {token_response.status_code}); check the key and secret."
            )
        headers = {"Authorization": f"Bearer {token_response.json()['access_token']}"}
        order = {row["resource"].rsplit("/", 1)[-1]: row["order"] for row in http.get(urls["dependencies"]).json()}
        data_url = urls["dataManagementApi"].rstrip("/")
        report = SeedReport()
        for endpoint in sorted(payloads, key=lambda e: order.get(e, 10_000)):
            for index, payload in enumerate(payloads[endpoint]):
                response = http.post(f"{data_url}/{namespace}/{endpoint}", json=payload, headers=headers)
                report.add(endpoint, response.status_code)
                if response.status_code not in (200, 201):
                    report.failures.append(f"{endpoint}[{index}]: {response.status_code} {_message(response)}")
        return report
    finally:
        if own:
            http.close()


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        details: Iterable[str] = [
            f"{path}: {m}" for path, messages in (body.get("validationErrors") or {}).items() for m in messages
        ]
        details = [*details, *(body.get("errors") or [])]
        return "; ".join([str(body.get("detail") or body.get("message") or ""), *details]).strip("; ")
    return str(body)[:300]
