"""``runway sandbox seed FILE --url …`` as a real process against a sandbox served over HTTP."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import (
    DESCRIPTORS,
    ED_FI,
    assert_one_line_error,
    descriptor,
    endpoint_of,
    run_cli,
    unique_int,
)
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

ID_SYSTEM = f"{ED_FI}/StudentIdentificationSystemDescriptor"


def roster_yaml(lea_id: int, school_id: int, ids: tuple[str, str], with_descriptors: bool) -> str:
    """A seed file: an LEA and a school as resources, two students with District and State ids as roster."""
    descriptors = ""
    if with_descriptors:
        for name in (
            "EducationOrganizationCategoryDescriptor",
            "LocalEducationAgencyCategoryDescriptor",
            "StudentIdentificationSystemDescriptor",
            "GradeLevelDescriptor",
        ):
            descriptors += f"  {endpoint_of(name)}:\n"
            for code in DESCRIPTORS[name]:
                descriptors += (
                    f"    - {{codeValue: {code}, namespace: '{ED_FI}/{name}', shortDescription: {code}, "
                    f"description: {code}}}\n"
                )
    first, second = ids
    return f"""\
resources:
{descriptors}  localEducationAgencies:
    - localEducationAgencyId: {lea_id}
      nameOfInstitution: Grand Bend ISD
      categories:
        - educationOrganizationCategoryDescriptor: {ED_FI}/EducationOrganizationCategoryDescriptor#School
      localEducationAgencyCategoryDescriptor: {ED_FI}/LocalEducationAgencyCategoryDescriptor#Independent
  schools:
    - schoolId: {school_id}
      nameOfInstitution: Grand Bend High School
      localEducationAgencyReference: {{localEducationAgencyId: {lea_id}}}
      educationOrganizationCategories:
        - educationOrganizationCategoryDescriptor: {ED_FI}/EducationOrganizationCategoryDescriptor#School
      gradeLevels:
        - gradeLevelDescriptor: {ED_FI}/GradeLevelDescriptor#Ninth grade
roster:
  educationOrganizationId: {lea_id}
  students:
    - {{studentUniqueId: "{first}", firstName: Ana, lastSurname: Díaz, birthDate: "2010-05-04",
       ids: {{District: "D-{first}", State: "TX-{first}"}}}}
    - studentUniqueId: "{second}"
      firstName: Ben
      ids:
        District: "D-{second}"
        {ID_SYSTEM}#State: "TX-{second}"
"""


def roster_file(tmp_path: Path, lea_id: int, school_id: int, ids: tuple[str, str], with_descriptors: bool) -> Path:
    """``roster_yaml`` written to ``tmp_path/roster.yml``."""
    seed_file = tmp_path / "roster.yml"
    seed_file.write_text(roster_yaml(lea_id, school_id, ids, with_descriptors), encoding="utf-8")
    return seed_file


def seed_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("sandbox", "seed", *args, timeout=120)


def seed_ok(seed_file: Path, url: str) -> str:
    """Seed ``seed_file`` into the API at ``url`` (must exit 0); returns what it printed."""
    result = seed_cli(str(seed_file), "--url", url)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def sandbox(builtin_catalog: Catalog) -> Iterator[RunningSandbox]:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as running:
        yield running


def check_seeded(sandbox: RunningSandbox, lea_id: int, school_id: int, ids: tuple[str, str]) -> None:
    with sandbox.client() as client:
        assert len(client.get("/ed-fi/localEducationAgencies", params={"localEducationAgencyId": lea_id}).json()) == 1
        [school] = client.get("/ed-fi/schools", params={"schoolId": school_id}).json()
        assert school["localEducationAgencyReference"]["localEducationAgencyId"] == lea_id
        for unique_id in ids:
            [found] = client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json()
            assert found["birthDate"]
            rows = client.get(
                "/ed-fi/studentEducationOrganizationAssociations",
                params={"studentUniqueId": unique_id, "educationOrganizationId": lea_id},
            ).json()
            assert len(rows) == 1
            codes = sorted(
                (
                    c["studentIdentificationSystemDescriptor"],
                    c["identificationCode"],
                    c["assigningOrganizationIdentificationCode"],
                )
                for c in rows[0]["studentIdentificationCodes"]
            )
            assert codes == [
                (descriptor("StudentIdentificationSystemDescriptor", "District"), f"D-{unique_id}", str(lea_id)),
                (descriptor("StudentIdentificationSystemDescriptor", "State"), f"TX-{unique_id}", str(lea_id)),
            ]
        [ana] = client.get("/ed-fi/students", params={"studentUniqueId": ids[0]}).json()
        assert ana["lastSurname"] == "Díaz"


def seeded_counts(sandbox: RunningSandbox) -> dict[str, str]:
    with sandbox.client() as client:
        return {
            endpoint: client.get(f"/ed-fi/{endpoint}", params={"limit": 0, "totalCount": "true"}).headers["total-count"]
            for endpoint in (
                "localEducationAgencies",
                "schools",
                "students",
                "studentEducationOrganizationAssociations",
            )
        }


def test_seed_roster_then_seed_again_is_idempotent(sandbox: RunningSandbox, tmp_path: Path) -> None:
    lea_id, school_id = unique_int(), unique_int()
    ids = ("604822", "604823")
    seed_file = roster_file(tmp_path, lea_id, school_id, ids, with_descriptors=True)

    first = seed_ok(seed_file, sandbox.url)
    assert "students: 2× HTTP 201" in first
    assert "studentEducationOrganizationAssociations: 2× HTTP 201" in first
    assert "localEducationAgencies: 1× HTTP 201" in first
    check_seeded(sandbox, lea_id, school_id, ids)
    counts = seeded_counts(sandbox)
    assert counts == {
        "localEducationAgencies": "1",
        "schools": "1",
        "students": "2",
        "studentEducationOrganizationAssociations": "2",
    }

    second = seed_ok(seed_file, sandbox.url)
    assert "HTTP 201" not in second
    assert "students: 2× HTTP 200" in second
    assert "studentEducationOrganizationAssociations: 2× HTTP 200" in second
    assert seeded_counts(sandbox) == counts
    check_seeded(sandbox, lea_id, school_id, ids)


def test_seed_roster_relies_on_default_descriptors(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """The roster file needs no descriptors of its own: the sandbox's defaults cover edorgs and ID systems."""
    lea_id, school_id = unique_int(), unique_int()
    ids = ("700001", "700002")
    seed_ok(roster_file(tmp_path, lea_id, school_id, ids, with_descriptors=False), sandbox.url)
    check_seeded(sandbox, lea_id, school_id, ids)


