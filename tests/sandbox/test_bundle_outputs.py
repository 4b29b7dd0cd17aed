"""What earthmover really produces for the ACT, MAP_Growth and STAR sample files, sent with the real
lightbeam to the sandbox after seeding the students it references: every record is accepted; a record with
an unknown descriptor or an unknown student fails with the ODS-style message in lightbeam's results file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from runway.sandbox.config import SandboxConfig
from runway.sandbox.seed import expand_roster, local_education_agency, seed
from runway.sandbox.spec import Catalog
from tests.conftest import BUNDLES_DIR, needs_shared
from tests.support import lightbeam
from tests.support.bundles import run_bundle
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

pytestmark = [pytest.mark.lightbeam, pytest.mark.earthmover]

BUNDLES = ["ACT", "MAP_Growth", "STAR"]
LEA_ID = 255901


@pytest.fixture(scope="session")
def bundle_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each bundle's JSONL outputs (endpoint → file), earthmover run once per session."""
    needs_shared(BUNDLES_DIR)
    root = tmp_path_factory.mktemp("bundle-outputs")
    return {name: run_bundle(name, root / name) for name in BUNDLES}


def student_ids(outputs: dict[str, Path]) -> list[str]:
    """The studentUniqueIds a bundle's studentAssessments reference."""
    with outputs["studentAssessments"].open() as lines:
        return sorted({json.loads(line)["studentReference"]["studentUniqueId"] for line in lines})


def seed_students(sandbox: RunningSandbox, ids: list[str]) -> None:
    """The roster the bundle's students need: an LEA, the students and their SEOAs."""
    payloads = {
        "localEducationAgencies": [local_education_agency(LEA_ID, "Grand Bend ISD")],
        **expand_roster(
            {
                "educationOrganizationId": LEA_ID,
                "students": [{"studentUniqueId": s, "ids": {"District": f"D{s}", "State": f"S{s}"}} for s in ids],
            },
            "test roster",
        ),
    }
    report = seed(sandbox.url, sandbox.key, sandbox.secret, payloads)
    assert report.ok, report.failures


def stage(outputs: dict[str, Path], data_dir: Path) -> dict[str, int]:
    """Copy a bundle's outputs into lightbeam's data dir; returns line counts by endpoint."""
    data_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for endpoint, path in outputs.items():
        shutil.copy(path, data_dir / f"{endpoint}.jsonl")
        counts[endpoint] = sum(1 for line in path.open() if line.strip())
    return counts


@pytest.mark.parametrize("catalog_fixture", ["builtin_catalog", "ds50_catalog"])
@pytest.mark.parametrize("bundle", BUNDLES)
def test_bundle_output_is_accepted_in_full(
    bundle: str,
    catalog_fixture: str,
    bundle_outputs: dict[str, dict[str, Path]],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_fixture)
    outputs = bundle_outputs[bundle]
    assert {"assessments", "objectiveAssessments", "studentAssessments"} <= set(outputs)
    with serve_sandbox(SandboxConfig(), catalog) as sandbox:
        seed_students(sandbox, student_ids(outputs))
        expected = stage(outputs, tmp_path / "data")
        config = lightbeam.write_config(tmp_path, sandbox.url, key=sandbox.key, secret=sandbox.secret)
        with sandbox.client() as api:
            before = {e: total(api, e) for e in expected}
        sent = lightbeam.run(config, "send")
        assert sent.returncode == 0, sent.output
        with sandbox.client() as api:
            for endpoint, n in expected.items():
                assert sent.resource(endpoint)["records_failed"] == 0, (endpoint, sent.resource(endpoint))
                successes = sent.successes(endpoint)
                assert set(successes) <= {200, 201}, (endpoint, successes)
                assert sum(successes.values()) == n, (endpoint, successes)
                # bundles may emit the same natural key twice (ACT repeats objectiveAssessments): 200 upserts
                assert total(api, endpoint) - before[endpoint] == successes.get(201, 0), endpoint
            assert total(api, "studentAssessments") == distinct_student_assessments(outputs)


def total(api: httpx.Client, endpoint: str) -> int:
    """Total-Count of an ed-fi endpoint."""
    response = api.get(f"/ed-fi/{endpoint}", params={"limit": 0, "totalCount": "true"})
    assert response.status_code == 200, response.text
    return int(response.headers["Total-Count"])


def distinct_student_assessments(outputs: dict[str, Path]) -> int:
    """Distinct studentAssessment natural keys in a bundle's output (Ed-Fi DS 5.0 identity)."""
    keys = set()
    with outputs["studentAssessments"].open() as lines:
        for line in lines:
            row = json.loads(line)
            keys.add(
                (
                    row["studentAssessmentIdentifier"],
                    row["assessmentReference"]["assessmentIdentifier"],
                    row["assessmentReference"]["namespace"],
                    row["studentReference"]["studentUniqueId"],
                )
            )
    return len(keys)


def test_bad_records_fail_with_ods_messages(
    bundle_outputs: dict[str, dict[str, Path]], builtin_catalog: Catalog, tmp_path: Path
) -> None:
    outputs = bundle_outputs["ACT"]
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        ids = student_ids(outputs)
        seed_students(sandbox, ids[1:])  # the first student is not on the roster
        stage(outputs, tmp_path / "data")
        lines = (tmp_path / "data" / "studentAssessments.jsonl").read_text().splitlines()
        unmatched = [
            n for n, line in enumerate(lines, 1) if json.loads(line)["studentReference"]["studentUniqueId"] == ids[0]
        ]
        # one matched record gets a grade level that no ODS has
        target = next(n for n in range(1, len(lines) + 1) if n not in unmatched)
        record = json.loads(lines[target - 1])
        record["whenAssessedGradeLevelDescriptor"] = "uri://ed-fi.org/GradeLevelDescriptor#Thirteenth grade"
        lines[target - 1] = json.dumps(record)
        (tmp_path / "data" / "studentAssessments.jsonl").write_text("\n".join(lines) + "\n")

        config = lightbeam.write_config(tmp_path, sandbox.url, key=sandbox.key, secret=sandbox.secret)
        sent = lightbeam.run(config, "send")
        result = sent.resource("studentAssessments")
        failures = {(f["status_code"], f["message"]): f["line_numbers"] for f in result["failures"]}
        assert failures == {
            (409, "409: The referenced `Student` item does not exist."): unmatched,
            (
                400,
                "GradeLevelDescriptor value 'uri://ed-fi.org/GradeLevelDescriptor#Thirteenth grade' does not exist."
                " (at $.whenAssessedGradeLevelDescriptor)",
            ): [target],
        }
        assert result["records_failed"] == len(unmatched) + 1
        assert sum(sent.successes("studentAssessments").values()) == len(lines) - len(unmatched) - 1
