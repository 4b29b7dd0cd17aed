"""The executor's steps end to end: real lightbeam and earthmover against the sandbox over HTTP.

Composed earthmover runs take about a minute each, so each bundle runs once per module (``runs``) and the
tests read what it produced; the failure paths that stop before earthmover are cheap and run on their own.
Input quirks ride on the successful runs: ACT is Windows-1252 with accented names, MAP_Growth UTF-8 with BOM
and CRLF line ends, STAR's main file UTF-16 with BOM and its two other files CRLF and UTF-8 with BOM.
"""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from runway.executor.earthmover import install_packages
from runway.executor.errors import ExecutorError
from runway.executor.runspec import OdsConnection, RunSpec
from runway.executor.send import OutputSet, Summary, send_output
from runway.executor.steps import ACTIONS, RunOutcome, execute
from runway.executor.workspace import RunWorkspace
from runway.sandbox.config import SandboxConfig
from runway.sandbox.seed import expand_roster, local_education_agency, seed
from runway.sandbox.spec import Catalog
from tests.conftest import BUNDLES_DIR, needs_shared
from tests.executor.helpers import LEA_ID, SAMPLES, accented_text
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

pytestmark = [pytest.mark.lightbeam, pytest.mark.earthmover]

STAR_DATA = BUNDLES_DIR / "assessments" / "STAR" / "data"
RESOURCES = ("assessments", "objectiveAssessments", "studentAssessments")


@dataclass
class RecordingReporter:
    """Keeps every call, in order."""

    events: list[tuple[str, Any]] = field(default_factory=list)

    def begin(self, action: str) -> None:
        self.events.append(("begin", action))

    def success(self, action: str) -> None:
        self.events.append(("success", action))

    def failure(self, action: str) -> None:
        self.events.append(("failure", action))

    def error(self, code: str, payload: Mapping[str, Any]) -> None:
        self.events.append(("error", {"code": code, "payload": dict(payload)}))

    def summary(self, summary: Summary) -> None:
        self.events.append(("summary", summary))

    def unmatched_ids(self, report: Mapping[str, object]) -> None:
        self.events.append(("unmatched_ids", dict(report)))

    def output_set(self, files: OutputSet) -> None:
        self.events.append(("output_set", files))

    def of(self, kind: str) -> list[Any]:
        return [value for event, value in self.events if event == kind]

    def statuses(self) -> list[tuple[str, str]]:
        return [(e, v) for e, v in self.events if e in {"begin", "success", "failure"}]


# --- rosters: all but one student of each sample file, codes of two ID systems from the file's ID columns ---


def act_students(keep: int = 4) -> list[dict[str, Any]]:
    sample = SAMPLES["ACT"]
    pairs = list(zip(sample.column("ID_StateAssign"), sample.column("ID_Local"), strict=True))
    return [{"studentUniqueId": f"9{state}", "ids": {"State": state, "Local": local}} for state, local in pairs[:keep]]


def map_students() -> list[dict[str, Any]]:
    sample = SAMPLES["MAP_Growth"]
    pairs = sorted(dict(zip(sample.column("StudentID"), sample.column("Student_StateID"), strict=True)).items())
    return [
        {"studentUniqueId": state, "ids": {"State": state, "Local": local}}
        for local, state in pairs
        if local != "605005"
    ]


def star_students() -> list[dict[str, Any]]:
    sample = SAMPLES["STAR"]
    pairs = zip(sample.column("StudentStateID"), sample.column("StudentSourcedID"), strict=True)
    return [{"studentUniqueId": f"S{state}", "ids": {"State": state, "Local": local}} for state, local in pairs]


def seed_roster(sandbox: RunningSandbox, students: list[dict[str, Any]]) -> None:
    payloads = {
        "localEducationAgencies": [local_education_agency(LEA_ID, "Grand Bend ISD")],
        **expand_roster({"educationOrganizationId": LEA_ID, "students": students}, "test roster"),
    }
    report = seed(sandbox.url, sandbox.key, sandbox.secret, payloads)
    assert report.ok, report.failures


