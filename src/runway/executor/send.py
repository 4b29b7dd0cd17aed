"""Send earthmover's output to the Ed-Fi API with the real ``lightbeam send``; summarise the results.

executor.md §1.9-1.10 and §3.4. Differences from the original:

* The lightbeam state dir (hashlog) is emptied before every send, so a re-run of the same run sends
  everything again (the API upserts, answering 200) instead of silently skipping "already sent" records
  with exit code 99 (executor.md §7).
* lightbeam's exit code alone does not fail the run: exit 1 means every record failed, which the results
  file shows too, and a partial failure is reported per resource in the summary, as in the original.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runway.executor import lightbeam
from runway.executor.errors import ExecutorError
from runway.executor.fetch import write_lightbeam_config
from runway.executor.runspec import OdsConnection
from runway.executor.tooloutput import ToolFailed, readable_message
from runway.executor.workspace import RunWorkspace

__all__ = ["COUNT_KEYS", "OutputSet", "SendResult", "output_set", "send_output", "summarise"]

#: The per-resource counts the summary keeps (executor.md §1.10).
COUNT_KEYS = ("records_processed", "records_skipped", "records_failed")
SEND_TIMEOUT = 3600.0

Summary = dict[str, dict[str, int]]


@dataclass(frozen=True)
class OutputSet:
    """Files to upload as one output set (executor.md §1.10): the non-empty ``*.jsonl`` of a directory."""

    #: ``"ods"`` (sent to the ODS) or ``"non-ods"``.
    name: str
    directory: Path
    files: tuple[Path, ...]
    sent_to_ods: bool


def output_set(directory: Path, *, sent_to_ods: bool = True) -> OutputSet:
    """The non-empty JSONL files of ``directory``, sorted by name (empty ones are never uploaded, §1.5 step 12)."""
    files = tuple(p for p in sorted(directory.glob("*.jsonl")) if p.is_file() and p.stat().st_size > 0)
    return OutputSet("ods" if sent_to_ods else "non-ods", directory, files, sent_to_ods)


@dataclass(frozen=True)
class SendResult:
    """The outcome of one ``lightbeam send``."""

    returncode: int
    #: ``{resource: {records_processed, records_skipped, records_failed}}``.
    summary: Summary
    #: lightbeam's results file, copied to the workspace's results dir.
    results_file: Path
    #: lightbeam's results document as parsed.
    results: dict[str, Any]


def summarise(results: dict[str, Any]) -> Summary:
    """``{resource: {records_processed, records_skipped, records_failed}}`` from lightbeam's results document.

    Missing or non-integer counts read as 0.
    """
    resources = results.get("resources") or {}
    summary: Summary = {}
    for resource, entry in resources.items():
        counts = entry if isinstance(entry, dict) else {}
        summary[resource] = {key: counts[key] if isinstance(counts.get(key), int) else 0 for key in COUNT_KEYS}
    return summary


def _all_failed(summary: Summary) -> bool:
    """The original's guard (§1.9): every resource has ``processed == failed`` (true when there are none)."""
    return all(counts["records_processed"] == counts["records_failed"] for counts in summary.values())


def send_output(workspace: RunWorkspace, ods: OdsConnection, *, data_dir: Path | None = None) -> SendResult:
    """``lightbeam send --results-file`` of ``data_dir`` (default: the workspace's output dir) to ``ods``.

    Returns:
        The summary and results; a partial failure is not an error.

    Raises:
        ExecutorError: ``lightbeam_send`` when lightbeam wrote no results (it could not start: API unreachable,
            credentials refused) or every record of every resource failed. The cause is a :class:`ToolFailed`
            with lightbeam's message, or with the first failure messages of the results file.
    """
    data = data_dir or workspace.output_dir
    RunWorkspace.reset_dir(workspace.lightbeam_state_dir)
    config = write_lightbeam_config(workspace, ods, data_dir=data)
    sent = lightbeam.run(config, "send", timeout=SEND_TIMEOUT)
    source = workspace.lightbeam_dir / "results-send.json"
    if sent.results is None or not source.is_file():
        raise ExecutorError("lightbeam_send") from ToolFailed(
            f"lightbeam send failed (exit code {sent.returncode}): {readable_message(sent.output)}", sent.output[-6000:]
        )
    shutil.copyfile(source, workspace.lb_send_results)
    summary = summarise(sent.results)
    if _all_failed(summary):
        raise ExecutorError("lightbeam_send") from ToolFailed(
            f"all output data failed to send: {_failure_messages(sent.results)}", sent.output[-6000:]
        )
    return SendResult(sent.returncode, summary, workspace.lb_send_results, sent.results)


def _failure_messages(results: dict[str, Any], limit: int = 5) -> str:
    """The first failure messages of a results document, e.g. ``studentAssessments: 409: ... (4 records)``."""
    messages = []
    for resource, entry in (results.get("resources") or {}).items():
        for failure in (entry or {}).get("failures") or []:
            messages.append(f"{resource}: {failure.get('message')} ({failure.get('count')} records)")
    if not messages:
        return "no records were sent"
    return "; ".join(messages[:limit]) + (f"; and {len(messages) - limit} more" if len(messages) > limit else "")


def read_results(path: Path) -> dict[str, Any]:
    """A results JSON file (earthmover's or lightbeam's) as a dict; ``{}`` when missing or unreadable."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