def test_seed_json_file_into_prefixed_context_api(builtin_catalog: Catalog, tmp_path: Path) -> None:
    config = SandboxConfig(prefix="/api", layout="context")
    with serve_sandbox(config, builtin_catalog, "/2026") as running:
        seed_file = tmp_path / "students.json"
        seed_file.write_text(
            '{"resources": {"students": [{"studentUniqueId": "J1", "firstName": "Jo", '
            '"lastSurname": "Ng", "birthDate": "2011-02-03"}]}}',
            encoding="utf-8",
        )
        assert "students: 1× HTTP 201" in seed_ok(seed_file, running.url)
        with running.client() as client:
            assert len(client.get("/ed-fi/students", params={"studentUniqueId": "J1"}).json()) == 1


def test_seed_reports_rejected_records(sandbox: RunningSandbox, tmp_path: Path) -> None:
    seed_file = tmp_path / "bad-records.yml"
    seed_file.write_text(
        "resources:\n"
        "  students:\n"
        "    - {studentUniqueId: OK1, firstName: A, lastSurname: B, birthDate: '2010-01-01'}\n"
        "    - {studentUniqueId: NOPE, lastSurname: B, birthDate: '2010-01-01'}\n"
        "  studentEducationOrganizationAssociations:\n"
        "    - studentReference: {studentUniqueId: OK1}\n"
        "      educationOrganizationReference: {educationOrganizationId: 1}\n",
        encoding="utf-8",
    )
    result = seed_cli(str(seed_file), "--url", sandbox.url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "students: 1× HTTP 201, 1× HTTP 400" in result.stdout
    assert "rejected students[1]: 400" in result.stderr
    assert "$.firstName" in result.stderr
    assert "rejected studentEducationOrganizationAssociations[0]: 409" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Error: 2 record(s) were rejected."


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("roster:\n  educationOrganizationId: 1\n  students: nope\n", ["roster.students"]),
        ("roster:\n  educationOrganizationId: abc\n  students: []\n", ["educationOrganizationId"]),
        ("roster:\n  educationOrganizationId: 1\n  students:\n    - {firstName: A}\n", ["studentUniqueId"]),
        ("roster:\n  educationOrganizationId: 1\n  students:\n    - {studentUniqueId: X, grade: 9}\n", ["grade"]),
        ("resources:\n  students: {studentUniqueId: X}\n", ["resources.students"]),
        ("resources: {}\nstudents: []\n", ["students"]),
        ("students: []\n", ["'resources'", "'roster'"]),
        ("- a\n- list\n", ["resources"]),
        ("resources: [unclosed\n  students: x\n", ["not valid YAML"]),
    ],
    ids=[
        "students-not-list",
        "edorg-not-int",
        "no-unique-id",
        "unknown-field",
        "resources-not-list",
        "unknown-top-key",
        "neither-key",
        "not-a-mapping",
        "yaml-syntax",
    ],
)
def test_seed_malformed_file_gives_one_line_error(
    sandbox: RunningSandbox, tmp_path: Path, text: str, fragments: list[str]
) -> None:
    seed_file = tmp_path / "bad.yml"
    seed_file.write_text(text, encoding="utf-8")
    result = seed_cli(str(seed_file), "--url", sandbox.url)
    assert_one_line_error(result, str(seed_file), *fragments)
    with sandbox.client() as client:
        assert client.get("/ed-fi/students").json() == []


def test_seed_missing_file_is_refused(tmp_path: Path) -> None:
    result = seed_cli(str(tmp_path / "missing.yml"), "--url", "http://127.0.0.1:9")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "missing.yml" in result.stderr


def test_seed_unreachable_url_gives_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the seed runs: nothing listens there
    seed_file = roster_file(tmp_path, 1, 2, ("A", "B"), with_descriptors=False)
    url = f"http://127.0.0.1:{port}"
    line = assert_one_line_error(seed_cli(str(seed_file), "--url", url), url)
    assert "runway sandbox serve" in line


def test_seed_url_that_is_not_an_ed_fi_api(sandbox: RunningSandbox, tmp_path: Path) -> None:
    seed_file = roster_file(tmp_path, 1, 2, ("A", "B"), with_descriptors=False)
    wrong = f"{sandbox.url}/metadata/data/v3/dependencies"  # answers JSON, but no discovery document
    assert_one_line_error(seed_cli(str(seed_file), "--url", wrong), wrong)


def test_seed_with_wrong_credentials_gives_one_line_error(sandbox: RunningSandbox, tmp_path: Path) -> None:
    seed_file = roster_file(tmp_path, 1, 2, ("A", "B"), with_descriptors=False)
    result = seed_cli(str(seed_file), "--url", sandbox.url, "--key", "nobody", "--secret", "wrong")
    assert_one_line_error(result, "401", "key and secret")
