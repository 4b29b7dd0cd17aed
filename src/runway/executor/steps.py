"""The executor's steps over a run workspace, and the runner that reports them in the original's order.

Each step is a plain function of the workspace and the :class:`~runway.executor.runspec.RunSpec`; none talks
to the app. :func:`execute` runs them with the action names of executor.md §1.5 and tells a
:class:`Reporter` what happens (the HTTP reporter to the app's executor callback API is built elsewhere)::

    earthmover_deps      compose the wrapper with local packages; ``earthmover deps`` once per workspace
    get_student_roster   lightbeam fetch of studentEducationOrganizationAssociations; ID-type discovery
    get_input_files      copy the inputs into the workspace and rewrite them as UTF-8
    earthmover_run       match student IDs (rates, threshold, unmatched CSV); earthmover run
    lightbeam_send       lightbeam send; unmatched-ids report
    upload_output        output set (non-empty JSONL), summary
    done                 success or failure

``refresh_bundle_code`` of the original is not a step: the bundles checkout is refreshed by the app's
catalog (runway.bundle.catalog), and runs only read it. On failure the current action is reported as
``failure``, then the error (executor.md §1.11 body), then ``done: failure`` (executor.md §1.5 step 15).
"""

from __future__ import annotations

import csv
import re
import shutil
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from runway.executor.earthmover import compose_project, install_packages, run_earthmover
from runway.executor.encoding import normalise_to_utf8
from runway.executor.errors import ExecutorError
from runway.executor.fetch import fetch_roster
from runway.executor.matching import (
    MATCH_RATES_HEADER,
    MatchResult,
    compute_match_rates,
    enforce_threshold,
    parse_id_columns,
    read_csv_table,
    unmatched_ids_report,
    write_match_rates_csv,
    write_unmatched_csv,
)
from runway.executor.roster import IdTypeDiscovery, Roster, build_index, discover_id_types
from runway.executor.runspec import RunSpec
from runway.executor.send import OutputSet, SendResult, Summary, output_set, send_output
from runway.executor.workspace import RunWorkspace

__all__ = [
    "ACTIONS",
    "Artifact",
    "MatchOutcome",
    "Reporter",
    "RunOutcome",
    "bundle_id_columns",
    "collect_artifacts",
    "earthmover_params",
    "execute",
    "get_input_files",
    "get_student_roster",
    "match_students",
    "prepare_bundle",
]

#: The actions reported, in order (executor.md §1.3, §1.5).
ACTIONS = (
    "earthmover_deps",
    "get_student_roster",
    "get_input_files",
    "earthmover_run",
    "lightbeam_send",
    "upload_output",
)


class Reporter(Protocol):
    """Receives a run's progress (executor.md §1.3 callbacks). Implementations must not raise."""

    def begin(self, action: str) -> None: ...

    def success(self, action: str) -> None: ...

    def failure(self, action: str) -> None: ...

    def error(self, code: str, payload: Mapping[str, Any]) -> None: ...

    def summary(self, summary: Summary) -> None: ...

    def unmatched_ids(self, report: Mapping[str, object]) -> None: ...

    def output_set(self, files: OutputSet) -> None: ...


def prepare_bundle(workspace: RunWorkspace, spec: RunSpec) -> dict[str, str]:
    """Compose the project and install its packages (once per workspace); returns the bundle parameters.

    Raises:
        ExecutorError: ``earthmover_deps`` when ``earthmover deps`` fails.
        FileNotFoundError: the bundle or the student-ID packages are not in the checkout.
    """
    if not (spec.bundle_dir / "earthmover.yaml").is_file():
        raise FileNotFoundError(f"bundle {spec.bundle_path} not found in {spec.bundles_root}")
    compose_project(workspace, spec.bundles_root)
    params = {"ASSESSMENT_BUNDLE": spec.bundle_name, "ASSESSMENT_BUNDLE_BRANCH": "main", **spec.input_params}
    install_packages(workspace, params)
    return params


def get_student_roster(workspace: RunWorkspace, spec: RunSpec) -> tuple[Roster, IdTypeDiscovery]:
    """Fetch the roster (:func:`runway.executor.fetch.fetch_roster`) and discover its ID types (§1.6).

    Raises:
        ExecutorError: ``lightbeam_fetch`` or ``missing_ods_roster``.
    """
    roster = fetch_roster(workspace, spec.ods)
    return roster, discover_id_types(roster)


