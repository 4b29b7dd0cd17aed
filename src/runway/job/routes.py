"""``/api/jobs``, ``/api/job-templates`` and ``/api/school-years``: the UI's JSON API for jobs
(runway-app.md §2.2, §4). Thin routes: each checks the session, calls ``runway.job.service`` and commits.

Jobs of another tenant answer 404 like missing ones; without a session every route answers 401.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from runway.auth.session import CurrentSession, CurrentSessionDep
from runway.db import acting_as
from runway.errors import AppError
from runway.job import service
from runway.job.runs import create_run, launch_run
from runway.job.service import NewFile, Tenancy
from runway.job.status import latest_run
from runway.web.catalog import CatalogDep
from runway.web.deps import SessionDep, SettingsDep, StorageDep

router = APIRouter(prefix="/api", tags=["jobs"])


class LaunchFailed(AppError):
    """The executor could not be started; the run was recorded as failed (500, runway-app.md §4.3)."""

    status = 500


class TemplateRef(BaseModel):
    """The part of the client's template the server uses: its ``path`` (the bundle key)."""

    model_config = ConfigDict(extra="ignore")
    path: str = Field(min_length=1, max_length=255)


class ParamValue(BaseModel):
    """``{templateKey, value}``; a null value counts as not given."""

    templateKey: str = Field(min_length=1, max_length=255)
    value: str | None = None


class FileSpec(BaseModel):
    """``{templateKey, nameFromUser, type}``: a file the client is about to upload."""

    templateKey: str = Field(min_length=1, max_length=255)
    nameFromUser: str = Field(min_length=1, max_length=255)
    type: str = Field(default="application/octet-stream", max_length=255)


class NewJobBody(BaseModel):
    """``POST /api/jobs``: ``{template: {path}, schoolYearId, inputParams[], files[]}`` (``name`` is ignored)."""

    model_config = ConfigDict(extra="ignore")
    template: TemplateRef
    schoolYearId: str = Field(min_length=1, max_length=4)
    inputParams: list[ParamValue] = Field(default_factory=list)
    files: list[FileSpec] = Field(default_factory=list)


class ResolveBody(BaseModel):
    """``PUT /api/jobs/{id}/resolve``: ``{isResolved: boolean}``."""

    isResolved: StrictBool


class NoteBody(BaseModel):
    """``{noteText}`` (1–5000 characters, checked by the service)."""

    noteText: str


def _tenancy(current: CurrentSession) -> Tenancy:
    return Tenancy(partner_id=current.partner_id, tenant_code=current.tenant_code, user_id=current.user.id)


@router.get("/jobs")
def list_jobs(current: CurrentSessionDep, session: SessionDep) -> list[dict[str, Any]]:
    """The tenant's jobs that have been started, newest first, each with its runs and derived status."""
    return [service.job_dto(session, job) for job in service.list_jobs(session, _tenancy(current))]


@router.get("/jobs/{job_id}")
def get_job(job_id: int, current: CurrentSessionDep, session: SessionDep) -> dict[str, Any]:
    """One job with files, runs (errors, updates, output files, summary) and its derived status."""
    return service.job_dto(session, service.get_job(session, _tenancy(current), job_id), detail=True)


@router.post("/jobs", status_code=201)
def create_job(
    body: NewJobBody, current: CurrentSessionDep, session: SessionDep, storage: StorageDep, catalog: CatalogDep
) -> dict[str, Any]:
    """Create a job; answers ``{id, uploadLocations: [{templateKey, url}]}`` with signed PUT URLs."""
    with acting_as(current.user.id):
        job, uploads = service.create_job(
            session,
            storage,
            catalog,
            _tenancy(current),
            bundle_key=body.template.path,
            school_year_id=body.schoolYearId,
            params=[(p.templateKey, p.value) for p in body.inputParams],
            files=[NewFile(f.templateKey, f.nameFromUser, f.type) for f in body.files],
        )
        session.commit()
    return {"id": job.id, "uploadLocations": uploads}


