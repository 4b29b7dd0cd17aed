"""The main job end to end: the real app served by uvicorn, the local launcher starting real executor
subprocesses (``python -m runway.executor``), real earthmover and lightbeam against the sandbox over HTTP,
on SQLite and PostgreSQL.

One job is started three times on one app: a successful run (summary, unmatched student, output files,
records in the sandbox); a run whose executor is killed mid-run, which the reaper marks ``error`` with a
readable ``executor_lost``; a run with a 2-second time limit, which reports ``executor_timeout`` and ``done``.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from runway.app import create_app
from runway.executor.errors import describe
from runway.executor_api.tokens import ExecutorTokens
from runway.job.models import FileStatus, Job, JobFile, Run, RunStatus, RunUpdate
from runway.job.reaper import EXECUTOR_LOST, reap_lost_runs
from runway.job.runs import JobInProgress, start_job
from runway.launch.local import LocalLauncher
from runway.sandbox.config import SandboxConfig
from runway.sandbox.spec import Catalog
from runway.settings import Settings
from runway.storage.local import LocalStorage
from tests.conftest import BUNDLES_DIR, needs_shared
from tests.executor.helpers import SAMPLES, accented_text
from tests.executor.test_steps import act_students, seed_roster, total
from tests.support import factories as f
from tests.support.app import app_settings
from tests.support.sandbox_server import RunningSandbox, serve_sandbox

pytestmark = [pytest.mark.lightbeam, pytest.mark.earthmover]

RESOURCES = ("assessments", "studentAssessments")
RUN_DEADLINE = 300.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    app: FastAPI
    settings: Settings
    launcher: LocalLauncher

    @property
    def sessions(self) -> sessionmaker[Session]:
        made: sessionmaker[Session] = self.app.state.sessionmaker
        return made

    @property
    def storage(self) -> LocalStorage:
        local: LocalStorage = self.app.state.storage
        return local


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[Served]:
    """The app on 127.0.0.1 (its base URL is where the executor calls back), with a local launcher."""
    needs_shared(BUNDLES_DIR)
    port = free_port()
    settings = app_settings(
        db_url,
        tmp_path,
        base_url=f"http://127.0.0.1:{port}",
        bundles_dir=BUNDLES_DIR,
        reaper_interval_seconds=3600,
    )
    tokens = ExecutorTokens.from_settings(settings)
    launcher = LocalLauncher.from_settings(settings, lambda run_id: tokens.mint(run_id, "init"))
    app = create_app(settings, launcher=launcher)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="runway-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the app did not start"
        assert time.monotonic() < deadline, "the app did not start in time"
        time.sleep(0.05)
    try:
        yield Served(app, settings, launcher)
    finally:
        launcher.shutdown(kill=True)
        server.should_exit = True
        thread.join(timeout=10)


def make_act_job(served: Served, sandbox: RunningSandbox) -> int:
    """Partner, tenant, year 2024-25, the sandbox as the year's ODS, and an ACT job with its uploaded file."""
    with served.sessions() as session:
        partner = f.make_partner(session)
        tenant = f.make_tenant(session, partner=partner)
        year = f.make_school_year(session, start_year=2024)
        ods = f.make_ods_config(session, tenant=tenant, year=year, secret=sandbox.secret)
        assert ods.active_connection is not None
        ods.active_connection.host = sandbox.url
        ods.active_connection.client_id = sandbox.key
        job = f.make_job(session, tenant=tenant, year=year, ods=ods)
        job.template = {"path": "assessments/ACT", "displayName": "ACT", "files": [{"templateKey": "INPUT_FILE"}]}
        key = f"{job.file_base_path}/input/INPUT_FILE__act scores.csv"
        served.storage.put(key, accented_text(SAMPLES["ACT"]).encode("cp1252"), content_type="text/csv")
        session.add(
            JobFile(
                job=job,
                template_key="INPUT_FILE",
                name_from_user="act scores.csv",
                name_internal="INPUT_FILE__act scores.csv",
                path=key,
                type="text/csv",
                status=FileStatus.upload_complete,
            )
        )
        session.commit()
        return job.id


def start(served: Served, job_id: int) -> int:
    with served.sessions() as session:
        run = start_job(
            session, session.get_one(Job, job_id), served.launcher, served.app.state.executor_tokens, served.settings
        )
        assert run.status == RunStatus.new
        return run.id


