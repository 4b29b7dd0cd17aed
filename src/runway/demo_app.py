"""``runway demo`` through the real app: the ACT sample file submitted as a job, as a user would.

Steps (each printed as it happens), all on loopback:

1. start the Ed-Fi sandbox (``runway sandbox serve``) with its data in ``<workdir>/sandbox.sqlite3``;
2. set up the app's database in ``<workdir>/app`` with the admin services: partner ``demo``, tenant
   ``district``, a user, school year 2024-2025 (the ACT sample's ``API_YEAR`` 2025) enabled and sending to
   the ODS, an ODS config pointing at the sandbox, and the ``assessments/ACT`` bundle enabled;
3. seed the sandbox roster with all but one student of the sample file, each with State and Local
   identification codes taken from the file's ``ID_StateAssign`` and ``ID_Local`` columns;
4. start the app (``runway serve``) with ``RUNWAY_*`` pointing at the work directory and the bundles;
5. as a user: log in, create the job, upload the file through its signed URL, start it, and poll the job
   until its run is done; then print the records sent per resource, the unmatched students with where
   their CSV is, and the job's URL.
"""

from __future__ import annotations

import contextlib
import csv
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import httpx

from runway.sandbox.config import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET
from runway.sandbox.seed import expand_roster, local_education_agency, seed

PARTNER = "demo"
TENANT = "district"
EMAIL = "demo@runway.example"
BUNDLE = "assessments/ACT"
START_YEAR = 2024  # school year 2024-2025: the ACT sample's API_YEAR 2025
LEA_ID = 255901
UNMATCHED_FILE = "input_no_student_id_match.csv"
RUN_DEADLINE = 600.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sample_file(bundles_dir: Path) -> Path:
    """The ACT bundle's anonymized sample file. Raises ``click.ClickException`` when it is missing."""
    path = bundles_dir / "assessments" / "ACT" / "data" / "sample_anonymized_file.csv"
    if not path.is_file():
        raise click.ClickException(f"The bundles checkout {bundles_dir} has no ACT sample file ({path}).")
    return path


def roster_from_sample(path: Path) -> tuple[list[dict[str, Any]], str | None]:
    """All but the last student of the file, with State and Local IDs; and the State ID left off."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as file:
        pairs = [(row["ID_StateAssign"].strip(), row["ID_Local"].strip()) for row in csv.DictReader(file)]
    unique = list(dict.fromkeys(pair for pair in pairs if pair[0]))
    kept, left_off = (unique[:-1], unique[-1][0]) if len(unique) > 1 else (unique, None)
    students = [{"studentUniqueId": f"9{state}", "ids": {"State": state, "Local": local}} for state, local in kept]
    return students, left_off


def app_environment(data_dir: Path, bundles_dir: Path, base_url: str) -> dict[str, str]:
    """The process environment for ``runway serve``: no inherited ``RUNWAY_*``, ours pointing at the work dir."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RUNWAY_")}
    env.update(
        RUNWAY_ENVIRONMENT="development",
        RUNWAY_DATA_DIR=str(data_dir),
        RUNWAY_BUNDLES_DIR=str(bundles_dir),
        RUNWAY_BASE_URL=base_url,
    )
    return env


def set_up_app(data_dir: Path, bundles_dir: Path, base_url: str, sandbox_url: str) -> str:
    """Create the app's database and the demo's partner, tenant, user, year, ODS config and bundle.

    Returns the school year id. The settings are given in full, so nothing comes from the caller's
    environment or ``.env``: the app started with :func:`app_environment` sees the same database and key.
    """
    from runway.bundle import enablement
    from runway.crypto import keyring_from_settings
    from runway.db import get_engine, session_scope
    from runway.migrations import ensure_schema
    from runway.ods import service as ods_service
    from runway.partner import service as partner_service
    from runway.school_year import service as school_year_service
    from runway.settings import Settings
    from runway.tenant import service as tenant_service
    from runway.user import service as user_service

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="development",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'runway.sqlite3'}",
        storage_dir=data_dir / "storage",
        bundles_dir=bundles_dir,
        base_url=base_url,
        encryption_key=None,
        encryption_old_keys=[],
        signing_key=None,
    )
    ensure_schema(settings)
    keyring = keyring_from_settings(settings)
    engine = get_engine(settings.database_url)
    with session_scope(engine) as session:
        partner_service.ensure_partner(session, partner_id=PARTNER, name="Demo Partner")
        tenant, _ = tenant_service.ensure_tenant(session, partner_id=PARTNER, code=TENANT)
        user, _ = user_service.ensure_local_user(session, email=EMAIL, given_name="Demo", family_name="User")
        user_service.add_to_tenant(session, user=user, tenant=tenant)
        (year,) = school_year_service.seed_school_years(
            session, first_start_year=START_YEAR, last_start_year=START_YEAR
        )
        school_year_service.set_year_config(
            session, partner_id=PARTNER, school_year_id=year.id, is_enabled=True, send_to_ods=True
        )
        ods_service.add_ods_config(
            session,
            keyring,
            partner_id=PARTNER,
            tenant_code=TENANT,
            school_year_id=year.id,
            host=sandbox_url,
            client_id=DEFAULT_CLIENT_KEY,
            client_secret=DEFAULT_CLIENT_SECRET,
        )
        enablement.enable_bundle(session, partner_id=PARTNER, bundle_key=BUNDLE)
        year_id = str(year.id)
    engine.dispose()
    return year_id


