"""The real lightbeam 0.1.12 CLI against the sandbox over HTTP: count, send, re-send, fetch, validate,
delete and truncate, for the built-in spec and the official Data Standard 5.0 and 4.0 specs, and for the
single, year-specific and context-routed URL layouts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from tests.conftest import DESCRIPTORS_DIR
from tests.support import lightbeam
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

pytestmark = pytest.mark.lightbeam

LEA_ID = 255901
SCHOOL_ID = 255901001
CATEGORY = "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"
LEA_CATEGORY = "uri://ed-fi.org/LocalEducationAgencyCategoryDescriptor#Independent"
DISTRICT_ID = "uri://ed-fi.org/StudentIdentificationSystemDescriptor#District"
STATE_ID = "uri://ed-fi.org/StudentIdentificationSystemDescriptor#State"
FEMALE = "uri://ed-fi.org/SexDescriptor#Female"
NINTH = "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"
STUDENTS = ["604822", "604823", "604824"]


def roster_files(data_dir: Path) -> dict[str, int]:
    """Write an LEA, a school, students and SEOAs (two ID systems each) as lightbeam JSONL inputs."""
    files: dict[str, list[dict[str, Any]]] = {
        "localEducationAgencies": [
            {
                "localEducationAgencyId": LEA_ID,
                "nameOfInstitution": "Grand Bend ISD",
                "categories": [{"educationOrganizationCategoryDescriptor": CATEGORY}],
                "localEducationAgencyCategoryDescriptor": LEA_CATEGORY,
            }
        ],
        "schools": [
            {
                "schoolId": SCHOOL_ID,
                "nameOfInstitution": "Grand Bend High School",
                "educationOrganizationCategories": [{"educationOrganizationCategoryDescriptor": CATEGORY}],
                "gradeLevels": [{"gradeLevelDescriptor": NINTH}],
                "localEducationAgencyReference": {"localEducationAgencyId": LEA_ID},
            }
        ],
        "students": [
            {"studentUniqueId": s, "firstName": "Ana", "lastSurname": f"Díaz {s}", "birthDate": "2010-05-04"}
            for s in STUDENTS
        ],
        "studentEducationOrganizationAssociations": [
            {
                "educationOrganizationReference": {"educationOrganizationId": LEA_ID},
                "studentReference": {"studentUniqueId": s},
                "sexDescriptor": FEMALE,
                "studentIdentificationCodes": [
                    {
                        "studentIdentificationSystemDescriptor": DISTRICT_ID,
                        "assigningOrganizationIdentificationCode": str(LEA_ID),
                        "identificationCode": f"D-{s}",
                    },
                    {
                        "studentIdentificationSystemDescriptor": STATE_ID,
                        "assigningOrganizationIdentificationCode": "TX",
                        "identificationCode": f"S-{s}",
                    },
                ],
            }
            for s in STUDENTS
        ],
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    for endpoint, rows in files.items():
        (data_dir / f"{endpoint}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {endpoint: len(rows) for endpoint, rows in files.items()}


@dataclass
class Scenario:
    name: str
    catalog_fixture: str
    layout: str = "single"
    seed_shared_descriptors: bool = False


SCENARIOS = [
    Scenario("builtin-single", "builtin_catalog"),
    Scenario("ds50-single", "ds50_catalog", seed_shared_descriptors=True),
    Scenario("ds50-year-specific", "ds50_catalog", layout="year", seed_shared_descriptors=True),
    Scenario("ds50-context", "ds50_catalog", layout="context", seed_shared_descriptors=True),
    Scenario("ds40-single", "ds40_catalog", seed_shared_descriptors=True),
]


@pytest.fixture(params=SCENARIOS, ids=[s.name for s in SCENARIOS])
def scenario(request: pytest.FixtureRequest) -> Iterator[tuple[Scenario, RunningSandbox]]:
    chosen: Scenario = request.param
    catalog: Catalog = request.getfixturevalue(chosen.catalog_fixture)
    config = SandboxConfig(
        layout=chosen.layout,  # type: ignore[arg-type]
        school_years=[2026] if chosen.layout != "single" else [],
        descriptors_dir=DESCRIPTORS_DIR if chosen.seed_shared_descriptors else None,
    )
    context = "/2026" if chosen.layout == "context" else ""
    with serve_sandbox(config, catalog, context=context) as running:
        yield chosen, running


def test_lightbeam_commands_end_to_end(scenario: tuple[Scenario, RunningSandbox], tmp_path: Path) -> None:
    chosen, sandbox = scenario
    mode = "year_specific" if chosen.layout == "year" else "district_specific"
    config = lightbeam.write_config(tmp_path, sandbox.url, key=sandbox.key, secret=sandbox.secret, mode=mode)
    expected = roster_files(tmp_path / "data")
    selector = ",".join(expected)

    counted = lightbeam.run(config, "count", "-s", f"gradeLevelDescriptors,{selector}")
    assert counted.returncode == 0, counted.output
    counts = counted.counts()
    assert int(counts["gradeLevelDescriptors"]) >= 15, counts
    assert all(counts[e] == "0" for e in expected), counts

    sent = lightbeam.run(config, "send", "-s", selector)
    assert sent.returncode == 0, sent.output
    for endpoint, n in expected.items():
        assert sent.successes(endpoint) == {201: n}, (endpoint, sent.resource(endpoint))
        assert sent.resource(endpoint)["records_failed"] == 0
    assert sent.results is not None
    assert sent.results["total_records_failed"] == 0

    resent = lightbeam.run(config, "send", "-s", selector, "-f")
    assert resent.returncode == 0, resent.output
    for endpoint, n in expected.items():
        assert resent.successes(endpoint) == {200: n}, (endpoint, resent.resource(endpoint))

    recount = lightbeam.run(config, "count", "-s", selector)
    assert {e: int(recount.counts()[e]) for e in expected} == expected

    # The roster fetch exactly as Runway's executor runs it.
    fetch_dir = tmp_path / "fetched"
    fetch_config = lightbeam.write_config(
        tmp_path / "fetch", sandbox.url, key=sandbox.key, secret=sandbox.secret, mode=mode, data_dir=fetch_dir
    )
    fetched = lightbeam.run(
        fetch_config,
        "fetch",
        "-s",
        "studentEducationOrganizationAssociations",
        "-k",
        "studentIdentificationCodes,educationOrganizationReference,studentReference",
    )
    assert fetched.returncode == 0, fetched.output
    rows = [json.loads(line) for line in (fetch_dir / "studentEducationOrganizationAssociations.jsonl").open()]
    assert sorted(r["studentReference"]["studentUniqueId"] for r in rows) == STUDENTS
    assert all(
        set(r) == {"studentIdentificationCodes", "educationOrganizationReference", "studentReference"} for r in rows
    )
    codes = {c["identificationCode"] for r in rows for c in r["studentIdentificationCodes"]}
    assert codes == {f"{p}-{s}" for s in STUDENTS for p in ("D", "S")}

    validated = lightbeam.run(config, "validate", "-s", selector)
    assert validated.returncode == 0, validated.output
    assert "validate ok" in validated.output or "all lines validate ok" in validated.output, validated.output

    # delete the SEOAs (identity lookups), then truncate the students (fetch all ids, delete each).
    # lightbeam skips deleting payloads its state says were sent unless forced (-f).
    deleted = lightbeam.run(config, "delete", "-s", "studentEducationOrganizationAssociations", "-f", answer="yes\n")
    assert deleted.returncode == 0, deleted.output
    after_delete = lightbeam.run(config, "count", "-s", "studentEducationOrganizationAssociations,students")
    assert after_delete.counts() == {"students": "3", "studentEducationOrganizationAssociations": "0"}

    truncated = lightbeam.run(config, "truncate", "-s", "students", answer="yes\n")
    assert truncated.returncode == 0, truncated.output
    after_truncate = lightbeam.run(config, "count", "-s", "students")
    assert after_truncate.counts() == {"students": "0"}


def test_send_reports_ods_style_failures(builtin_catalog: Catalog, tmp_path: Path) -> None:
    """Rejected records land in lightbeam's results file with the ODS message, per failing line."""
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        config = lightbeam.write_config(tmp_path, sandbox.url, key=sandbox.key, secret=sandbox.secret)
        roster_files(tmp_path / "data")
        assert lightbeam.run(config, "send").returncode == 0
        for path in (tmp_path / "data").glob("*.jsonl"):
            path.unlink()
        good = {"studentUniqueId": "604822", "firstName": "Ana", "lastSurname": "Díaz", "birthDate": "2010-05-04"}
        seoa = {
            "educationOrganizationReference": {"educationOrganizationId": LEA_ID},
            "studentReference": {"studentUniqueId": "604822"},
            "sexDescriptor": FEMALE,
        }
        lines = [
            seoa,
            {**seoa, "studentReference": {"studentUniqueId": "999999"}},  # unknown student → 409
            {**seoa, "sexDescriptor": "uri://ed-fi.org/SexDescriptor#Unknown value"},  # unknown descriptor → 400
            {**seoa, "educationOrganizationReference": {"educationOrganizationId": 1}},  # unknown edorg → 409
        ]
        (tmp_path / "data" / "studentEducationOrganizationAssociations.jsonl").write_text(
            "".join(json.dumps(x) + "\n" for x in lines)
        )
        (tmp_path / "data" / "students.jsonl").write_text(json.dumps(good) + "\n")
        sent = lightbeam.run(config, "send", "-f")
        result = sent.resource("studentEducationOrganizationAssociations")
        assert result["records_processed"] == 4
        assert result["records_failed"] == 3
        failures = {(f["status_code"], f["message"]): f["line_numbers"] for f in result["failures"]}
        assert failures == {
            (409, "409: The referenced `Student` item does not exist."): [2],
            (
                400,
                "SexDescriptor value 'uri://ed-fi.org/SexDescriptor#Unknown value' does not exist."
                " (at $.sexDescriptor)",
            ): [3],
            (409, "409: The referenced `EducationOrganization` item does not exist."): [4],
        }
        assert sent.successes("studentEducationOrganizationAssociations") == {200: 1}
        assert sent.successes("students") == {200: 1}