def get_input_files(workspace: RunWorkspace, spec: RunSpec) -> dict[str, Path]:
    """Copy each input to ``inputs/<templateKey>__<name>`` and write its UTF-8 copy under ``normalised/``.

    Returns:
        ``templateKey`` → the normalised file (what earthmover reads), e.g. ``{"INPUT_FILE": Path(...)}``.

    Raises:
        ExecutorError: ``invalid_job`` when ``INPUT_FILE`` is missing; ``input_file_empty`` or
            ``input_file_not_text`` from :func:`runway.executor.encoding.normalise_to_utf8`.
        OSError: an input cannot be read.
    """
    if "INPUT_FILE" not in spec.input_files:
        raise ExecutorError("invalid_job", message="the job has no INPUT_FILE")
    normalised: dict[str, Path] = {}
    for key, source in spec.input_files.items():
        name = f"{key}__{source.name}"
        received = workspace.inputs_dir / name
        shutil.copyfile(source, received)
        normalised[key] = normalise_to_utf8(received, workspace.normalised_dir / name, name=source.name).path
    return normalised


_ID_COLUMNS = re.compile(r"^\s*POSSIBLE_STUDENT_ID_COLUMNS:\s*(['\"]?)(.*?)\1\s*(#.*)?$", re.MULTILINE)


def bundle_id_columns(spec: RunSpec) -> tuple[str, ...]:
    """The bundle's ``POSSIBLE_STUDENT_ID_COLUMNS``, e.g. ``("ID_StateAssign", "ID_Local")``; a job parameter wins.

    Read with a regular expression because a bundle's earthmover.yaml is a Jinja template, not plain YAML.

    Raises:
        ValueError: the bundle declares no such parameter.
    """
    if spec.input_params.get("POSSIBLE_STUDENT_ID_COLUMNS"):
        return parse_id_columns(spec.input_params["POSSIBLE_STUDENT_ID_COLUMNS"])
    found = _ID_COLUMNS.search((spec.bundle_dir / "earthmover.yaml").read_text(encoding="utf-8"))
    if not found:
        raise ValueError(f"bundle {spec.bundle_path} declares no POSSIBLE_STUDENT_ID_COLUMNS")
    return parse_id_columns(found.group(2))


@dataclass(frozen=True)
class MatchOutcome:
    """The student-ID match of a run's INPUT_FILE against the roster."""

    result: MatchResult
    discovery: IdTypeDiscovery
    #: The unmatched-ids body ``{name, type, count}``; None when every row matched.
    unmatched: dict[str, object] | None
    #: Rows written to the unmatched CSV.
    unmatched_rows: int


def match_students(
    workspace: RunWorkspace, spec: RunSpec, roster: Roster, discovery: IdTypeDiscovery, input_file: Path
) -> MatchOutcome:
    """Match ``input_file``'s IDs (executor.md §1.8, §4.3); write the rates, unmatched and chosen-pair CSVs.

    The artifacts are written before the threshold is enforced, so a failed run still has them.

    Raises:
        ExecutorError: ``insufficient_matches`` below ``spec.match_threshold``; ``no_student_id_column``
            when the file has none of the bundle's ID columns; ``input_file_empty``.
    """
    index = build_index(roster, discovery.match_types)
    table = read_csv_table(input_file, input_name=input_file.name.split("__", 1)[-1])
    result = compute_match_rates(
        table.header,
        table.rows(),
        candidate_columns=bundle_id_columns(spec),
        index=index,
        threshold=spec.match_threshold,
        input_name=table.path.name.split("__", 1)[-1],
    )
    write_match_rates_csv(workspace.match_rates, result)
    unmatched_rows = write_unmatched_csv(workspace.unmatched, table.header, table.rows(), result=result, index=index)
    _write_chosen(workspace.chosen_match_rate, result)
    enforce_threshold(result, unique_id_alias=discovery.unique_id_alias)
    return MatchOutcome(
        result, discovery, unmatched_ids_report(result, unique_id_alias=discovery.unique_id_alias), unmatched_rows
    )


