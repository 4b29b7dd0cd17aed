"""Starting runs of a job (runway-app.md §4.3, §4.4).

Starting is two steps with a commit between, because the executor may call back (init) as soon as it is
launched and must find the run committed:

1. ``create_run(session, job)`` checks the job can start and inserts a ``new`` run; the caller commits.
2. ``launch_run(session, run, launcher, tokens, settings)`` mints the init token and launches; when the
   launch raises, the run becomes ``error`` with ``failed_to_start_executor`` and ``done``/``failure``
   (§4.3). The caller commits again and answers 500 when it returns False.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.errors import BadRequest
from runway.executor_api.tokens import ExecutorTokens
from runway.job.models import FileStatus, Job, Run, RunError, RunStatus, RunUpdate
from runway.launch.base import Launcher
from runway.settings import Settings

logger = logging.getLogger(__name__)

FAILED_TO_START = "failed_to_start_executor"


class JobInProgress(BadRequest):
    """The job has a ``new`` or ``running`` run (400 ``Job already in progress``; §4.3 JOB_IN_PROGRESS)."""

    def __init__(self) -> None:
        super().__init__("Job already in progress")


class JobConfigIncomplete(BadRequest):
    """A required input file is missing or not uploaded (400; §4.3 JOB_CONFIG_INCOMPLETE)."""


def create_run(session: Session, job: Job) -> Run:
    """Insert a ``new`` run of ``job`` (the audit user is whoever ``acting_as`` names) and flush.

    Raises:
        JobInProgress: a run of the job is ``new`` or ``running``.
        JobConfigIncomplete: a file the template requires is missing, or some file is not ``upload_complete``.
    """
    active = session.scalar(
        select(Run.id).where(Run.job_id == job.id, Run.status.in_([RunStatus.new, RunStatus.running])).limit(1)
    )
    if active is not None:
        raise JobInProgress()
    present = {file.template_key for file in job.files}
    required = [
        entry["templateKey"] for entry in (job.template or {}).get("files") or [] if entry.get("isRequired", True)
    ]
    missing = [key for key in required if key not in present]
    if missing:
        raise JobConfigIncomplete(f"Job configuration incomplete: missing input file(s) {', '.join(missing)}")
    pending = [file.template_key for file in job.files if file.status != FileStatus.upload_complete]
    if pending:
        raise JobConfigIncomplete(f"Job configuration incomplete: upload not complete for {', '.join(pending)}")
    run = Run(job=job, status=RunStatus.new)
    session.add(run)
    session.flush()
    return run


def init_url(settings: Settings, run_id: int) -> str:
    """``<base>/api/earthbeam/auth/<runId>/init`` (executor.md §1.2 ``INIT_JOB_URL``)."""
    return f"{settings.base_url}/api/earthbeam/auth/{run_id}/init"


def launch_run(session: Session, run: Run, launcher: Launcher, tokens: ExecutorTokens, settings: Settings) -> bool:
    """Launch the executor of a committed ``new`` run; True when it started.

    On a launch exception (logged): ``run.status = error``, a ``run_error`` ``failed_to_start_executor``
    with ``{"stacktrace": "stacktrace unavailable"}`` and the update ``done``/``failure`` (§4.3); False.
    """
    try:
        launcher.launch(run.id, init_url(settings, run.id), tokens.mint(run.id, "init"))
    except Exception:
        logger.exception("Could not start the executor of run %s", run.id)
        run.status = RunStatus.error
        session.add(RunError(run_id=run.id, code=FAILED_TO_START, payload={"stacktrace": "stacktrace unavailable"}))
        session.add(RunUpdate(run_id=run.id, action="done", status="failure"))
        session.flush()
        return False
    return True


def start_job(session: Session, job: Job, launcher: Launcher, tokens: ExecutorTokens, settings: Settings) -> Run:
    """Start a run of ``job`` (runway-app.md §4.3): create it, commit, launch, commit; returns the run.

    The run is ``new`` when the executor started (or was queued), ``error`` with ``failed_to_start_executor``
    when the launch failed (the caller answers 500 then).

    Raises:
        JobInProgress: a run of the job is ``new`` or ``running``.
        JobConfigIncomplete: an input file is missing or not uploaded.
    """
    run = create_run(session, job)
    session.commit()
    launch_run(session, run, launcher, tokens, settings)
    session.commit()
    return run
