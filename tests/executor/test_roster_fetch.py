"""The roster as the real lightbeam writes it: seeded into the sandbox, fetched with the executor's exact
arguments (executor.md §1.6), then read, indexed and matched against the MAP_Growth sample file."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway.executor.matching import compute_match_rates, read_csv_table, unmatched_ids_report
from runway.executor.roster import STUDENT_UNIQUE_ID, build_index, discover_id_types, read_roster
from runway.sandbox.config import SandboxConfig
from runway.sandbox.seed import expand_roster, local_education_agency, seed
from runway.sandbox.spec import Catalog
from tests.executor.helpers import LEA_ID, SAMPLES
from tests.support import lightbeam
from tests.support.sandbox_server import serve_sandbox

pytestmark = pytest.mark.lightbeam

FETCH_ARGS = (
    "-s",
    "studentEducationOrganizationAssociations",
    "-k",
    "studentIdentificationCodes,educationOrganizationReference,studentReference",
)


def test_fetched_roster_matches_the_map_growth_file(builtin_catalog: Catalog, tmp_path: Path) -> None:
    sample = SAMPLES["MAP_Growth"]
    pairs = sorted(dict(zip(sample.column("StudentID"), sample.column("Student_StateID"), strict=True)).items())
    students = [
        {"studentUniqueId": state, "ids": {"State": state, "Local": local, "School": f"SCH-{local}"}}
        for local, state in pairs
        if local != "605005"  # one student of the file is not enrolled
    ]
    payloads = {
        "localEducationAgencies": [local_education_agency(LEA_ID, "Grand Bend ISD")],
        **expand_roster({"educationOrganizationId": LEA_ID, "students": students}, "MAP roster"),
    }
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        report = seed(sandbox.url, sandbox.key, sandbox.secret, payloads)
        assert report.ok, report.failures
        data_dir = tmp_path / "output"
        config = lightbeam.write_config(
            tmp_path, sandbox.url, key=sandbox.key, secret=sandbox.secret, data_dir=data_dir
        )
        fetched = lightbeam.run(config, "fetch", *FETCH_ARGS)
    assert fetched.returncode == 0, fetched.output

    roster = read_roster(data_dir / "studentEducationOrganizationAssociations.jsonl")
    assert roster.records == 5
    assert {s.ed_org_id for s in roster.students} == {str(LEA_ID)}
    discovery = discover_id_types(roster)
    assert discovery.unique_id_alias == "State"
    assert discovery.id_types == ("Local", "School")

    index = build_index(roster, discovery.match_types)
    table = read_csv_table(sample.path)
    result = compute_match_rates(table.header, table.rows(), candidate_columns=sample.id_columns(), index=index)
    assert [(r.source_column_name, r.edfi_column_name, r.num_matches) for r in result.rates] == [
        ("Student_StateID", STUDENT_UNIQUE_ID, 6),
        ("StudentID", "Local", 6),
    ]
    assert unmatched_ids_report(result, unique_id_alias=discovery.unique_id_alias) == {
        "name": "Student_StateID",
        "type": "State",
        "count": 1,
    }