def ods(sandbox: RunningSandbox, **overrides: Any) -> OdsConnection:
    settings: dict[str, Any] = {
        "base_url": sandbox.url,
        "client_id": sandbox.key,
        "client_secret": sandbox.secret,
        "api_year": 2025,
        "verify_ssl": False,
    }
    return OdsConnection(**{**settings, **overrides})


def spec(bundle: str, inputs: dict[str, Path], connection: OdsConnection, **params: str) -> RunSpec:
    return RunSpec(BUNDLES_DIR, f"assessments/{bundle}", inputs, connection, input_params=params)


def total(sandbox: RunningSandbox, endpoint: str) -> int:
    with sandbox.client() as api:
        response = api.get(f"/ed-fi/{endpoint}", params={"limit": 0, "totalCount": "true"})
    assert response.status_code == 200, response.text
    return int(response.headers["Total-Count"])


# --- the quirky inputs ---


def act_input(directory: Path) -> dict[str, Path]:
    path = directory / "act scores.csv"
    path.write_bytes(accented_text(SAMPLES["ACT"]).encode("cp1252"))
    return {"INPUT_FILE": path}


def map_input(directory: Path) -> dict[str, Path]:
    text = SAMPLES["MAP_Growth"].path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    path = directory / "map.csv"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return {"INPUT_FILE": path}


def star_inputs(directory: Path) -> dict[str, Path]:
    main = directory / "SR_sample_anonymized_file.csv"
    main.write_bytes(accented_text(SAMPLES["STAR"]).encode("utf-16"))  # BOM + little-endian
    ds = directory / "SR_Dashboard_Standards_v2_sample_anonymized_file.csv"
    text = (STAR_DATA / ds.name).read_text(encoding="utf-8").replace("\r\n", "\n")
    ds.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    sa = directory / "SR_SkillArea_v1_sample_anonymized_file.csv"
    sa.write_bytes(codecs.BOM_UTF8 + (STAR_DATA / sa.name).read_bytes())
    return {"INPUT_FILE": main, "INPUT_FILE_DS": ds, "INPUT_FILE_SA": sa}


@dataclass
class Run:
    sandbox: RunningSandbox
    spec: RunSpec
    workspace: RunWorkspace
    reporter: RecordingReporter
    outcome: RunOutcome
    before: dict[str, int]


CASES = {
    "ACT": (act_students, act_input, {"API_YEAR": "2025"}),
    "MAP_Growth": (map_students, map_input, {}),
    "STAR": (star_students, star_inputs, {"API_YEAR": "2024"}),
}


