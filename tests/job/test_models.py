"""Job tables: a job with files, runs, run reports and notes round-trips; keys and cascades hold."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runway.db import acting_as
from runway.job.models import (
    FileStatus,
    Job,
    JobFile,
    JobNote,
    Run,
    RunError,
    RunOutputFile,
    RunOutputFileSet,
    RunStatus,
    RunUpdate,
)
from runway.school_year.models import SchoolYear
from runway.tenant.models import Tenant
from tests.support.factories import (
    make_job,
    make_ods_config,
    make_partner,
    make_run,
    make_school_year,
    make_tenant,
    make_user,
)


@pytest.fixture
def tenant(session: Session) -> Tenant:
    return make_tenant(session, partner=make_partner(session))


@pytest.fixture
def year(session: Session) -> SchoolYear:
    return make_school_year(session)


def test_a_job_with_everything_round_trips(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    alice = make_user(session)
    ods = make_ods_config(session, tenant=tenant, year=year)
    with acting_as(alice.id):
        job = make_job(session, tenant=tenant, year=year, ods=ods, api_client_name=None)
        job.files.append(
            JobFile(
                template_key="INPUT_FILE",
                name_from_user="act scores.csv",
                name_internal="INPUT_FILE__act scores.csv",
                path=f"{job.file_base_path}/input/INPUT_FILE__act scores.csv",
                type="text/csv",
            )
        )
        job.notes.append(JobNote(note_text="Vendor re-sent the file"))
        run = make_run(session, job=job, status=RunStatus.success)
    run.summary = {"studentAssessments": {"success": 10, "failed": 1}}
    run.unmatched_students_info = {"name": "ACT ID", "type": "District", "count": 1}
    run.updates.append(RunUpdate(action="done", status="success"))
    run.errors.append(RunError(code="lightbeam_send", payload={"stacktrace": "…", "resources": ["x"]}))
    run.output_files.append(RunOutputFile(name="ods/studentAssessments.jsonl", path="p/output/ods/x.jsonl"))
    run.output_file_sets.append(
        RunOutputFileSet(files=["studentAssessments.jsonl"], path="ea/255901/2526/1/output/ods")
    )
    session.commit()
    session.expire_all()

    stored = session.scalars(select(Job).where(Job.uid == job.uid)).one()
    assert isinstance(stored.uid, uuid.UUID)
    assert stored.send_to_ods is True
    assert stored.is_resolved is False
    assert stored.created_by_id == alice.id
    assert stored.template["path"] == "assessments/ACT"
    assert stored.files[0].status is FileStatus.url_generated
    assert stored.notes[0].created_by_id == alice.id
    (stored_run,) = stored.runs
    assert stored_run.status is RunStatus.success
    assert stored_run.created_by_id == alice.id
    assert stored_run.summary == {"studentAssessments": {"success": 10, "failed": 1}}
    assert [(u.action, u.status) for u in stored_run.updates] == [("done", "success")]
    assert stored_run.errors[0].payload == {"stacktrace": "…", "resources": ["x"]}
    assert stored_run.output_files[0].name == "ods/studentAssessments.jsonl"
    assert isinstance(stored_run.output_file_sets[0].uid, uuid.UUID)
    assert stored_run.output_file_sets[0].sent_to_ods is True


def test_a_job_that_sends_needs_an_ods(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    make_job(session, tenant=tenant, year=year)  # no ODS, send_to_ods false: fine
    with pytest.raises(IntegrityError):
        make_job(session, tenant=tenant, year=year, ods=None, send_to_ods=True)


def test_a_repeated_progress_report_is_refused(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    run = make_run(session, job=make_job(session, tenant=tenant, year=year))
    session.add(RunUpdate(run_id=run.id, action="transform", status="begin"))
    session.commit()
    session.add(RunUpdate(run_id=run.id, action="transform", status="begin"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_an_unknown_status_is_refused_by_the_database(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    run = make_run(session, job=make_job(session, tenant=tenant, year=year))
    session.commit()
    with pytest.raises(IntegrityError):  # the CHECK constraint, bypassing SQLAlchemy's own validation
        session.execute(text("UPDATE run SET status = 'paused' WHERE id = :id"), {"id": run.id})


def test_deleting_a_job_removes_everything_under_it(session: Session, tenant: Tenant, year: SchoolYear) -> None:
    job = make_job(session, tenant=tenant, year=year)
    run = make_run(session, job=job)
    session.add_all(
        [
            RunUpdate(run_id=run.id, action="done", status="failure"),
            RunError(run_id=run.id, code="x", payload={}),
            RunOutputFileSet(run_id=run.id, files=[], path="a"),
            JobNote(job_id=job.id, note_text="n"),
        ]
    )
    session.commit()
    session.delete(job)
    session.commit()
    for model in (Run, RunUpdate, RunError, RunOutputFileSet, JobNote):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model
