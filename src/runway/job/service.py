"""Jobs as the UI API sees them (runway-app.md §2.2, §4.1, §4.3, §4.9). Services take a session and flush,
never commit; routes own the transaction.

Every lookup is scoped to the caller's tenant: a job of another tenant is reported exactly like a missing
one (``NotFound``), so ids of other tenants' jobs cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from runway.bundle.catalog import BundleCatalog
from runway.bundle.models import PartnerEarthmoverBundle
from runway.bundle.template import bundle_to_template
from runway.errors import BadRequest, NotFound
from runway.job.models import FileStatus, FileStorageProtocol, Job, JobFile, JobNote, Run, RunOutputFile
from runway.job.status import COMPLETE_WITH_ERRORS, RESOLVED, job_status, latest_run, resource_summary
from runway.ods import service as ods_service
from runway.partner.models import Partner
from runway.school_year.models import SchoolYear, SchoolYearConfig
from runway.storage.base import Storage
from runway.user.models import User

MAX_NOTE_LENGTH = 5000
UPLOAD_URL_TTL_SECONDS = 3600
DOWNLOAD_URL_TTL_SECONDS = 3600
ROSTER_FILE = "studentEducationOrganizationAssociations.jsonl"

BUNDLE_NOT_ENABLED = "Bundle not found or not enabled for partner"
YEAR_NOT_ENABLED = "School year is not enabled"
NO_ROSTER = "No roster file found and cross-year matching not enabled for partner"
NO_ODS = "No ODS found for school year"
NOT_CHANGEABLE = "Job status is not changeable: only jobs that completed with errors can be resolved"


@dataclass(frozen=True)
class Tenancy:
    """Who is acting: the partner and tenant every lookup is confined to, and the user."""

    partner_id: str
    tenant_code: str
    user_id: int


@dataclass(frozen=True)
class NewFile:
    """A file the client will upload: its template key, its name on the user's machine and MIME type."""

    template_key: str
    name: str
    type: str


@dataclass(frozen=True)
class Destination:
    """Where a job's data goes (runway-app.md §4.1 step 2): an ODS, or nowhere (a no-ODS year)."""

    ods_id: int | None
    send_to_ods: bool


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _job_query(tenancy: Tenancy) -> Select[Job]:
    return (
        select(Job)
        .where(Job.partner_id == tenancy.partner_id, Job.tenant_code == tenancy.tenant_code)
        .options(
            selectinload(Job.files),
            selectinload(Job.runs).selectinload(Run.output_files),
            selectinload(Job.runs).selectinload(Run.errors),
            selectinload(Job.runs).selectinload(Run.updates),
        )
    )


def list_jobs(session: Session, tenancy: Tenancy) -> list[Job]:
    """The tenant's jobs that have at least one run, newest first (runway-app.md §2.2)."""
    stmt = _job_query(tenancy).where(Job.runs.any()).order_by(Job.id.desc())
    return list(session.scalars(stmt))


def get_job(session: Session, tenancy: Tenancy, job_id: int) -> Job:
    """The tenant's job ``job_id``.

    Raises:
        NotFound: no such job in this tenant (including another tenant's job).
    """
    job = session.scalars(_job_query(tenancy).where(Job.id == job_id)).one_or_none()
    if job is None:
        raise NotFound(f"Job {job_id} not found")
    return job


def resolve_destination(session: Session, storage: Storage, tenancy: Tenancy, school_year_id: str) -> Destination:
    """Where a job for the year would go (runway-app.md §4.1 step 2).

    Raises:
        BadRequest: the year is not enabled for the partner; a no-ODS year without a roster (unless the
            partner has cross-year matching on); an ODS year without an active ODS config of the tenant.
    """
    config = session.get(SchoolYearConfig, (tenancy.partner_id, school_year_id))
    year = session.get(SchoolYear, school_year_id)
    if config is None or not config.is_enabled or year is None:
        raise BadRequest(YEAR_NOT_ENABLED)
    if not config.send_to_ods:
        partner = session.get(Partner, tenancy.partner_id)
        if partner is not None and partner.cross_year_matching_enabled:
            return Destination(ods_id=None, send_to_ods=False)
        key = "/".join(
            [
                "__rosters",
                quote(tenancy.partner_id, safe=""),
                quote(tenancy.tenant_code, safe=""),
                str(year.end_year),
                ROSTER_FILE,
            ]
        )
        if not storage.exists(key) or not storage.get(key):
            raise BadRequest(NO_ROSTER)
        return Destination(ods_id=None, send_to_ods=False)
    ods = ods_service.get_active_config(
        session, partner_id=tenancy.partner_id, tenant_code=tenancy.tenant_code, school_year_id=school_year_id
    )
    if ods is None or ods.active_connection_id is None:
        raise BadRequest(NO_ODS)
    return Destination(ods_id=ods.id, send_to_ods=True)