def start_app(workdir: Path, env: dict[str, str], port: int, base_url: str) -> subprocess.Popen[bytes]:
    """Start ``runway serve`` (log in ``<workdir>/app.log``) and wait until it answers."""
    runway = str(Path(sys.executable).with_name("runway"))
    log = (workdir / "app.log").open("wb")
    process = subprocess.Popen(
        [runway, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{base_url}/api/auth/me", timeout=2)
            return process
        time.sleep(0.2)
    process.kill()
    tail = (workdir / "app.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    raise click.ClickException(f"The Runway app did not start:\n{tail}")


def submit_job(client: httpx.Client, sample: Path, year_id: str) -> int:
    """Log in, create the ACT job, upload the file through its signed URL and start it; the job id."""
    answer = client.post("/api/auth/login", json={"email": EMAIL, "partnerId": PARTNER, "tenantCode": TENANT})
    _check(answer, "logging in")
    body = {
        "template": {"path": BUNDLE},
        "schoolYearId": year_id,
        "inputParams": [],
        "files": [{"templateKey": "INPUT_FILE", "nameFromUser": sample.name, "type": "text/csv"}],
    }
    created = client.post("/api/jobs", json=body)
    _check(created, "creating the job")
    job_id = int(created.json()["id"])
    for location in created.json()["uploadLocations"]:
        uploaded = client.put(location["url"], content=sample.read_bytes(), headers={"Content-Type": "text/csv"})
        _check(uploaded, "uploading the file")
    _check(client.put(f"/api/jobs/{job_id}/start"), "starting the job")
    return job_id


def wait_for_job(client: httpx.Client, job_id: int, deadline: float = RUN_DEADLINE) -> dict[str, Any]:
    """Poll ``GET /api/jobs/{id}`` until its run is done; the job. Raises ``click.ClickException`` on timeout."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        answer = client.get(f"/api/jobs/{job_id}")
        _check(answer, "reading the job")
        job: dict[str, Any] = answer.json()
        if job["isComplete"]:
            return job
        time.sleep(1)
    raise click.ClickException(f"Job {job_id} did not finish within {deadline:.0f} s")


def _check(answer: httpx.Response, doing: str) -> None:
    if answer.status_code >= 400:
        raise click.ClickException(f"The app refused {doing}: {answer.status_code} {answer.text[:500]}")


def sent_counts(client: httpx.Client, job_id: int, run: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    """Per resource (records, created, updated, failed): lightbeam's results file from the run's outputs
    when it is there, else the run's summary (which has no created/updated split: both shown as 0)."""
    counts: dict[str, tuple[int, int, int, int]] = {}
    if "lb-send-results.json" in run["outputFiles"]:
        link = client.get(f"/api/jobs/{job_id}/output-files/lb-send-results.json")
        if link.status_code == 200:
            url = link.json() if isinstance(link.json(), str) else link.json().get("url", "")
            results = client.get(url)
            if results.status_code == 200:
                for resource, result in results.json().get("resources", {}).items():
                    statuses = {s["status_code"]: s["count"] for s in result.get("successes", [])}
                    counts[resource] = (
                        int(result.get("records_processed", 0)),
                        int(statuses.get(201, 0)),
                        int(statuses.get(200, 0)),
                        int(result.get("records_failed", 0)),
                    )
                return counts
    for resource, summary in (run.get("summary") or {}).items():
        counts[resource] = (int(summary.get("records_processed", 0)), 0, 0, int(summary.get("records_failed", 0)))
    return counts


def print_job(client: httpx.Client, job: dict[str, Any], app_url: str, storage_dir: Path) -> None:
    """The run's status, records sent per resource, unmatched students and their CSV, and the job URL."""
    job_id = int(job["id"])
    run = job["runs"][-1]
    click.echo(f"\nRun {run['id']} of job {job_id}: {run['status']} (job status: {job['status']})")
    for error in run.get("errors") or []:
        click.echo(f"  error {error['code']}: {error['payload']}")
    click.echo("\nRecords sent to the sandbox:")
    click.echo(f"  {'resource':<40} {'records':>8} {'created':>8} {'updated':>8} {'failed':>8}")
    for resource, (records, created, updated, failed) in sent_counts(client, job_id, run).items():
        click.echo(f"  {resource:<40} {records:>8} {created:>8} {updated:>8} {failed:>8}")
    info = run.get("unmatchedStudentsInfo")
    if info:
        click.echo(f"\nUnmatched students: {info.get('count')} (column {info.get('name')}, ID type {info.get('type')})")
    if UNMATCHED_FILE in run["outputFiles"]:
        link = client.get(f"/api/jobs/{job_id}/output-files/{UNMATCHED_FILE}")
        if link.status_code == 200:
            url = link.json() if isinstance(link.json(), str) else link.json().get("url", "")
            click.echo(f"  their CSV: {url if url.startswith('http') else app_url + url}")
        for path in sorted(storage_dir.glob(f"**/output/{run['id']}/{UNMATCHED_FILE}")):
            click.echo(f"  on disk:   {path}")
    click.echo(f"\nJob URL: {app_url}/api/jobs/{job_id}")


def run_app_demo(workdir: Path, port: int, app_port: int, bundles_dir: Path, keep_serving: bool) -> None:
    """Run the demo through the app (see the module docstring). Raises ``click.ClickException`` on failure."""
    from runway.demo import prepare_workdir, start_sandbox

    started = time.monotonic()
    bundles_dir = bundles_dir.resolve()  # the app runs in the work directory
    sample = sample_file(bundles_dir)
    prepare_workdir(workdir)
    data_dir = workdir / "app"
    data_dir.mkdir()
    app_port = app_port or free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    click.echo("1/5 Starting the Ed-Fi sandbox …")
    sandbox, sandbox_url = start_sandbox(workdir / "sandbox.sqlite3", port)
    app: subprocess.Popen[bytes] | None = None
    try:
        click.echo(f"    {sandbox_url}/  (client key {DEFAULT_CLIENT_KEY}, secret {DEFAULT_CLIENT_SECRET})")
        click.echo(f"2/5 Setting up the app in {data_dir}: partner {PARTNER}, tenant {TENANT}, user {EMAIL},")
        click.echo(f"    school year {START_YEAR}-{START_YEAR + 1} sending to the sandbox, {BUNDLE} enabled")
        year_id = set_up_app(data_dir, bundles_dir, app_url, sandbox_url)
        students, left_off = roster_from_sample(sample)
        click.echo(f"3/5 Seeding the roster: LEA {LEA_ID} and {len(students)} students with State and Local IDs")
        payloads = {
            "localEducationAgencies": [local_education_agency(LEA_ID, "Demo School District")],
            **expand_roster({"educationOrganizationId": LEA_ID, "students": students}, "demo roster"),
        }
        report = seed(sandbox_url, DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, payloads)
        if not report.ok:
            raise click.ClickException("Seeding the roster failed: " + "; ".join(report.failures))
        if left_off:
            click.echo(f"    student with State ID {left_off} is left off the roster on purpose: it will be unmatched")
        click.echo(f"4/5 Starting the Runway app: {app_url}  (log: {workdir / 'app.log'})")
        app = start_app(workdir, app_environment(data_dir, bundles_dir, app_url), app_port, app_url)
        click.echo(f"5/5 Submitting {sample} as an ACT job and waiting for its run …")
        with httpx.Client(base_url=app_url, timeout=60) as client:
            job_id = submit_job(client, sample, year_id)
            click.echo(f"    job {job_id} started: {app_url}/api/jobs/{job_id}")
            job = wait_for_job(client, job_id)
            print_job(client, job, app_url, data_dir / "storage")
        click.echo(f"\nDemo finished in {time.monotonic() - started:.1f} s.")
        if job["runs"][-1]["status"] != "success":
            raise click.ClickException(f"The run did not succeed; the executor's log is under {data_dir}.")
    except BaseException:
        for process in (app, sandbox):
            if process is not None:
                process.terminate()
        raise
    if keep_serving:
        click.echo(f"\nThe app ({app_url}) and the sandbox ({sandbox_url}) keep serving; press Ctrl-C to stop them.")
        click.echo(
            f"Log in with POST {app_url}/api/auth/login {{email: {EMAIL}, partnerId: {PARTNER}, tenantCode: {TENANT}}}"
        )
        with contextlib.suppress(KeyboardInterrupt):
            sandbox.wait()
    for process in (app, sandbox):
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    click.echo(f"\nThe app's data stays in {data_dir} and the sandbox's in {workdir / 'sandbox.sqlite3'}.")
