"""Wall time of the ACT sample job end to end through Runway, against the same commands run by hand.

Run from the project root (``make bench-job`` or ``.venv/bin/python -m bench.job_end_to_end --help``); it needs
the earthmover_edfi_bundles checkout that ``runway demo`` finds (``--bundles-dir`` or ``$RUNWAY_BUNDLES_DIR``).
Everything runs on 127.0.0.1, in a temporary directory removed at the end.

Each of ``--runs`` rounds measures two things on the ACT sample file
(``assessments/ACT/data/sample_anonymized_file.csv``):

1. **End to end through Runway.** The set-up of ``runway demo`` (:mod:`runway.demo_app`), untimed: a fresh
   sandbox, the app's database (partner, tenant, user, school year 2024-2025, ODS config, ACT bundle), the
   roster seeded with all but one student of the file, ``runway serve`` started; then log in, create the job
   and upload the file (untimed). Timed: from the ``PUT /api/jobs/{id}/start`` request until
   ``GET /api/jobs/{id}`` (polled every 0.1 s) says the job is complete, i.e. its run is ``success`` or
   ``error``. The run's own timestamps (``createdOn`` and the last update's ``receivedAt``) are printed too.
2. **By hand.** Against another fresh sandbox seeded with the same roster, the commands the executor runs
   (:mod:`runway.executor.steps`), each as a subprocess, timed one by one: ``earthmover deps`` of the composed
   wrapper project (the ACT bundle and ``student_ids`` as local packages), ``lightbeam fetch`` of
   studentEducationOrganizationAssociations, ``earthmover run -k --results-file`` with the run's parameters,
   and ``lightbeam send``. Writing the configs, copying the input as UTF-8 and the student-ID match in Python
   (which produces the rates file ``earthmover run`` reads) are done with the executor's own functions and
   are not timed: they are not commands.

It prints, per round and as min/median over the rounds: the end-to-end seconds, each command's seconds and
their total, the ratio end-to-end / by hand, and Runway's overhead (end-to-end minus by hand) in seconds.
Figures only: nothing about speed is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import httpx

from runway import demo_app
from runway.demo import find_bundles_dir, prepare_workdir, start_sandbox
from runway.executor import lightbeam
from runway.executor.earthmover import EARTHMOVER, compose_project, earthmover_env
from runway.executor.fetch import FETCH_KEYS, ROSTER_RESOURCE, write_lightbeam_config
from runway.executor.roster import discover_id_types, read_roster
from runway.executor.runspec import OdsConnection, RunSpec
from runway.executor.send import summarise
from runway.executor.steps import earthmover_params, get_input_files, match_students
from runway.executor.workspace import RunWorkspace
from runway.sandbox.config import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET
from runway.sandbox.seed import expand_roster, local_education_agency, seed

COMMANDS = ("earthmover deps", "lightbeam fetch", "earthmover run", "lightbeam send")
API_YEAR = str(demo_app.START_YEAR + 1)


def stop(process: subprocess.Popen[Any] | None) -> None:
    """Terminate a process this bench started and wait for it (kill after 10 s)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def seed_roster(sandbox_url: str, sample: Path) -> None:
    """The demo's roster: LEA and all but the last student of the file, with State and Local IDs."""
    students, _ = demo_app.roster_from_sample(sample)
    payloads = {
        "localEducationAgencies": [local_education_agency(demo_app.LEA_ID, "Demo School District")],
        **expand_roster({"educationOrganizationId": demo_app.LEA_ID, "students": students}, "bench roster"),
    }
    report = seed(sandbox_url, DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, payloads)
    if not report.ok:
        raise click.ClickException("Seeding the roster failed: " + "; ".join(report.failures))