def check_file_name(name: str) -> str:
    """``name`` when usable as the last segment of a storage key.

    Raises:
        BadRequest: empty, ``.``/``..``, longer than 255 characters, or containing ``/``, ``\\`` or a control character.
    """
    if (
        not name
        or name in {".", ".."}
        or len(name) > 255
        or "/" in name
        or "\\" in name
        or any(ord(char) < 32 or ord(char) == 127 for char in name)
    ):
        raise BadRequest(f"Invalid file name {name[:80]!r}: use a plain file name without slashes")
    return name


def create_job(
    session: Session,
    storage: Storage,
    catalog: BundleCatalog,
    tenancy: Tenancy,
    *,
    bundle_key: str,
    school_year_id: str,
    params: list[tuple[str, str | None]],
    files: list[NewFile],
) -> tuple[Job, list[dict[str, str]]]:
    """Create a job and signed upload URLs for its files (runway-app.md §4.1), in the original's order:

    1. the bundle is enabled for the partner (``Bundle not found or not enabled for partner``);
    2. the destination (:func:`resolve_destination`);
    3. params and files against the catalog's bundle (``"<reason>: KEY1, KEY2"``; the first failing check).

    Returns the job and ``[{templateKey, url}]`` (PUT URLs that sign the file's MIME type, valid 1 h).

    Raises:
        BadRequest: any check above, a repeated file key, or an unusable file name.
    """
    if session.get(PartnerEarthmoverBundle, (tenancy.partner_id, bundle_key)) is None:
        raise BadRequest(BUNDLE_NOT_ENABLED)
    destination = resolve_destination(session, storage, tenancy, school_year_id)
    given = {key: value for key, value in params if value is not None}
    file_keys = [file.template_key for file in files]
    errors = catalog.validate_job_inputs(bundle_key, given, file_keys)
    if errors:
        raise BadRequest(errors[0].message)
    if len(set(file_keys)) != len(file_keys):
        raise BadRequest("Each input file key may be given only once")
    for file in files:
        check_file_name(file.name)
    bundle = catalog.get(bundle_key)
    assert bundle is not None  # validate_job_inputs reported bundle_not_found otherwise
    input_params: list[dict[str, Any]] = []
    for key, value in given.items():
        entry: dict[str, Any] = {"templateKey": key, "value": value}
        param = bundle.input_param(key)
        if param is not None:
            entry["name"] = param.display_name
            entry["isRequired"] = param.is_required
            if param.allowed_values is not None:
                entry["allowedValues"] = list(param.allowed_values)
        input_params.append(entry)
    job = Job(
        name=bundle.display_name,
        partner_id=tenancy.partner_id,
        tenant_code=tenancy.tenant_code,
        school_year_id=school_year_id,
        ods_id=destination.ods_id,
        send_to_ods=destination.send_to_ods,
        template=dict(bundle_to_template(bundle)),
        input_params=input_params,
        file_protocol=FileStorageProtocol.file,
    )
    session.add(job)
    session.flush()
    base = "/".join(
        quote(part, safe="") for part in (tenancy.partner_id, tenancy.tenant_code, school_year_id, str(job.id))
    )
    job.file_base_path = base
    uploads: list[dict[str, str]] = []
    for file in files:
        name_internal = f"{file.template_key}__{file.name}"
        path = f"{base}/input/{name_internal}"
        session.add(
            JobFile(
                job=job,
                template_key=file.template_key,
                name_from_user=file.name,
                name_internal=name_internal,
                path=path,
                type=file.type,
                status=FileStatus.url_generated,
            )
        )
        url = storage.signed_upload_url(path, content_type=file.type or None, expires_in=UPLOAD_URL_TTL_SECONDS)
        uploads.append({"templateKey": file.template_key, "url": url})
    session.flush()
    return job, uploads


