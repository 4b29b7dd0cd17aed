"""The lost-run reaper on its own: which runs it gives up, and what it records (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from runway.db import utc_now
from runway.executor.errors import describe
from runway.job.models import RunStatus, RunUpdate
from runway.job.reaper import EXECUTOR_LOST, reap_lost_runs
from runway.job.runs import create_run
from runway.storage.local import LocalStorage
from runway.storage.signing import UrlSigner
from tests.support import factories as f

DEADLINE = timedelta(minutes=15)
SILENCE = timedelta(hours=1)


def test_lost_runs_become_error_and_the_job_can_start_again(session: Session, tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage", UrlSigner(b"k" * 32), "http://x", default_ttl=60, max_upload_bytes=100)
    partner = f.make_partner(session)
    tenant = f.make_tenant(session, partner=partner)
    year = f.make_school_year(session)
    jobs = [f.make_job(session, tenant=tenant, year=year) for _ in range(5)]
    never_started = f.make_run(session, job=jobs[0])
    queued = f.make_run(session, job=jobs[1])
    silent = f.make_run(session, job=jobs[2], status=RunStatus.running)
    talking = f.make_run(session, job=jobs[3], status=RunStatus.running)
    finished = f.make_run(session, job=jobs[4], status=RunStatus.success)
    session.add(RunUpdate(run_id=silent.id, action="earthmover_run", status="begin"))
    session.commit()

    assert reap_lost_runs(session, storage, init_deadline=DEADLINE, silence=SILENCE) == []

    later = utc_now() + timedelta(minutes=30)
    session.add(RunUpdate(run_id=talking.id, action="earthmover_run", status="begin", received_at=later))
    session.flush()
    reaped = reap_lost_runs(
        session,
        storage,
        init_deadline=DEADLINE,
        silence=timedelta(minutes=20),
        now=later + timedelta(minutes=1),
        keep=lambda run_id: run_id == queued.id,
    )
    session.commit()
    assert reaped == [never_started.id, silent.id]
    for run in (never_started, silent):
        session.refresh(run)
        assert run.status == RunStatus.error
        (error,) = run.errors
        assert error.code == EXECUTOR_LOST
        assert ("done", "failure") in {(u.action, u.status) for u in run.updates}
        message = describe(error.code, error.payload)
        assert "start the job again" in message
    assert "did not start within 900 s" in describe(never_started.errors[0].code, never_started.errors[0].payload)
    assert {queued.status, talking.status, finished.status} == {RunStatus.new, RunStatus.running, RunStatus.success}

    assert create_run(session, jobs[0]).status == RunStatus.new  # no longer blocked
