"""A job's derived display status, computed from its latest run (runway-app.md §4.5)."""

from __future__ import annotations

from typing import Any

from runway.job.models import Job, Run, RunStatus

UNMATCHED_FILE = "input_no_student_id_match.csv"
COMPLETE_WITH_ERRORS = "complete with errors"
RESOLVED = "resolved"


def latest_run(job: Job) -> Run | None:
    """The job's newest run (highest id), or None."""
    return max(job.runs, key=lambda run: run.id, default=None)


def resource_summary(summary: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    """Per resource ``{success, skipped, failed}``: ``success = max(0, processed − skipped − failed)``."""
    result: dict[str, dict[str, int]] = {}
    for resource, counts in (summary or {}).items():
        if not isinstance(counts, dict):
            continue
        processed = int(counts.get("records_processed") or 0)
        skipped = int(counts.get("records_skipped") or 0)
        failed = int(counts.get("records_failed") or 0)
        result[resource] = {"success": max(0, processed - skipped - failed), "skipped": skipped, "failed": failed}
    return result


def completed_with_errors(job: Job, run: Run) -> bool:
    """A ``success`` run with an unmatched-students file, or failures in a resource the template reports."""
    if run.status != RunStatus.success:
        return False
    if any(output.name == UNMATCHED_FILE for output in run.output_files):
        return True
    reported = set((job.template or {}).get("reportResources") or [])
    return any(counts["failed"] > 0 for name, counts in resource_summary(run.summary).items() if name in reported)


def job_status(job: Job) -> str | None:
    """None without runs; ``resolved`` when resolved; ``complete with errors``; else the run status (§4.5)."""
    run = latest_run(job)
    if run is None:
        return None
    if job.is_resolved:
        return RESOLVED
    if completed_with_errors(job, run):
        return COMPLETE_WITH_ERRORS
    return run.status.value