def end_to_end(workdir: Path, bundles_dir: Path, sample: Path) -> dict[str, Any]:
    """One job through the app; ``{"seconds", "status", "server_seconds"}``."""
    prepare_workdir(workdir)
    data_dir = workdir / "app"
    data_dir.mkdir()
    app_port = demo_app.free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    sandbox, sandbox_url = start_sandbox(workdir / "sandbox.sqlite3", 0)
    app: subprocess.Popen[bytes] | None = None
    try:
        year_id = demo_app.set_up_app(data_dir, bundles_dir, app_url, sandbox_url)
        seed_roster(sandbox_url, sample)
        app = demo_app.start_app(workdir, demo_app.app_environment(data_dir, bundles_dir, app_url), app_port, app_url)
        with httpx.Client(base_url=app_url, timeout=60) as client:
            answer = client.post(
                "/api/auth/login",
                json={"email": demo_app.EMAIL, "partnerId": demo_app.PARTNER, "tenantCode": demo_app.TENANT},
            )
            demo_app._check(answer, "logging in")
            body = {
                "template": {"path": demo_app.BUNDLE},
                "schoolYearId": year_id,
                "inputParams": [],
                "files": [{"templateKey": "INPUT_FILE", "nameFromUser": sample.name, "type": "text/csv"}],
            }
            created = client.post("/api/jobs", json=body)
            demo_app._check(created, "creating the job")
            job_id = int(created.json()["id"])
            for location in created.json()["uploadLocations"]:
                uploaded = client.put(
                    location["url"], content=sample.read_bytes(), headers={"Content-Type": "text/csv"}
                )
                demo_app._check(uploaded, "uploading the file")
            started = time.monotonic()
            demo_app._check(client.put(f"/api/jobs/{job_id}/start"), "starting the job")
            deadline = started + demo_app.RUN_DEADLINE
            while True:
                answer = client.get(f"/api/jobs/{job_id}")
                demo_app._check(answer, "reading the job")
                job: dict[str, Any] = answer.json()
                if job["isComplete"]:
                    break
                if time.monotonic() > deadline:
                    raise click.ClickException(f"Job {job_id} did not finish within {demo_app.RUN_DEADLINE:.0f} s")
                time.sleep(0.1)
            seconds = time.monotonic() - started
    finally:
        stop(app)
        stop(sandbox)
    run = job["runs"][-1]
    sent = sent_failed(run.get("summary") or {})
    return {"seconds": seconds, "status": run["status"], "server_seconds": server_seconds(run), "sent": sent}


def sent_failed(summary: dict[str, Any]) -> str:
    """``"<processed> sent, <failed> failed"`` over every resource of a lightbeam summary."""
    processed = sum(int(counts.get("records_processed", 0)) for counts in summary.values())
    failed = sum(int(counts.get("records_failed", 0)) for counts in summary.values())
    return f"{processed} sent, {failed} failed"


def server_seconds(run: dict[str, Any]) -> float | None:
    """Seconds from the run's ``createdOn`` to its last update's ``receivedAt``; None when either is missing."""
    from datetime import datetime

    updates = run.get("updates") or []
    if not run.get("createdOn") or not updates or not updates[-1].get("receivedAt"):
        return None
    first = datetime.fromisoformat(str(run["createdOn"]).replace("Z", "+00:00"))
    last = datetime.fromisoformat(str(updates[-1]["receivedAt"]).replace("Z", "+00:00"))
    return (last - first).total_seconds()


def timed(times: dict[str, float], name: str, action: Callable[[], Any]) -> Any:
    """Run ``action`` and record its wall seconds under ``name``."""
    started = time.monotonic()
    result = action()
    times[name] = time.monotonic() - started
    return result


