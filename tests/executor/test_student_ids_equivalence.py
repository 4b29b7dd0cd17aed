"""Golden check: our matching gives the same files as the real student_ids earthmover package.

The bundle is composed as Runway composes it (executor.md §4.5 "Runway-style" variant): the
``student_id_wrapper`` project with its two git packages replaced by ``local:`` paths into the shared
bundles checkout, every parameter passed as an environment variable (§1.7). The unmatched-students
file earthmover writes must equal ours byte for byte, its match-rates file must hold the same rows
(ours lists them best first), and the students in its ``studentAssessments`` must be the ones our
crosswalk maps the rows to.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from runway.executor.matching import (
    MATCH_RATES_CSV,
    UNMATCHED_CSV,
    compute_match_rates,
    crosswalk,
    read_csv_table,
    write_match_rates_csv,
    write_unmatched_csv,
)
from runway.executor.roster import build_index, discover_id_types, read_roster
from tests.conftest import BUNDLES_DIR, needs_shared
from tests.executor.helpers import SAMPLES, write_roster
from tests.executor.test_matching import act_roster, map_roster

pytestmark = pytest.mark.earthmover

EARTHMOVER = str(Path(sys.executable).with_name("earthmover"))

#: Earthmover parameters that, inherited from the caller's environment, would override ours (env wins over -p).
INHERITED_PARAMS = frozenset(
    {
        "API_YEAR",
        "ASSESSMENT_BUNDLE",
        "ASSESSMENT_BUNDLE_BRANCH",
        "DESCRIPTOR_NAMESPACE",
        "EARTHMOVER_NODE_TO_XWALK",
        "MATCH_RATES_SOURCE_TYPE",
        "POSSIBLE_STUDENT_ID_COLUMNS",
        "STATE_FILE",
        "STUDENT_ID_NAME",
    }
)

CASES: dict[str, tuple[Callable[[], list[dict[str, object]]], dict[str, str]]] = {
    # (StudentID, Local) and (Student_StateID, studentUniqueId) tie at 6/7; State is the alias
    "MAP_Growth": (map_roster, {}),
    # four pairs tie at 4/5
    "ACT": (act_roster, {"API_YEAR": "2025"}),
}


def composed_wrapper(workdir: Path) -> Path:
    """The student_id_wrapper project with local packages instead of GitHub ones."""
    wrapper = (BUNDLES_DIR / "packages" / "student_id_wrapper" / "earthmover.yaml").read_text(encoding="utf-8")
    local_packages = (
        "packages:\n"
        "  ${ASSESSMENT_BUNDLE}:\n"
        f"    local: {BUNDLES_DIR.resolve()}/assessments/${{ASSESSMENT_BUNDLE}}\n"
        "  student_ids:\n"
        f"    local: {BUNDLES_DIR.resolve()}/packages/student_ids\n\n"
    )
    composed, count = re.subn(r"(?ms)^packages:\n.*?(?=^transformations:)", lambda _: local_packages, wrapper)
    assert count == 1, "the wrapper's packages block was not found"
    config = workdir / "earthmover.yaml"
    config.write_text(composed, encoding="utf-8")
    return config


def run_earthmover(config: Path, env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(
        [EARTHMOVER, "-c", str(config), *args],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]


@pytest.mark.parametrize("bundle", list(CASES))
def test_same_files_as_the_student_ids_package(bundle: str, tmp_path: Path) -> None:
    needs_shared(BUNDLES_DIR)
    sample = SAMPLES[bundle]
    make_roster, params = CASES[bundle]
    roster_path = write_roster(tmp_path / "studentEducationOrganizationAssociations.jsonl", make_roster())

    # ours
    roster = read_roster(roster_path)
    discovery = discover_id_types(roster)
    index = build_index(roster, discovery.match_types)
    table = read_csv_table(sample.path)
    result = compute_match_rates(table.header, table.rows(), candidate_columns=sample.id_columns(), index=index)
    ours = tmp_path / "ours"
    ours.mkdir()
    write_match_rates_csv(ours / MATCH_RATES_CSV, result)
    write_unmatched_csv(ours / UNMATCHED_CSV, table.header, table.rows(), result=result, index=index)
    mapped = sorted(
        s for _, students in crosswalk(table.header, table.rows(), result=result, index=index) for s in students
    )

    # earthmover with the real student_ids package
    theirs = tmp_path / "output"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in INHERITED_PARAMS and not k.startswith(("EDFI_", "INPUT_FILE"))
        },
        "ASSESSMENT_BUNDLE": bundle,
        "OUTPUT_DIR": str(theirs),
        "DATA_DIR": str(theirs),
        "REQUIRED_ID_MATCH_RATE": "0.5",
        "EDFI_ROSTER_SOURCE_TYPE": "file",
        "EDFI_ROSTER_FILE": str(roster_path),
        "EDFI_STUDENT_ID_TYPES": discovery.env_value,
        "TEMPORARY_DIRECTORY": str(tmp_path),
        "INPUT_FILE": str(sample.path),
        **params,
    }
    config = composed_wrapper(tmp_path)
    run_earthmover(config, env, "deps")
    run_earthmover(config, env, "run", "-k", "--results-file", str(tmp_path / "em-results.json"))

    assert (ours / UNMATCHED_CSV).read_bytes() == (theirs / UNMATCHED_CSV).read_bytes()
    # Same header and rows; ours lists the pairs best first, the package in the order of its joins.
    our_header, *our_rates = (ours / MATCH_RATES_CSV).read_text(encoding="utf-8").splitlines()
    their_header, *their_rates = (theirs / MATCH_RATES_CSV).read_text(encoding="utf-8").splitlines()
    assert our_header == their_header
    assert sorted(our_rates) == sorted(their_rates)
    with (theirs / "studentAssessments.jsonl").open(encoding="utf-8") as lines:
        assessed = sorted(json.loads(line)["studentReference"]["studentUniqueId"] for line in lines)
    assert assessed == mapped
