"""The executor callback routes under ``/api/earthbeam`` (runway-app.md §2.3; docs/executor-contract.md).

Each route checks the token (``runway.executor_api.auth``), loads the run (404), calls the service, and
commits. Writes answer 201 with an empty body, as the executor expects.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request, Response

from runway.errors import Conflict
from runway.executor_api import service
from runway.executor_api.auth import AccessRunId, InitRunId
from runway.executor_api.payload import build_job_payload, executor_base_url
from runway.executor_api.schemas import ErrorBody, OutputFilesBody, StatusBody, UnmatchedIdsBody, UploadUrlBody
from runway.executor_api.tokens import ExecutorTokens
from runway.web.deps import SessionDep, SettingsDep, StorageDep

router = APIRouter(prefix="/api/earthbeam")
JOB = "/jobs/{runId}"


def _created() -> Response:
    return Response(status_code=201)


@router.get("/auth/{runId}/init")
def init(run_id: InitRunId, request: Request, session: SessionDep, settings: SettingsDep) -> dict[str, str]:
    """A: trade the single-use init token for an access token; the run becomes ``running``."""
    service.claim_run(session, run_id)
    session.commit()
    tokens: ExecutorTokens = request.app.state.executor_tokens
    return {"token": tokens.mint(run_id, "access"), "jobUrl": executor_base_url(settings, run_id)}


@router.get(JOB)
def job_payload(
    run_id: AccessRunId, request: Request, session: SessionDep, settings: SettingsDep, storage: StorageDep
) -> dict[str, Any]:
    """B: the job payload."""
    run = service.get_run(session, run_id)
    return build_job_payload(session, run, settings=settings, storage=storage, keyring=request.app.state.keyring)


@router.get(f"{JOB}/roster")
def roster(run_id: AccessRunId, session: SessionDep) -> Response:
    """C: the cross-year roster; cross-year matching is not available in Runway yet, so always 409."""
    service.get_run(session, run_id)
    raise Conflict("Cross-year matching is not enabled for this partner")


@router.post(f"{JOB}/status", status_code=201)
def status(run_id: AccessRunId, body: StatusBody, session: SessionDep, storage: StorageDep) -> Response:
    """D: record progress; ``done`` completes the run. A repeated update is accepted and changes nothing."""
    run = service.get_run(session, run_id)
    service.record_status(session, run, body.action, body.status, storage)
    session.commit()
    return _created()


@router.post(f"{JOB}/error", status_code=201)
def error(run_id: AccessRunId, body: ErrorBody, session: SessionDep) -> Response:
    """E: record the run's error."""
    run = service.get_run(session, run_id)
    service.record_error(session, run, body.code, body.payload)
    session.commit()
    return _created()


@router.post(f"{JOB}/summary", status_code=201)
def summary(run_id: AccessRunId, session: SessionDep, body: Any = Body(default=None)) -> Response:  # noqa: B008
    """F: store the per-resource summary (when the body is truthy)."""
    run = service.get_run(session, run_id)
    service.record_summary(run, body)
    session.commit()
    return _created()


@router.post(f"{JOB}/unmatched-ids", status_code=201)
def unmatched_ids(run_id: AccessRunId, body: UnmatchedIdsBody, session: SessionDep) -> Response:
    """G: store the unmatched-students info."""
    run = service.get_run(session, run_id)
    service.record_unmatched(run, body.model_dump(exclude_none=True))
    session.commit()
    return _created()


@router.post(f"{JOB}/output-files", status_code=201)
def output_files(
    run_id: AccessRunId, body: OutputFilesBody, session: SessionDep, storage: StorageDep
) -> dict[str, str]:
    """H: record an output set; 201 ``{uid}``."""
    run = service.get_run(session, run_id)
    uid = service.register_output_set(session, run, body.path, body.sentToOds, storage)
    session.commit()
    return {"uid": str(uid)}


@router.post(f"{JOB}/upload-url", status_code=201)
def upload_url(
    run_id: AccessRunId, body: UploadUrlBody, session: SessionDep, settings: SettingsDep, storage: StorageDep
) -> dict[str, str]:
    """Runway addition: a signed upload URL for a path relative to the run's output folder."""
    run = service.get_run(session, run_id)
    key = service.output_key(run, body.path)
    url = storage.signed_upload_url(key, content_type=body.contentType, max_bytes=settings.max_output_bytes)
    return {"url": url, "key": key, "path": key[len(service.output_prefix(run)) :]}