def mark_uploaded(session: Session, storage: Storage, job: Job) -> None:
    """Mark each input file whose object is in storage ``upload_complete`` (a file never uploaded stays
    pending, so starting reports it instead of launching an executor that would fail to download it).
    """
    for file in job.files:
        if storage.exists(file.path):
            file.status = FileStatus.upload_complete
    session.flush()


def set_resolved(session: Session, job: Job, is_resolved: bool) -> None:
    """Set the job's resolved flag (runway-app.md §4.5, §4.9).

    Raises:
        BadRequest: the derived status is neither ``complete with errors`` nor ``resolved``.
    """
    if job_status(job) not in {COMPLETE_WITH_ERRORS, RESOLVED}:
        raise BadRequest(NOT_CHANGEABLE)
    job.is_resolved = is_resolved
    session.flush()


def input_file(job: Job, template_key: str) -> JobFile:
    """The job's input file for ``template_key``.

    Raises:
        NotFound: the job has no such file.
    """
    found = next((file for file in job.files if file.template_key == template_key), None)
    if found is None:
        raise NotFound(f"Job {job.id} has no input file {template_key!r}")
    return found


def output_file(job: Job, name: str) -> RunOutputFile:
    """The output file called ``name`` of the newest run that has one (runway-app.md §2.2).

    Raises:
        NotFound: no run of the job produced such a file.
    """
    for run in sorted(job.runs, key=lambda r: r.id, reverse=True):
        found = next((output for output in run.output_files if output.name == name), None)
        if found is not None:
            return found
    raise NotFound(f"Job {job.id} has no output file {name!r}")


def download_url(storage: Storage, key: str, file_name: str) -> str:
    """A signed GET URL for ``key`` (valid 1 h, saved as ``file_name``).

    Raises:
        NotFound: nothing is stored under ``key``.
    """
    if not storage.exists(key):
        raise NotFound(f"The file {file_name!r} is not in storage")
    return storage.signed_download_url(key, file_name=file_name, expires_in=DOWNLOAD_URL_TTL_SECONDS)


def check_note_text(text: str) -> str:
    """``text`` when it is 1 to 5000 characters and not only whitespace.

    Raises:
        BadRequest: otherwise.
    """
    if not text.strip():
        raise BadRequest("noteText must not be empty")
    if len(text) > MAX_NOTE_LENGTH:
        raise BadRequest(f"noteText must be at most {MAX_NOTE_LENGTH} characters (got {len(text)})")
    return text


def list_notes(session: Session, job: Job) -> list[JobNote]:
    """The job's notes, oldest first."""
    return list(
        session.scalars(select(JobNote).where(JobNote.job_id == job.id).order_by(JobNote.created_on, JobNote.id))
    )


def add_note(session: Session, job: Job, text: str) -> JobNote:
    """A new note on the job (the author is the ``acting_as`` user). Raises ``BadRequest`` (see ``check_note_text``)."""
    note = JobNote(job_id=job.id, note_text=check_note_text(text))
    session.add(note)
    session.flush()
    return note


def get_note(session: Session, job: Job, note_id: int) -> JobNote:
    """The job's note ``note_id``.

    Raises:
        NotFound: no such note on this job.
    """
    note = session.get(JobNote, note_id)
    if note is None or note.job_id != job.id:
        raise NotFound(f"Note {note_id} not found on job {job.id}")
    return note


def edit_note(session: Session, job: Job, note_id: int, text: str) -> JobNote:
    """Replace a note's text (the editor is the ``acting_as`` user). Raises ``NotFound``, ``BadRequest``."""
    note = get_note(session, job, note_id)
    note.note_text = check_note_text(text)
    session.flush()
    return note


