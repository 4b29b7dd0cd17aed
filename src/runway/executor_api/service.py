"""What the executor callbacks do to the database (runway-app.md §2.3 A, D–H). Functions take a session,
flush, and never commit: the route owns the transaction.

Deviations from the original, closing runway-app.md §12 gaps: a repeated (action, status) update is a
no-op instead of a 500; completing a run again re-syncs ``run_output_file`` instead of duplicating rows;
output-set paths must also be safe storage keys (no ``..`` segments).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runway.errors import BadRequest, Conflict, NotFound
from runway.executor_api.tokens import InvalidToken
from runway.job.models import Run, RunError, RunOutputFile, RunOutputFileSet, RunStatus, RunUpdate
from runway.storage.keys import InvalidKey, check_key
from runway.storage.local import LocalStorage

DONE_ACTION = "done"


def get_run(session: Session, run_id: int) -> Run:
    """The run. Raises ``NotFound`` (404 ``Run <id> not found``)."""
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"Run {run_id} not found")
    return run


def claim_run(session: Session, run_id: int) -> Run:
    """The init handshake (§2.3 A): atomically move the run from ``new`` to ``running``.

    Raises:
        NotFound: no such run.
        InvalidToken: the run is not ``new`` (its init token was already used).
    """
    result = session.execute(
        update(Run).where(Run.id == run_id, Run.status == RunStatus.new).values(status=RunStatus.running)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        get_run(session, run_id)
        raise InvalidToken()
    run = get_run(session, run_id)
    session.refresh(run)
    return run


def output_prefix(run: Run) -> str:
    """``<file_base_path>/output/<runId>/``: where the run's outputs and artifacts live in storage.

    Each run has its own folder so a re-run never lists (or overwrites) an earlier run's files.
    """
    return f"{run.job.file_base_path}/output/{run.id}/"


def output_key(run: Run, relative_path: str) -> str:
    """The storage key of ``relative_path`` under the run's output folder.

    Raises:
        InvalidKey: the relative path is absolute or has empty, ``.`` or ``..`` segments (400).
    """
    return check_key(output_prefix(run) + check_key(relative_path))


def record_status(session: Session, run: Run, action: str, status: str, storage: LocalStorage) -> bool:
    """Store an (action, status) update (§2.3 D); ``done`` completes the run. Returns False when this exact
    pair was already recorded (nothing changes then)."""
    if session.get(RunUpdate, (run.id, action, status)) is not None:
        return False
    session.add(RunUpdate(run_id=run.id, action=action, status=status))
    session.flush()
    if action == DONE_ACTION:
        complete_run(session, run, success=status == "success", storage=storage)
    return True


def complete_run(session: Session, run: Run, *, success: bool, storage: LocalStorage) -> None:
    """Set the final status and make ``run_output_file`` mirror the files under the output folder (§2.3 D,
    §4.7); names are relative to it, e.g. ``ods/studentAssessments.jsonl``. Safe to call twice."""
    run.status = RunStatus.success if success else RunStatus.error
    prefix = output_prefix(run)
    listed = {key[len(prefix) :]: key for key in storage.list(prefix)}
    existing = {row.name: row for row in run.output_files}
    for name, row in existing.items():
        if name not in listed:
            session.delete(row)
    for name, key in listed.items():
        if name not in existing:
            session.add(RunOutputFile(run_id=run.id, name=name, path=key))
    session.flush()


def record_error(session: Session, run: Run, code: str, payload: Any) -> None:
    """Store an error the executor reports (§2.3 E); ``payload`` is kept as sent."""
    session.add(RunError(run_id=run.id, code=code, payload=payload))
    session.flush()


def record_summary(run: Run, summary: Any) -> None:
    """Store ``summary`` on the run when it is truthy (§2.3 F); ``{resource: {records_processed, …}}``."""
    if summary:
        run.summary = summary


def record_unmatched(run: Run, info: dict[str, Any]) -> None:
    """Store ``{name, type, count?}`` as the run's unmatched-students info (§2.3 G)."""
    run.unmatched_students_info = info


def register_output_set(session: Session, run: Run, path: str, sent_to_ods: bool, storage: LocalStorage) -> uuid.UUID:
    """Record an output set (§2.3 H) and return its uid.

    Raises:
        BadRequest: ``path`` (trailing slashes removed) is not strictly under ``<file_base_path>/`` (siblings
            sharing the prefix and the base path itself included), is not a safe key, or holds no files.
        Conflict: the run already has a set at this path.
    """
    path = path.rstrip("/")
    base = run.job.file_base_path
    if not base or not path.startswith(f"{base}/"):
        raise BadRequest(f"Output path {path!r} is not inside the job's folder {base}/")
    try:
        check_key(path)
    except InvalidKey:
        raise BadRequest(f"Output path {path!r} is not a valid storage path") from None
    keys = storage.list(f"{path}/")
    if not keys:
        raise BadRequest(f"No files found under output path {path}/")
    duplicate = session.scalar(
        select(RunOutputFileSet.uid).where(RunOutputFileSet.run_id == run.id, RunOutputFileSet.path == path)
    )
    if duplicate is not None:
        raise Conflict(f"Output files at {path} were already reported for run {run.id}")
    file_set = RunOutputFileSet(
        run_id=run.id, path=path, sent_to_ods=sent_to_ods, files=[key[len(path) + 1 :] for key in keys]
    )
    session.add(file_set)
    session.flush()
    return file_set.uid