def earthmover(config: Path, args: list[str], params: dict[str, str]) -> None:
    """``earthmover -c config <args>`` as the executor runs it; raises on a non-zero exit."""
    done = subprocess.run(
        [EARTHMOVER, "-c", str(config), *args],
        cwd=config.parent,
        env=earthmover_env(params),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise click.ClickException(f"earthmover {args[0]} failed:\n{(done.stdout + done.stderr)[-3000:]}")


def by_hand(workdir: Path, bundles_dir: Path, sample: Path) -> tuple[dict[str, float], str]:
    """The executor's commands on the same input against a fresh sandbox; seconds per command and what was sent."""
    workdir.mkdir(parents=True)
    sandbox, sandbox_url = start_sandbox(workdir / "sandbox.sqlite3", 0)
    times: dict[str, float] = {}
    try:
        seed_roster(sandbox_url, sample)
        ods = OdsConnection(sandbox_url, DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, api_year=int(API_YEAR))
        spec = RunSpec(bundles_dir, demo_app.BUNDLE, {"INPUT_FILE": sample}, ods, input_params={"API_YEAR": API_YEAR})
        workspace = RunWorkspace(workdir / "run").create()
        config = compose_project(workspace, bundles_dir)
        bundle_params = {
            "ASSESSMENT_BUNDLE": spec.bundle_name,
            "ASSESSMENT_BUNDLE_BRANCH": "main",
            "API_YEAR": API_YEAR,
        }
        timed(times, "earthmover deps", lambda: earthmover(config, ["deps"], bundle_params))

        lb_config = write_lightbeam_config(workspace, ods, data_dir=workspace.roster_dir)
        fetched = timed(
            times, "lightbeam fetch", lambda: lightbeam.run(lb_config, "fetch", "-s", ROSTER_RESOURCE, "-k", FETCH_KEYS)
        )
        if fetched.returncode != 0:
            raise click.ClickException(f"lightbeam fetch failed:\n{fetched.output[-3000:]}")

        roster = read_roster(workspace.roster_file)
        discovery = discover_id_types(roster)
        inputs = get_input_files(workspace, spec)
        match_students(workspace, spec, roster, discovery, inputs["INPUT_FILE"])
        params = earthmover_params(workspace, spec, bundle_params, inputs, discovery)
        args = ["run", "-k", "--results-file", str(workspace.em_results)]
        timed(times, "earthmover run", lambda: earthmover(config, args, params))

        lb_config = write_lightbeam_config(workspace, ods, data_dir=workspace.output_dir)
        sent = timed(times, "lightbeam send", lambda: lightbeam.run(lb_config, "send"))
        if sent.results is None:
            raise click.ClickException(f"lightbeam send wrote no results:\n{sent.output[-3000:]}")
    finally:
        stop(sandbox)
    return times, sent_failed(summarise(sent.results))


def row(label: str, e2e: float, hand: dict[str, float], total: float) -> str:
    cells = "".join(f"{hand[name]:>18.2f}" for name in COMMANDS)
    return f"{label:<8}{e2e:>9.2f}{cells}{total:>9.2f}{e2e / total:>7.2f}{e2e - total:>10.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="rounds of (end to end, by hand); default 3")
    parser.add_argument("--bundles-dir", type=Path, default=None, help="earthmover_edfi_bundles checkout")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (printed)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    found = find_bundles_dir(args.bundles_dir)
    if found is None:
        sys.exit("No earthmover_edfi_bundles checkout found: pass --bundles-dir or set RUNWAY_BUNDLES_DIR.")
    bundles_dir = found.resolve()
    sample = demo_app.sample_file(bundles_dir)
    root = Path(tempfile.mkdtemp(prefix="runway-bench-job-"))
    e2e: list[float] = []
    hands: list[dict[str, float]] = []
    header = f"{'':<8}{'e2e s':>9}" + "".join(f"{name + ' s':>18}" for name in COMMANDS)
    header += f"{'hand s':>9}{'ratio':>7}{'overhead':>10}"
    with sample.open(encoding="utf-8-sig", errors="replace", newline="") as file:
        rows = sum(1 for _ in csv.DictReader(file))
    print(f"ACT sample job: {sample} ({rows} rows); seconds, ratio = e2e / hand, overhead = e2e - hand")
    try:
        for index in range(args.runs):
            job = end_to_end(root / f"e2e-{index}", bundles_dir, sample)
            hand, hand_sent = by_hand(root / f"hand-{index}", bundles_dir, sample)
            server = job["server_seconds"]
            note = f"run {job['status']}" + (f", its timestamps {server:.2f} s" if server is not None else "")
            note += f"; e2e {job['sent']}, by hand {hand_sent}"
            if index == 0:
                print(header)
            print(row(f"run {index + 1}", job["seconds"], hand, sum(hand.values())) + f"  ({note})")
            e2e.append(job["seconds"])
            hands.append(hand)
        for label, pick in (("min", min), ("median", statistics.median)):
            per_command = {name: pick([h[name] for h in hands]) for name in COMMANDS}
            print(row(label, pick(e2e), per_command, pick([sum(h.values()) for h in hands])))
    except click.ClickException as exc:
        sys.exit(exc.format_message())
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            with contextlib.suppress(OSError):
                shutil.rmtree(root)


if __name__ == "__main__":
    main()
