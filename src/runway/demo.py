"""``runway demo``: the ACT sample file through the real app when a bundles checkout is found
(:mod:`runway.demo_app`), otherwise Runway's own small Ed-Fi output loaded into the sandbox with lightbeam.

The fallback's steps (each printed as it happens):

1. start the sandbox (``runway sandbox serve``) with its data in ``<workdir>/sandbox.sqlite3``;
2. write a small ACT-like Ed-Fi output of our own (the app path needs a bundles checkout: jobs run bundles);
3. seed the roster: a local education agency and every student of the output but one, each with District
   and State identification codes, so that one student shows up as unmatched;
4. send everything with the real lightbeam CLI and print what landed, per resource, and what failed and why.

The sandbox keeps serving afterwards when the demo runs in a terminal (Ctrl-C stops it); either way its
database stays in the work directory for ``runway sandbox serve --db …`` to serve again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from runway.executor import lightbeam
from runway.sandbox.config import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET
from runway.sandbox.seed import expand_roster, local_education_agency, seed

LEA_ID = 255901
READY = re.compile(r"Ed-Fi sandbox ready: (\S+)")
ED_FI = "uri://ed-fi.org"


def find_bundles_dir(explicit: Path | None) -> Path | None:
    """The bundles checkout: ``--bundles-dir``, ``$RUNWAY_BUNDLES_DIR``, or ``../shared/bundles`` beside the
    project or the working directory; None when there is none.

    Raises ``click.ClickException`` when an explicitly given directory holds no ACT bundle.
    """
    if explicit is not None:
        if not (explicit / "assessments" / "ACT" / "earthmover.yaml").is_file():
            raise click.ClickException(
                f"{explicit} is not an earthmover_edfi_bundles checkout (no assessments/ACT/earthmover.yaml)."
            )
        return explicit
    candidates = []
    if os.environ.get("RUNWAY_BUNDLES_DIR"):
        candidates.append(Path(os.environ["RUNWAY_BUNDLES_DIR"]))
    project = Path(__file__).resolve().parents[2]
    candidates += [project.parent / "shared" / "bundles", Path.cwd().parent / "shared" / "bundles"]
    for candidate in candidates:
        if candidate and (candidate / "assessments" / "ACT" / "earthmover.yaml").is_file():
            return candidate
    return None


def own_sample_output(output_dir: Path) -> dict[str, Path]:
    """A small ACT-like Ed-Fi output written by Runway itself (used when no bundles checkout is present)."""
    namespace = "uri://runway.example/Assessment"
    method_ns = "uri://runway.example/AssessmentReportingMethodDescriptor"
    students = [f"60{5000 + i}" for i in range(6)]
    records: dict[str, list[dict[str, Any]]] = {
        "assessmentReportingMethodDescriptors": [
            {"codeValue": "Score", "shortDescription": "Score", "namespace": method_ns}
        ],
        "assessments": [
            {
                "assessmentIdentifier": "COLLEGE-READY",
                "namespace": namespace,
                "assessmentTitle": "College readiness sample test",
                "assessmentCategoryDescriptor": f"{ED_FI}/AssessmentCategoryDescriptor#College entrance exam",
                "academicSubjects": [{"academicSubjectDescriptor": f"{ED_FI}/AcademicSubjectDescriptor#Composite"}],
                "assessedGradeLevels": [{"gradeLevelDescriptor": f"{ED_FI}/GradeLevelDescriptor#Eleventh grade"}],
                "scores": [
                    {
                        "assessmentReportingMethodDescriptor": f"{method_ns}#Score",
                        "minimumScore": "1",
                        "maximumScore": "36",
                        "resultDatatypeTypeDescriptor": f"{ED_FI}/ResultDatatypeTypeDescriptor#Integer",
                    }
                ],
            }
        ],
        "objectiveAssessments": [
            {
                "identificationCode": code,
                "assessmentReference": {"assessmentIdentifier": "COLLEGE-READY", "namespace": namespace},
                "description": title,
                "academicSubjectDescriptor": f"{ED_FI}/AcademicSubjectDescriptor#{title}",
            }
            for code, title in (("CR-M", "Mathematics"), ("CR-R", "Reading"))
        ],
        "studentAssessments": [
            {
                "studentAssessmentIdentifier": f"CR-{student}-2025",
                "assessmentReference": {"assessmentIdentifier": "COLLEGE-READY", "namespace": namespace},
                "studentReference": {"studentUniqueId": student},
                "schoolYearTypeReference": {"schoolYear": 2025},
                "administrationDate": "2025-04-12",
                "whenAssessedGradeLevelDescriptor": f"{ED_FI}/GradeLevelDescriptor#Eleventh grade",
                "scoreResults": [
                    {
                        "assessmentReportingMethodDescriptor": f"{method_ns}#Score",
                        "result": str(18 + index),
                        "resultDatatypeTypeDescriptor": f"{ED_FI}/ResultDatatypeTypeDescriptor#Integer",
                    }
                ],
                "studentObjectiveAssessments": [
                    {
                        "objectiveAssessmentReference": {
                            "identificationCode": code,
                            "assessmentIdentifier": "COLLEGE-READY",
                            "namespace": namespace,
                        },
                        "scoreResults": [
                            {
                                "assessmentReportingMethodDescriptor": f"{method_ns}#Score",
                                "result": str(17 + index),
                                "resultDatatypeTypeDescriptor": f"{ED_FI}/ResultDatatypeTypeDescriptor#Integer",
                            }
                        ],
                    }
                    for code in ("CR-M", "CR-R")
                ],
            }
            for index, student in enumerate(students)
        ],
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for endpoint, rows in records.items():
        path = output_dir / f"{endpoint}.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        paths[endpoint] = path
    return paths


MARKER = ".runway-demo"


def prepare_workdir(workdir: Path) -> None:
    """Empty a previous demo's work directory, or create a new one.

    Raises ``click.ClickException`` rather than delete a directory that has files the demo did not make.
    """
    if workdir.exists():
        if not workdir.is_dir():
            raise click.ClickException(f"{workdir} is a file; choose another --workdir.")
        if any(workdir.iterdir()) and not (workdir / MARKER).exists():
            raise click.ClickException(
                f"{workdir} already holds files that the demo did not create; choose an empty or new --workdir."
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("This directory belongs to `runway demo`, which empties it on every run.\n")


def start_sandbox(db: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """Start ``runway sandbox serve`` and wait for its ready line; returns the process and the API root."""
    runway = str(Path(sys.executable).with_name("runway"))
    process = subprocess.Popen(
        [runway, "sandbox", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = READY.search(line)
        if match:
            return process, match.group(1).rstrip("/")
    process.kill()
    raise click.ClickException("The Ed-Fi sandbox did not start:\n" + "".join(lines))


def roster_for(outputs: dict[str, Path]) -> tuple[list[str], str | None]:
    """The students to put on the roster (all but the last one of the output) and the one left off."""
    with outputs["studentAssessments"].open(encoding="utf-8") as lines:
        ids = sorted({json.loads(line)["studentReference"]["studentUniqueId"] for line in lines if line.strip()})
    if len(ids) < 2:
        return ids, None
    return ids[:-1], ids[-1]


def run_demo(
    workdir: Path,
    port: int,
    bundles_dir: Path | None,
    keep_serving: bool,
    *,
    use_bundle: bool = True,
    app_port: int = 0,
) -> None:
    """Run the demo end to end (see the module docstring). Raises ``click.ClickException`` on failure.

    With a bundles checkout the ACT sample file goes through the app (:func:`runway.demo_app.run_app_demo`);
    ``use_bundle=False`` (or no checkout) loads Runway's own small ACT-like output with lightbeam instead.
    """
    found = find_bundles_dir(bundles_dir) if use_bundle else None
    if found is not None:
        from runway.demo_app import run_app_demo

        run_app_demo(workdir, port, app_port, found, keep_serving)
        return
    click.echo("Without an earthmover_edfi_bundles checkout the demo cannot go through the Runway app (jobs run")
    click.echo("bundles); it loads Runway's own small Ed-Fi output into the sandbox with lightbeam instead.")
    prepare_workdir(workdir)
    click.echo("1/4 Starting the Ed-Fi sandbox …")
    process, url = start_sandbox(workdir / "sandbox.sqlite3", port)
    try:
        click.echo(f"    {url}/  (client key {DEFAULT_CLIENT_KEY}, secret {DEFAULT_CLIENT_SECRET})")
        output_dir = workdir / "output"
        if use_bundle and os.environ.get("RUNWAY_BUNDLES_DIR"):
            click.echo(f"2/4 RUNWAY_BUNDLES_DIR={os.environ['RUNWAY_BUNDLES_DIR']} holds no assessments/ACT bundle;")
            click.echo("    using a small ACT-like Ed-Fi output written by Runway instead.")
        elif use_bundle:
            click.echo("2/4 No earthmover_edfi_bundles checkout found (set RUNWAY_BUNDLES_DIR or --bundles-dir);")
            click.echo("    using a small ACT-like Ed-Fi output written by Runway instead.")
        else:
            click.echo("2/4 Using a small ACT-like Ed-Fi output written by Runway (--no-bundle).")
        outputs = own_sample_output(output_dir)
        roster, left_off = roster_for(outputs)
        click.echo(f"3/4 Seeding the roster: LEA {LEA_ID} and {len(roster)} students with District and State IDs")
        payloads = {
            "localEducationAgencies": [local_education_agency(LEA_ID, "Demo School District")],
            **expand_roster(
                {
                    "educationOrganizationId": LEA_ID,
                    "students": [
                        {"studentUniqueId": s, "ids": {"District": f"D-{s}", "State": f"S-{s}"}} for s in roster
                    ],
                },
                "demo roster",
            ),
        }
        report = seed(url, DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, payloads)
        if not report.ok:
            raise click.ClickException("Seeding the roster failed: " + "; ".join(report.failures))
        if left_off:
            click.echo(f"    student {left_off} is left off the roster on purpose: its records will be refused")
        click.echo("4/4 Sending the Ed-Fi output with lightbeam …")
        data_dir = workdir / "lightbeam-data"
        data_dir.mkdir()
        for endpoint, path in outputs.items():
            shutil.copy(path, data_dir / f"{endpoint}.jsonl")
        config = lightbeam.write_config(
            workdir / "lightbeam", url, key=DEFAULT_CLIENT_KEY, secret=DEFAULT_CLIENT_SECRET, data_dir=data_dir
        )
        sent = lightbeam.run(config, "send")
        if sent.results is None:
            raise click.ClickException(f"lightbeam send did not finish:\n{sent.output[-3000:]}")
        print_summary(sent.results, url)
    except BaseException:
        process.terminate()
        raise
    if keep_serving:
        click.echo("\nThe sandbox keeps serving; press Ctrl-C to stop it.")
        with contextlib.suppress(KeyboardInterrupt):
            process.wait()
    process.terminate()
    process.wait(timeout=10)
    click.echo(f"\nThe sandbox's data stays in {workdir / 'sandbox.sqlite3'}; serve it again with:")
    runway = Path(sys.executable).with_name("runway")
    click.echo(f"  {runway} sandbox serve --db {workdir / 'sandbox.sqlite3'} --port {port or 8765}")


def print_summary(results: dict[str, Any], url: str) -> None:
    """Per-resource counts and every failure with its message, from lightbeam's results file."""
    click.echo("\nWhat landed in the sandbox:")
    click.echo(f"  {'resource':<40} {'records':>8} {'created':>8} {'updated':>8} {'failed':>8}")
    for endpoint, result in results["resources"].items():
        statuses = {s["status_code"]: s["count"] for s in result.get("successes", [])}
        click.echo(
            f"  {endpoint:<40} {result['records_processed']:>8} {statuses.get(201, 0):>8} "
            f"{statuses.get(200, 0):>8} {result['records_failed']:>8}"
        )
    failures = [(e, f) for e, r in results["resources"].items() for f in r.get("failures", [])]
    if failures:
        click.echo("\nRefused records:")
        for endpoint, failure in failures:
            lines = ", ".join(str(n) for n in failure["line_numbers"])
            click.echo(f"  {endpoint}, line(s) {lines}: {failure['message']}")
    click.echo(f"\nSee the result: {url}/data/v3/ed-fi/studentAssessments (bearer token from {url}/oauth/token), e.g.")
    click.echo(
        f"  TOKEN=$(curl -s -u {DEFAULT_CLIENT_KEY}:{DEFAULT_CLIENT_SECRET} -d grant_type=client_credentials "
        f"{url}/oauth/token | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )
    click.echo(f'  curl -s -H "Authorization: Bearer $TOKEN" "{url}/data/v3/ed-fi/studentAssessments?limit=2"')