@router.put("/jobs/{job_id}/start")
def start_job(
    job_id: int,
    request: Request,
    current: CurrentSessionDep,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Start a run (also a re-run of a finished job): files found in storage count as uploaded, the run is
    committed, then ``app.state.launcher`` launches it. 400 when inputs are missing or a run is active;
    500 when the launch fails (the run is then ``error`` with ``failed_to_start_executor``).
    """
    tenancy = _tenancy(current)
    launcher = getattr(request.app.state, "launcher", None)
    with acting_as(current.user.id):
        job = service.get_job(session, tenancy, job_id)
        if launcher is None:
            raise LaunchFailed("No executor launcher is configured (app.state.launcher)")
        service.mark_uploaded(session, storage, job)
        run = create_run(session, job)
        session.commit()
        started = launch_run(session, run, launcher, request.app.state.executor_tokens, settings)
        session.commit()
    if not started:
        raise LaunchFailed("The executor could not be started; the run was marked as failed")
    session.expire_all()
    return service.job_dto(session, service.get_job(session, tenancy, job_id), detail=True)


@router.put("/jobs/{job_id}/resolve")
def resolve_job(job_id: int, body: ResolveBody, current: CurrentSessionDep, session: SessionDep) -> Response:
    """Set or clear the resolved flag of a job that completed with errors; 200 with an empty body."""
    with acting_as(current.user.id):
        service.set_resolved(session, service.get_job(session, _tenancy(current), job_id), body.isResolved)
        session.commit()
    return Response(status_code=200)


@router.get("/jobs/{job_id}/files/{template_key}")
def input_file_url(
    job_id: int, template_key: str, current: CurrentSessionDep, session: SessionDep, storage: StorageDep
) -> str:
    """A signed download URL (1 h) of an input file, as a JSON string; 404 when it is missing."""
    file = service.input_file(service.get_job(session, _tenancy(current), job_id), template_key)
    return service.download_url(storage, file.path, file.name_from_user)


@router.get("/jobs/{job_id}/output-files/{name:path}")
def output_file_url(
    job_id: int, name: str, current: CurrentSessionDep, session: SessionDep, storage: StorageDep
) -> str:
    """A signed download URL (1 h) of the newest run's output file ``name``; 404 when it is missing."""
    output = service.output_file(service.get_job(session, _tenancy(current), job_id), name)
    return service.download_url(storage, output.path, output.name.rsplit("/", 1)[-1])


@router.get("/jobs/{job_id}/status-updates")
def status_updates(job_id: int, current: CurrentSessionDep, session: SessionDep) -> list[dict[str, Any]] | None:
    """The latest run's ``[{action, status, receivedAt}]``, or null without runs."""
    job = service.get_job(session, _tenancy(current), job_id)
    run = latest_run(job)
    return None if run is None else service.run_dto(run, detail=True)["updates"]


@router.get("/jobs/{job_id}/errors")
def run_errors(job_id: int, current: CurrentSessionDep, session: SessionDep) -> list[dict[str, Any]]:
    """The latest run's errors as ``[{id, code, payload}]`` (empty without runs)."""
    job = service.get_job(session, _tenancy(current), job_id)
    run = latest_run(job)
    return [] if run is None else service.run_dto(run, detail=True)["errors"]


@router.get("/jobs/{job_id}/notes")
def list_notes(job_id: int, current: CurrentSessionDep, session: SessionDep) -> list[dict[str, Any]]:
    """The job's notes, oldest first, with author and editor."""
    job = service.get_job(session, _tenancy(current), job_id)
    return [service.note_dto(session, note) for note in service.list_notes(session, job)]


@router.post("/jobs/{job_id}/notes", status_code=201)
def add_note(job_id: int, body: NoteBody, current: CurrentSessionDep, session: SessionDep) -> dict[str, Any]:
    """Add a note (1–5000 characters); 201 with the note."""
    with acting_as(current.user.id):
        note = service.add_note(session, service.get_job(session, _tenancy(current), job_id), body.noteText)
        session.commit()
    return service.note_dto(session, note)


@router.put("/jobs/{job_id}/notes/{note_id}")
def edit_note(
    job_id: int, note_id: int, body: NoteBody, current: CurrentSessionDep, session: SessionDep
) -> dict[str, Any]:
    """Replace a note's text; 404 when the note is not on this job."""
    with acting_as(current.user.id):
        note = service.edit_note(session, service.get_job(session, _tenancy(current), job_id), note_id, body.noteText)
        session.commit()
    return service.note_dto(session, note)


@router.delete("/jobs/{job_id}/notes/{note_id}")
def delete_note(job_id: int, note_id: int, current: CurrentSessionDep, session: SessionDep) -> Response:
    """Delete a note; 404 when it is not on this job."""
    service.delete_note(session, service.get_job(session, _tenancy(current), job_id), note_id)
    session.commit()
    return Response(status_code=200)


@router.get("/job-templates/{template_type}")
def job_templates(
    template_type: Literal["assessments"], current: CurrentSessionDep, session: SessionDep, catalog: CatalogDep
) -> list[dict[str, Any]]:
    """The partner's enabled bundles of the type as templates, in registry order (only ``assessments``)."""
    return service.enabled_templates(session, catalog, current.partner_id, template_type)


@router.get("/school-years")
def school_years(current: CurrentSessionDep, session: SessionDep) -> list[dict[str, Any]]:
    """Every school year ``{id, startYear, endYear}``, newest first."""
    del current  # signed-in users only
    return service.school_years(session)