def delete_note(session: Session, job: Job, note_id: int) -> None:
    """Delete a note for good. Raises ``NotFound``."""
    session.delete(get_note(session, job, note_id))
    session.flush()


# ---- JSON shapes ---------------------------------------------------------------------------------------


def _user_dto(session: Session, user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None:
        return None
    return {"id": user.id, "givenName": user.given_name, "familyName": user.family_name, "email": user.email}


def note_dto(session: Session, note: JobNote) -> dict[str, Any]:
    """``{id, jobId, noteText, createdOn, createdById, modifiedOn, modifiedById, createdBy, modifiedBy}``."""
    return {
        "id": note.id,
        "jobId": note.job_id,
        "noteText": note.note_text,
        "createdOn": _iso(note.created_on),
        "createdById": note.created_by_id,
        "modifiedOn": _iso(note.modified_on),
        "modifiedById": note.modified_by_id,
        "createdBy": _user_dto(session, note.created_by_id),
        "modifiedBy": _user_dto(session, note.modified_by_id),
    }


def run_dto(run: Run, *, detail: bool) -> dict[str, Any]:
    """A run: status, times, output file names; with ``detail`` also errors, updates and the summary."""
    result: dict[str, Any] = {
        "id": run.id,
        "status": run.status.value,
        "createdOn": _iso(run.created_on),
        "modifiedOn": _iso(run.modified_on),
        "createdById": run.created_by_id,
        "outputFiles": [output.name for output in run.output_files],
    }
    if detail:
        result["errors"] = [{"id": error.id, "code": error.code, "payload": error.payload} for error in run.errors]
        result["updates"] = [
            {"action": update.action, "status": update.status, "receivedAt": _iso(update.received_at)}
            for update in run.updates
        ]
        result["summary"] = run.summary
        result["resourceSummary"] = resource_summary(run.summary)
        result["unmatchedStudentsInfo"] = run.unmatched_students_info
    return result


def job_dto(session: Session, job: Job, *, detail: bool = False) -> dict[str, Any]:
    """A job with its derived status (computed here, runway-app.md §4.5), files and runs (newest last)."""
    year = session.get(SchoolYear, job.school_year_id)
    run = latest_run(job)
    status = job_status(job)
    return {
        "id": job.id,
        "uid": str(job.uid),
        "name": job.name,
        "schoolYearId": job.school_year_id,
        "schoolYear": None if year is None else {"id": year.id, "startYear": year.start_year, "endYear": year.end_year},
        "odsId": job.ods_id,
        "sendToOds": job.send_to_ods,
        "template": job.template,
        "inputParams": job.input_params,
        "isResolved": job.is_resolved,
        "status": status,
        "isStatusChangeable": status in {COMPLETE_WITH_ERRORS, RESOLVED},
        "isComplete": run is not None and run.status.value in {"success", "error"},
        "displayStartedOn": _iso(run.created_on) if run is not None else None,
        "createdOn": _iso(job.created_on),
        "createdBy": _user_dto(session, job.created_by_id),
        "files": [
            {
                "templateKey": file.template_key,
                "nameFromUser": file.name_from_user,
                "type": file.type,
                "status": file.status.value,
            }
            for file in job.files
        ],
        "runs": [run_dto(r, detail=detail) for r in sorted(job.runs, key=lambda r: r.id)],
    }


def enabled_templates(
    session: Session, catalog: BundleCatalog, partner_id: str, bundle_type: str
) -> list[dict[str, Any]]:
    """The partner's enabled bundles of ``bundle_type`` as templates, in registry order (runway-app.md §2.2)."""
    enabled = set(
        session.scalars(
            select(PartnerEarthmoverBundle.earthmover_bundle_key).where(
                PartnerEarthmoverBundle.partner_id == partner_id
            )
        )
    )
    return [dict(bundle_to_template(b)) for b in catalog.bundles(bundle_type) if b.key in enabled]


def school_years(session: Session) -> list[dict[str, Any]]:
    """Every school year as ``{id, startYear, endYear}``, newest first."""
    years = session.scalars(select(SchoolYear).order_by(SchoolYear.start_year.desc()))
    return [{"id": y.id, "startYear": y.start_year, "endYear": y.end_year} for y in years]