def test_every_record_rejected_gives_lightbeam_failure_exit(builtin_catalog: Catalog, tmp_path: Path) -> None:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        config = lightbeam.write_config(tmp_path, sandbox.url, key=sandbox.key, secret=sandbox.secret)
        (tmp_path / "data" / "students.jsonl").write_text(json.dumps({"studentUniqueId": "1"}) + "\n")
        sent = lightbeam.run(config, "send")
        assert sent.resource("students")["records_failed"] == 1
        messages = sorted(f["message"] for f in sent.resource("students")["failures"])
        assert messages == [
            "BirthDate is required. (at $.birthDate)",
            "FirstName is required. (at $.firstName)",
            "LastSurname is required. (at $.lastSurname)",
        ]


def test_lightbeam_reauthenticates_after_token_revocation(builtin_catalog: Catalog, tmp_path: Path) -> None:
    """Tokens revoked mid-run: lightbeam gets 401, fetches a new token and carries on; nothing is lost."""
    with serve_sandbox(SandboxConfig(test_hooks=True), builtin_catalog) as sandbox:
        config = lightbeam.write_config(tmp_path, sandbox.url, key=sandbox.key, secret=sandbox.secret, pool_size=2)
        students = [
            {"studentUniqueId": str(i), "firstName": "A", "lastSurname": "B", "birthDate": "2010-01-01"}
            for i in range(400)
        ]
        (tmp_path / "data" / "students.jsonl").write_text("".join(json.dumps(s) + "\n" for s in students))
        sandbox.app.hooks.latency_seconds = 0.01  # 400 requests over 2 connections take about 2 s

        def revoke_once_sending() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                posted = [r for r in list(sandbox.app.hooks.log) if r.method == "POST" and r.path.endswith("/students")]
                if len(posted) >= 50:
                    httpx.post(f"{sandbox.host_url}/_sandbox/tokens/revoke").raise_for_status()
                    return
                time.sleep(0.02)

        revoker = threading.Thread(target=revoke_once_sending)
        revoker.start()
        sent = lightbeam.run(config, "send", timeout=120)
        revoker.join()
        assert sent.successes("students") == {201: 400}, sent.output
        statuses = [r.status for r in sandbox.app.hooks.log if r.path.endswith("/students")]
        assert 401 in statuses
        assert statuses.count(201) == 400