@pytest.fixture(scope="module")
def runs(builtin_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Each bundle's run, once per module, each against its own sandbox (kept up for the module)."""
    needs_shared(BUNDLES_DIR)
    done: dict[str, Run] = {}
    with ExitStack() as stack:
        for bundle, (students, inputs, params) in CASES.items():
            sandbox = stack.enter_context(serve_sandbox(SandboxConfig(), builtin_catalog))
            seed_roster(sandbox, students())
            root = tmp_path_factory.mktemp(f"run-{bundle.lower()}")
            (root / "upload").mkdir()
            run_spec = spec(bundle, inputs(root / "upload"), ods(sandbox), **params)
            workspace = RunWorkspace(root / "work")
            reporter = RecordingReporter()
            before = {r: total(sandbox, r) for r in RESOURCES}
            done[bundle] = Run(sandbox, run_spec, workspace, reporter, execute(run_spec, workspace, reporter), before)
            print(f"\n{bundle} action seconds: {done[bundle].outcome.durations}")  # shown with -s
        yield done


@pytest.mark.parametrize("bundle", list(CASES))
def test_run_succeeds_and_the_sandbox_holds_the_records(bundle: str, runs: dict[str, Run]) -> None:
    run = runs[bundle]
    assert run.outcome.ok, run.outcome.error_body
    expected = [(status, action) for action in ACTIONS for status in ("begin", "success")]
    assert run.reporter.statuses() == [*expected, ("success", "done")]
    assert run.reporter.events[-1] == ("success", "done")
    assert set(run.outcome.durations) == set(ACTIONS)
    assert run.outcome.match is not None
    matched = run.outcome.match.result.best
    assert matched is not None
    for resource in RESOURCES:
        assert total(run.sandbox, resource) > run.before[resource], resource
    assert total(run.sandbox, "studentAssessments") - run.before["studentAssessments"] == matched.num_matches

    (summary,) = run.reporter.of("summary")
    assert set(RESOURCES) <= set(summary)
    assert all(counts["records_failed"] == 0 for counts in summary.values()), summary
    (files,) = run.reporter.of("output_set")
    assert files.sent_to_ods
    assert files.name == "ods"
    assert {p.stem for p in files.files} >= set(RESOURCES)
    assert all(p.suffix == ".jsonl" and p.stat().st_size > 0 for p in files.files)
    names = {a.name for a in run.outcome.artifacts}
    assert {"edfi_roster", "earthmover_results", "student_id_match_rates", "lightbeam_send_results"} <= names


def test_unmatched_student_is_reported(runs: dict[str, Run]) -> None:
    act = runs["ACT"]
    # four pairs tie at 4/5; the package's order picks the greater column name, then ID type
    assert act.reporter.of("unmatched_ids") == [{"name": "ID_StateAssign", "type": "State", "count": 1}]
    unmatched = act.workspace.unmatched.read_text(encoding="utf-8").splitlines()
    assert len(unmatched) == 2
    assert '"605004"' in unmatched[1]
    assert "unmatched_students" in {a.name for a in act.outcome.artifacts}
    # MAP_Growth: the unique-ID alias State is named, not studentUniqueId
    assert runs["MAP_Growth"].reporter.of("unmatched_ids") == [{"name": "Student_StateID", "type": "State", "count": 1}]
    star = runs["STAR"]
    assert star.reporter.of("unmatched_ids") == []
    assert "unmatched_students" not in {a.name for a in star.outcome.artifacts}


def test_inputs_reach_earthmover_as_utf8(runs: dict[str, Run]) -> None:
    act = runs["ACT"].workspace.normalised_dir / "INPUT_FILE__act scores.csv"
    assert act.read_text(encoding="utf-8") == accented_text(SAMPLES["ACT"])
    star = runs["STAR"].workspace.normalised_dir / "INPUT_FILE__SR_sample_anonymized_file.csv"
    assert star.read_bytes() == accented_text(SAMPLES["STAR"]).encode("utf-8")
    map_file = runs["MAP_Growth"].workspace.normalised_dir / "INPUT_FILE__map.csv"
    assert not map_file.read_bytes().startswith(codecs.BOM_UTF8)
    assert b"\r\n" in map_file.read_bytes()


def test_sending_the_same_run_again_upserts_everything(runs: dict[str, Run]) -> None:
    act = runs["ACT"]
    again = send_output(act.workspace, act.spec.ods)
    for resource, counts in again.summary.items():
        assert (counts["records_skipped"], counts["records_failed"]) == (0, 0), (resource, counts)
        statuses = {s["status_code"] for s in again.results["resources"][resource]["successes"]}
        assert statuses == {200}, (resource, statuses)


def error_of(reporter: RecordingReporter) -> dict[str, Any]:
    (error,) = reporter.of("error")
    assert reporter.events[-1] == ("failure", "done")
    return dict(error)


def test_a_file_of_another_assessment_fails_in_earthmover(runs: dict[str, Run], tmp_path: Path) -> None:
    star = runs["STAR"]
    wrong = {"INPUT_FILE": STAR_DATA / "SR_Dashboard_Standards_v2_sample_anonymized_file.csv"}
    reporter = RecordingReporter()
    outcome = execute(spec("STAR", wrong, star.spec.ods, API_YEAR="2024"), RunWorkspace(tmp_path / "w"), reporter)
    error = error_of(reporter)
    assert error["code"] == "earthmover_run"
    assert ("failure", "earthmover_run") in reporter.events
    assert "earthmover run failed" in error["payload"]["stacktrace"]
    assert outcome.error is not None
    # the readable message: earthmover's own words about the column the file lacks
    assert "failed (exit code" in str(outcome.error.__cause__)


def test_too_few_matches(builtin_catalog: Catalog, tmp_path: Path) -> None:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        seed_roster(sandbox, act_students(keep=2))
        reporter = RecordingReporter()
        outcome = execute(
            spec("ACT", act_input(tmp_path), ods(sandbox), API_YEAR="2025"), RunWorkspace(tmp_path / "w"), reporter
        )
    error = error_of(reporter)
    assert error["code"] == "insufficient_matches"
    assert error["payload"]["match_rate"] == 0.4
    assert error["payload"]["id_name"] == "ID_StateAssign"
    assert ("failure", "earthmover_run") in reporter.events
    assert "student_id_match_rates" in {a.name for a in outcome.artifacts}


def test_empty_roster(builtin_catalog: Catalog, tmp_path: Path) -> None:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        reporter = RecordingReporter()
        execute(spec("ACT", act_input(tmp_path), ods(sandbox), API_YEAR="2025"), RunWorkspace(tmp_path / "w"), reporter)
    assert error_of(reporter)["code"] == "missing_ods_roster"
    assert ("failure", "get_student_roster") in reporter.events


@pytest.mark.parametrize("problem", ["unreachable", "bad credentials"])
def test_roster_fetch_failures(problem: str, builtin_catalog: Catalog, tmp_path: Path) -> None:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        if problem == "unreachable":
            connection = ods(sandbox, base_url="http://127.0.0.1:9")
        else:
            connection = ods(sandbox, client_secret="not-the-secret")
        reporter = RecordingReporter()
        outcome = execute(
            spec("ACT", act_input(tmp_path), connection, API_YEAR="2025"), RunWorkspace(tmp_path / "w"), reporter
        )
    error = error_of(reporter)
    assert error["code"] == "lightbeam_fetch"
    assert error["payload"]["resource"] == "studentEducationOrganizationAssociations"
    assert "not-the-secret" not in str(reporter.events)
    assert outcome.error is not None
    assert "lightbeam fetch of studentEducationOrganizationAssociations failed" in str(outcome.error.__cause__)


def test_every_record_rejected(runs: dict[str, Run], builtin_catalog: Catalog, tmp_path: Path) -> None:
    act = runs["ACT"]
    workspace = RunWorkspace(tmp_path / "w").create()
    # only studentAssessments, sent to an API that has none of the students
    shutil.copy(act.workspace.output_dir / "studentAssessments.jsonl", workspace.output_dir)
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox, pytest.raises(ExecutorError) as raised:
        send_output(workspace, ods(sandbox))
    assert raised.value.code == "lightbeam_send"
    assert "all output data failed to send" in str(raised.value.__cause__)
    assert workspace.lb_send_results.is_file()


def test_deps_run_once_per_workspace(runs: dict[str, Run]) -> None:
    act = runs["ACT"]
    assert (act.workspace.packages_dir / "ACT" / "earthmover.yaml").is_file()
    assert not install_packages(act.workspace, {"ASSESSMENT_BUNDLE": "ACT"})
    composed = act.workspace.earthmover_config.read_text(encoding="utf-8")
    assert f"local: {BUNDLES_DIR.resolve()}/packages/student_ids" in composed
    assert "git:" not in composed