def wait_for(served: Served, run_id: int, condition: str, timeout: float = RUN_DEADLINE) -> Run:
    """Poll the run until it is finished (``condition="done"``) or has begun ``condition`` (an action)."""
    deadline = time.monotonic() + timeout
    while True:
        with served.sessions() as session:
            run = session.get_one(Run, run_id)
            updates = {(u.action, u.status) for u in run.updates}
            if condition == "done" and run.status in {RunStatus.success, RunStatus.error}:
                run.errors, run.output_files, run.output_file_sets, run.updates  # noqa: B018 (load before close)
                return run
            if condition != "done" and (condition, "begin") in updates:
                return run
        assert time.monotonic() < deadline, f"run {run_id}: no {condition} within {timeout} s"
        served.launcher.poll()
        time.sleep(0.5)


def log_of(served: Served, run_id: int) -> str:
    return served.launcher.log_file(run_id).read_text(encoding="utf-8", errors="replace")[-4000:]


def test_the_main_job_end_to_end(served: Served, builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as sandbox:
        seed_roster(sandbox, act_students())  # all but one of the sample's five students
        job_id = make_act_job(served, sandbox)
        before = {resource: total(sandbox, resource) for resource in RESOURCES}

        # 1. success
        started = time.monotonic()
        first = start(served, job_id)
        run = wait_for(served, first, "done")
        print(f"\nend-to-end run: {time.monotonic() - started:.1f} s")  # shown with -s
        assert run.status == RunStatus.success, (run.errors and run.errors[0].payload, log_of(served, first))
        updates = {(u.action, u.status) for u in run.updates}
        for action in ("earthmover_deps", "get_student_roster", "earthmover_run", "lightbeam_send", "upload_output"):
            assert {(action, "begin"), (action, "success")} <= updates, action
        assert ("done", "success") in updates
        assert run.errors == []
        assert run.summary is not None
        assert {"studentAssessments", "assessments"} <= set(run.summary)
        assert all(counts["records_failed"] == 0 for counts in run.summary.values()), run.summary
        assert run.unmatched_students_info == {"name": "ID_StateAssign", "type": "State", "count": 1}
        names = {output.name for output in run.output_files}
        assert {"ods/studentAssessments.jsonl", "input_no_student_id_match.csv", "em-results.json"} <= names, names
        assert {
            "student_id_match_rates.csv",
            "lb-send-results.json",
            "studentEducationOrganizationAssociations.jsonl",
        } <= names
        (output_set,) = run.output_file_sets
        assert output_set.sent_to_ods
        assert "studentAssessments.jsonl" in output_set.files
        assert total(sandbox, "studentAssessments") - before["studentAssessments"] == 4
        assert all(output.path.startswith(f"{output_set.path.rsplit('/', 1)[0]}/") for output in run.output_files)
        assert total(sandbox, "assessments") > before["assessments"]

        # 2. the executor dies mid-run: the reaper gives the run up, readably, and the job can start again
        second = start(served, job_id)
        with pytest.raises(JobInProgress), served.sessions() as session:
            start_job(
                session,
                session.get_one(Job, job_id),
                served.launcher,
                served.app.state.executor_tokens,
                served.settings,
            )
        wait_for(served, second, "earthmover_deps", timeout=60)
        process = served.launcher.process(second)
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        with served.sessions() as session:
            assert (
                reap_lost_runs(session, served.storage, init_deadline=timedelta(hours=1), silence=timedelta(hours=1))
                == []
            )
            reaped = reap_lost_runs(session, served.storage, init_deadline=timedelta(hours=1), silence=timedelta(0))
            session.commit()
        assert reaped == [second]
        run = wait_for(served, second, "done", timeout=5)
        assert run.status == RunStatus.error
        (error,) = run.errors
        assert error.code == EXECUTOR_LOST
        message = describe(error.code, error.payload or {})
        assert "start the job again" in message, message
        assert "no progress" in message, message
        assert ("done", "failure") in {(u.action, u.status) for u in run.updates}

        # 3. the time limit: executor_timeout, then done
        served.launcher.timeout_seconds = 2
        third = start(served, job_id)
        run = wait_for(served, third, "done", timeout=120)
        assert run.status == RunStatus.error, log_of(served, third)
        (error,) = run.errors
        assert error.code == "executor_timeout", error.payload
        assert (error.payload or {})["timeout_seconds"] == 2
        assert ("done", "failure") in {(u.action, u.status) for u in run.updates}
        # a re-run lists only its own files, never the first run's
        assert "ods/studentAssessments.jsonl" not in {output.name for output in run.output_files}
        assert all(f"/output/{third}/" in output.path for output in run.output_files)
        assert "2 seconds" in describe(error.code, error.payload or {}) or "its time limit" in describe(
            error.code, error.payload or {}
        )
        with served.sessions() as session:
            last = session.scalars(select(RunUpdate).where(RunUpdate.run_id == third)).all()
            assert last, "the timed-out run reported its progress"
