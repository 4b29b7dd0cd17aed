"""Starting runs and the derived job status (runway-app.md §4.3–4.5), on SQLite and PostgreSQL, with the
init token then used against the real app."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.app import create_app
from runway.executor_api.tokens import ExecutorTokens
from runway.job.models import FileStatus, Job, JobFile, Run, RunError, RunOutputFile, RunStatus, RunUpdate
from runway.job.runs import JobConfigIncomplete, JobInProgress, create_run, launch_run
from runway.job.status import job_status, resource_summary
from runway.launch import RecordingLauncher
from tests.support import factories as f
from tests.support.app import BASE_URL, app_settings

TEMPLATE = {
    "path": "assessments/ACT",
    "reportResources": ["studentAssessments"],
    "files": [{"name": "Scores", "templateKey": "INPUT_FILE", "isRequired": True, "fileType": ["text/csv"]}],
    "params": [],
}


def _job(session: Session, *, uploaded: bool = True) -> Job:
    partner = f.make_partner(session)
    tenant = f.make_tenant(session, partner=partner)
    year = f.make_school_year(session)
    job = f.make_job(session, tenant=tenant, year=year)
    job.template = TEMPLATE
    session.add(
        JobFile(
            job=job,
            template_key="INPUT_FILE",
            name_from_user="a.csv",
            name_internal="INPUT_FILE__a.csv",
            path=f"{job.file_base_path}/input/INPUT_FILE__a.csv",
            type="text/csv",
            status=FileStatus.upload_complete if uploaded else FileStatus.url_generated,
        )
    )
    session.flush()
    return job


def test_start_launches_with_a_working_init_token(session: Session, db_url: str, tmp_path: Path) -> None:
    settings = app_settings(db_url, tmp_path)
    tokens = ExecutorTokens.from_settings(settings)
    job = _job(session)
    run = create_run(session, job)
    session.commit()
    launcher = RecordingLauncher()
    assert launch_run(session, run, launcher, tokens, settings) is True
    session.commit()
    [launch] = launcher.launches
    assert launch.run_id == run.id
    assert launch.init_url == f"{BASE_URL}/api/earthbeam/auth/{run.id}/init"
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        response = client.get(launch.init_url, headers={"Authorization": f"Bearer {launch.init_token}"})
        assert response.status_code == 200
    with pytest.raises(JobInProgress, match="Job already in progress"):
        create_run(session, job)


def test_start_refuses_a_job_in_progress(session: Session) -> None:
    job = _job(session)
    f.make_run(session, job=job, status=RunStatus.running)
    with pytest.raises(JobInProgress):
        create_run(session, job)


def test_start_refuses_incomplete_inputs(session: Session) -> None:
    job = _job(session, uploaded=False)
    with pytest.raises(JobConfigIncomplete, match="upload not complete for INPUT_FILE"):
        create_run(session, job)
    job.files.clear()
    session.flush()
    with pytest.raises(JobConfigIncomplete, match="missing input file"):
        create_run(session, job)


def test_a_finished_job_may_start_again(session: Session) -> None:
    job = _job(session)
    f.make_run(session, job=job, status=RunStatus.error)
    assert create_run(session, job).status == RunStatus.new


def test_launch_failure_marks_the_run(session: Session, db_url: str, tmp_path: Path) -> None:
    settings = app_settings(db_url, tmp_path)
    job = _job(session)
    run = create_run(session, job)
    session.commit()
    launcher = RecordingLauncher(fail_with=OSError("no executor"))
    assert launch_run(session, run, launcher, ExecutorTokens.from_settings(settings), settings) is False
    session.commit()
    session.expire_all()
    assert session.get_one(Run, run.id).status == RunStatus.error
    errors = session.scalars(select(RunError).where(RunError.run_id == run.id)).all()
    assert [(e.code, e.payload) for e in errors] == [
        ("failed_to_start_executor", {"stacktrace": "stacktrace unavailable"})
    ]
    updates = session.scalars(select(RunUpdate).where(RunUpdate.run_id == run.id)).all()
    assert [(u.action, u.status) for u in updates] == [("done", "failure")]
    assert job_status(session.get_one(Job, job.id)) == "error"


def test_derived_status(session: Session) -> None:
    job = _job(session)
    assert job_status(job) is None
    run = f.make_run(session, job=job, status=RunStatus.running)
    session.refresh(job)
    assert job_status(job) == "running"
    run.status = RunStatus.success
    run.summary = {"studentAssessments": {"records_processed": 5, "records_skipped": 1, "records_failed": 0}}
    assert job_status(job) == "success"
    run.summary["other"] = {"records_processed": 1, "records_skipped": 0, "records_failed": 1}
    assert job_status(job) == "success"  # failures only count in the template's reportResources
    run.summary["studentAssessments"]["records_failed"] = 2
    assert job_status(job) == "complete with errors"
    run.summary = None
    session.add(RunOutputFile(run_id=run.id, name="input_no_student_id_match.csv", path="x"))
    session.flush()
    session.refresh(run)
    assert job_status(job) == "complete with errors"
    job.is_resolved = True
    assert job_status(job) == "resolved"
    job.is_resolved = False
    assert job_status(job) == "complete with errors"


def test_resource_summary() -> None:
    summary = {"a": {"records_processed": 3, "records_skipped": 2, "records_failed": 4}, "b": "junk"}
    assert resource_summary(summary) == {"a": {"success": 0, "skipped": 2, "failed": 4}}