def _write_chosen(path: Path, result: MatchResult) -> None:
    """The rates file fed to ``student_ids``: its header and the chosen pair only (none below the threshold)."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(MATCH_RATES_HEADER)
        chosen = result.chosen
        if chosen is not None:
            writer.writerow(
                [
                    chosen.source_column_name,
                    chosen.edfi_column_name,
                    chosen.num_matches,
                    chosen.num_rows,
                    chosen.match_rate,
                ]
            )


def earthmover_params(
    workspace: RunWorkspace,
    spec: RunSpec,
    bundle_params: Mapping[str, str],
    inputs: Mapping[str, Path],
    discovery: IdTypeDiscovery,
) -> dict[str, str]:
    """Every earthmover parameter of a run (executor.md §1.7), paths absolute.

    ``MATCH_RATES_SOURCE_TYPE=file`` makes ``student_ids`` crosswalk through the chosen pair of
    :func:`match_students` instead of computing its own rates.
    """
    return {
        **bundle_params,
        **{key: str(path) for key, path in inputs.items()},
        "OUTPUT_DIR": str(workspace.output_dir),
        "DATA_DIR": str(workspace.output_dir),
        "TEMPORARY_DIRECTORY": str(workspace.tmp_dir),
        "REQUIRED_ID_MATCH_RATE": str(spec.match_threshold),
        "EDFI_ROSTER_SOURCE_TYPE": "file",
        "EDFI_ROSTER_FILE": str(workspace.roster_file),
        "EDFI_STUDENT_ID_TYPES": discovery.env_value,
        "MATCH_RATES_SOURCE_TYPE": "file",
        "MATCH_RATES_FILE": str(workspace.chosen_match_rate),
    }


@dataclass(frozen=True)
class Artifact:
    """A file kept for the user (executor.md §1.12): its name there and its path in the workspace."""

    name: str
    path: Path


def collect_artifacts(workspace: RunWorkspace, *, unmatched_count: int | None) -> list[Artifact]:
    """The run's non-empty artifact files; the unmatched CSV only when rows were unmatched (§1.8)."""
    candidates = [
        Artifact("edfi_roster", workspace.roster_file),
        Artifact("earthmover_results", workspace.em_results),
        Artifact("student_id_match_rates", workspace.match_rates),
        Artifact("lightbeam_send_results", workspace.lb_send_results),
    ]
    if unmatched_count:
        candidates.append(Artifact("unmatched_students", workspace.unmatched))
    return [a for a in candidates if a.path.is_file() and a.path.stat().st_size > 0]


@dataclass
class RunOutcome:
    """What a run produced; ``error`` is set when it failed."""

    workspace: RunWorkspace
    actions_done: list[str] = field(default_factory=list)
    #: Seconds each finished or failed action took, e.g. ``{"earthmover_run": 41.2, ...}``.
    durations: dict[str, float] = field(default_factory=dict)
    match: MatchOutcome | None = None
    send: SendResult | None = None
    output: OutputSet | None = None
    artifacts: list[Artifact] = field(default_factory=list)
    error: ExecutorError | None = None
    error_body: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _Actions:
    """``set_action`` of the original (§1.5): the previous action succeeds when the next one begins."""

    def __init__(self, reporter: Reporter, outcome: RunOutcome) -> None:
        self.reporter = reporter
        self.outcome = outcome
        self.current: str | None = None
        self.started = time.monotonic()

    def start(self, action: str) -> None:
        self.finish()
        self.current = action
        self.started = time.monotonic()
        self.reporter.begin(action)

    def timed(self) -> None:
        if self.current is not None:
            self.outcome.durations[self.current] = round(time.monotonic() - self.started, 3)

    def finish(self) -> None:
        if self.current is not None:
            self.timed()
            self.reporter.success(self.current)
            self.outcome.actions_done.append(self.current)
            self.current = None


def execute(spec: RunSpec, workspace: RunWorkspace, reporter: Reporter) -> RunOutcome:
    """Run every step in order, reporting to ``reporter``; never raises for a failed run.

    Returns:
        The outcome; on failure ``error`` holds the classified error (``unknown`` for anything unexpected)
        and ``error_body`` the body reported, ``{"code", "payload": {"stacktrace", ...}}`` (executor.md §1.11).
    """
    workspace.create()
    outcome = RunOutcome(workspace)
    actions = _Actions(reporter, outcome)
    try:
        actions.start("earthmover_deps")
        bundle_params = prepare_bundle(workspace, spec)

        actions.start("get_student_roster")
        roster, discovery = get_student_roster(workspace, spec)

        actions.start("get_input_files")
        inputs = get_input_files(workspace, spec)

        actions.start("earthmover_run")
        outcome.match = match_students(workspace, spec, roster, discovery, inputs["INPUT_FILE"])
        run_earthmover(workspace, earthmover_params(workspace, spec, bundle_params, inputs, discovery))

        actions.start("lightbeam_send")
        outcome.send = send_output(workspace, spec.ods)
        if outcome.match.unmatched is not None:
            reporter.unmatched_ids(outcome.match.unmatched)

        actions.start("upload_output")
        outcome.output = output_set(workspace.output_dir, sent_to_ods=True)
        if outcome.output.files:
            reporter.output_set(outcome.output)
        if outcome.send.summary:
            reporter.summary(outcome.send.summary)
        actions.finish()
        reporter.success("done")
    except Exception as exc:  # every failure is reported, classified or not
        error = exc if isinstance(exc, ExecutorError) else ExecutorError("unknown")
        outcome.error = error
        outcome.error_body = error.to_json("".join(traceback.format_exception(exc)))
        if actions.current is not None:
            actions.timed()
            reporter.failure(actions.current)
        reporter.error(outcome.error_body["code"], outcome.error_body["payload"])
        reporter.failure("done")
    finally:
        unmatched = outcome.match.unmatched_rows if outcome.match else None
        outcome.artifacts = collect_artifacts(workspace, unmatched_count=unmatched)
    return outcome
