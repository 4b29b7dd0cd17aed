"""Executor error codes, their payload fields, and what to tell the user about each.

Sources:

* ``executor.md`` §1.11 (error model): the codes, each code's payload fields, ``to_json()`` =
  ``{"code", "payload": {"stacktrace": <last 6144 bytes>, ...fields}}``, and the app's 8 KB limit on
  error bodies.
* ``runway-app.md`` §4.6 (errors shown to users): the gist of each message. The original app has no
  message for ``executor_timeout``, ``invalid_job`` and ``cross_year_roster_fetch``; here every code has one.
* Added by Runway (not in the original): ``executor_lost`` (the app's reaper, :mod:`runway.job.reaper`),
  ``input_file_empty``, ``input_file_not_text`` (raised by
  :mod:`runway.executor.encoding` and :mod:`runway.executor.matching`) and ``no_student_id_column``
  (:mod:`runway.executor.matching`). The original reported those cases as ``earthmover_run`` or
  ``insufficient_matches``, which told the user nothing about what was wrong with the file.

Payloads arrive from another process and are not validated by the app, so :func:`describe` accepts
anything and never returns an empty string.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "CODES",
    "MAX_BODY_BYTES",
    "NOT_TEXT_KINDS",
    "STACKTRACE_BYTES",
    "ErrorCode",
    "ExecutorError",
    "Explanation",
    "describe",
    "explain",
    "id_type_words",
    "stacktrace_tail",
]

#: The tail of the traceback kept in ``payload.stacktrace`` (executor.md §1.11).
STACKTRACE_BYTES = 6144
#: The app rejects error bodies larger than this (executor.md §1.11, runway-app.md §2.3 E).
MAX_BODY_BYTES = 8192

Payload = Mapping[str, Any]


@dataclass(frozen=True)
class ErrorCode:
    """One error code: its payload fields and the words shown to the user."""

    code: str
    #: Payload fields besides ``stacktrace``, which every error carries.
    fields: tuple[str, ...]
    #: A short headline, no final full stop, e.g. "Could not transform the uploaded file".
    title: str
    #: The explanation and what to do: fixed text, or built from the payload (coping with missing or
    #: odd fields).
    detail: str | Callable[[Payload], str]
    #: When the executor raises it.
    raised_when: str
    #: Where the code comes from.
    source: str = "executor.md §1.11"


_CONTACT = "If it keeps happening, contact support and include the details below."
_NOT_YOUR_FILE = "This is a problem on Runway's side, not with your file."


def _text(payload: Payload, key: str, default: str) -> str:
    """``payload[key]`` as display text, or ``default`` when missing, blank or not a plain value."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
        return default
    return str(value).strip()


def _number(payload: Payload, key: str) -> float | None:
    value = payload.get(key)
    if isinstance(value, bool):
        return None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _percent(payload: Payload, key: str) -> str | None:
    """A 0–1 rate as a percentage to one decimal (runway-app.md §4.6), e.g. ``0.4`` → ``"40.0%"``."""
    value = _number(payload, key)
    return None if value is None else f"{value * 100:.1f}%"


def _duration(payload: Payload, key: str) -> str:
    seconds = _number(payload, key)
    if seconds is None or seconds <= 0:
        return "the time limit"
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds >= 60:
        minutes = round(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{int(seconds)} seconds"


def id_type_words(id_type: str) -> str:
    """How an Ed-Fi ID type reads in a sentence: ``"State"`` → ``"State IDs"``.

    ``studentUniqueId`` is Ed-Fi's own key, so it is named as such.
    """
    if id_type == "studentUniqueId":
        return "Ed-Fi student unique IDs (studentUniqueId)"
    return f"{id_type} IDs"


def _insufficient_matches(payload: Payload) -> str:
    rate = _percent(payload, "match_rate")
    # The first pass's REQUIRED_ID_MATCH_RATE (executor.md §1.2) when the payload lacks it.
    threshold = _percent(payload, "match_threshold") or "50.0%"
    column = _text(payload, "id_name", "N/A")
    id_type = _text(payload, "id_type", "N/A")
    advice = (
        "Nothing was sent to Ed-Fi. Check that this is the right file for this school year and district, "
        "and that the vendor exported it with the students' IDs. If the IDs are right, the students may be "
        "missing from the Ed-Fi roster: ask your Ed-Fi administrator."
    )
    if column == "N/A" or id_type == "N/A":
        return (
            f"None of the student IDs in the file matched a student in the Ed-Fi roster "
            f"(at least {threshold} must match). {advice}"
        )
    ids = f'the student IDs in column "{column}" matched {id_type_words(id_type)} in Ed-Fi'
    if rate is None:
        return f"Too few of {ids} (at least {threshold} must match). {advice}"
    return f"Only {rate} of {ids}, below the required threshold of {threshold}. {advice}"


def _artifact(problem: str) -> Callable[[Payload], str]:
    def detail(payload: Payload) -> str:
        name = _text(payload, "name", "a result file")
        path = _text(payload, "path", "an unknown location")
        return f"Runway could not save {name} ({path}): {problem}. {_NOT_YOUR_FILE} Try again. {_CONTACT}"

    return detail


#: How each ``input_file_not_text`` kind is described.
NOT_TEXT_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "xlsx": "is an Excel workbook (.xlsx), not a text file",
        "xls": "is an Excel 97-2003 workbook (.xls) or another Office document, not a text file",
        "zip": "is a ZIP archive, not a text file",
        "gzip": "is a compressed (gzip) file, not a text file",
        "pdf": "is a PDF document, not a text file",
        "binary": "does not contain text: it looks like a binary file",
        "damaged": "is marked as Unicode (UTF-16 or UTF-32) text but is damaged or cut short",
    }
)


def _not_text(payload: Payload) -> str:
    name = _text(payload, "name", "The uploaded file")
    kind = NOT_TEXT_KINDS.get(_text(payload, "kind", "binary"), NOT_TEXT_KINDS["binary"])
    return (
        f"{name} {kind}. Runway reads the CSV or text file exactly as the vendor exports it. Download the "
        'CSV export from the vendor\'s site (or, for a workbook, use Save As "CSV UTF-8") and upload that file.'
    )


def _columns(payload: Payload) -> str:
    value = payload.get("columns")
    if isinstance(value, list | tuple) and value:
        return ", ".join(f'"{column}"' for column in value)
    return "the expected student ID columns"


_CODES: tuple[ErrorCode, ...] = (
    ErrorCode(
        "unknown",
        (),
        "Something went wrong while processing this file",
        f"Runway stopped because of an unexpected problem. Start the job again. {_CONTACT}",
        "any unclassified exception",
    ),
    ErrorCode(
        "executor_timeout",
        ("timeout_seconds",),
        "Processing took too long",
        lambda p: (
            f"The run was stopped after {_duration(p, 'timeout_seconds')}, its time limit. Very large files take "
            f"longer: try again, or split the file into smaller files. {_CONTACT}"
        ),
        "the run's time limit (TIMEOUT_SECONDS, SIGALRM) expired",
    ),
    ErrorCode(
        "invalid_job",
        ("message",),
        "The job was not set up correctly",
        lambda p: (
            "Runway could not start because the job is incomplete"
            f" ({_text(p, 'message', 'no further details')}). Create the job again. {_CONTACT}"
        ),
        "the job payload misses a required key or the INPUT_FILE input",
    ),
    ErrorCode(
        "bundle_git_pull",
        (),
        "Could not update the assessment's transformation code",
        f"Runway could not fetch the assessment bundle. {_NOT_YOUR_FILE} Try again later. {_CONTACT}",
        "git fetch, checkout or pull of the bundles repository failed",
    ),
    ErrorCode(
        "earthmover_deps",
        (),
        "Could not prepare the assessment's transformation",
        (
            f"Runway could not install the assessment bundle and its packages. {_NOT_YOUR_FILE} "
            f"Try again later. {_CONTACT}"
        ),
        "`earthmover deps` exited non-zero",
    ),
    ErrorCode(
        "lightbeam_fetch",
        ("resource",),
        "Could not read the student roster from Ed-Fi",
        lambda p: (
            f"Runway could not fetch {_text(p, 'resource', 'the student roster')} from your Ed-Fi API; it needs "
            "them to match the students in your file. Check that this school year's Ed-Fi connection works "
            "(URL, key and secret) and that the API is up, then try again."
        ),
        "the roster's `lightbeam fetch` exited non-zero",
    ),
    ErrorCode(
        "missing_ods_roster",
        (),
        "No student roster found in Ed-Fi",
        (
            "Runway matches the students in your file against the school year's Ed-Fi roster "
            "(studentEducationOrganizationAssociations), and that roster is empty. A roster is required: "
            "ask your district's Ed-Fi administrator to load this school year's student enrollments, then try again."
        ),
        "the roster file is missing or empty",
    ),
    ErrorCode(
        "cross_year_roster_fetch",
        (),
        "Could not get the roster of other school years",
        (
            "Runway could not download the roster it uses to match students enrolled in other school years. "
            f"{_NOT_YOUR_FILE} Try again later. {_CONTACT}"
        ),
        "the cross-year roster stream failed or was empty",
    ),
    ErrorCode(
        "input_s3_download",
        ("name", "path"),
        "Could not download the uploaded file",
        lambda p: (
            f"Runway could not read {_text(p, 'name', 'an input file')} ({_text(p, 'path', 'unknown location')}) "
            f"from storage. Upload the file again in a new job. {_CONTACT}"
        ),
        "downloading an input file or the roster from storage failed",
    ),
    ErrorCode(
        "earthmover_run",
        (),
        "Could not transform the uploaded file",
        (
            "The file could not be converted to Ed-Fi data. Check that you chose the right assessment for this "
            "file, and upload the file exactly as the vendor exported it: opening and saving it in Excel can "
            "change dates, IDs and columns. The details below say what failed."
        ),
        "earthmover compile or run failed (after the encoding retry)",
    ),
    ErrorCode(
        "insufficient_matches",
        ("match_rate", "match_threshold", "id_name", "id_type"),
        "Too few students matched the Ed-Fi roster",
        _insufficient_matches,
        "the best (column, ID type) match rate is below the threshold (executor.md §1.8)",
    ),
    ErrorCode(
        "lightbeam_send",
        (),
        "Could not send the data to Ed-Fi",
        (
            "The file was transformed, but the Ed-Fi API refused the records or could not be reached. When every "
            "record fails, the usual cause is a descriptor or namespace that the Ed-Fi API does not know: check the "
            f"descriptor mappings and the Ed-Fi connection, then try again. {_CONTACT}"
        ),
        "lightbeam send exited non-zero, or every record failed",
    ),
    ErrorCode(
        "artifact_not_found",
        ("name", "path"),
        "Could not save a result file",
        _artifact("the file was not there"),
        "an artifact to upload does not exist",
    ),
    ErrorCode(
        "artifact_empty",
        ("name", "path"),
        "Could not save a result file",
        _artifact("the file was empty"),
        "an artifact to upload is empty",
    ),
    ErrorCode(
        "artifact_s3_upload",
        ("name", "path"),
        "Could not save a result file",
        _artifact("the upload to storage failed"),
        "uploading an artifact or output file to storage failed",
    ),
    ErrorCode(
        "failed_to_start_executor",
        (),
        "Could not start processing",
        f"Runway could not start processing this job; nothing was run. Start it again in a few minutes. {_CONTACT}",
        "the app could not launch the executor (app-side, runway-app.md §4.3)",
        source="runway-app.md §4.3",
    ),
    ErrorCode(
        "executor_lost",
        ("reason",),
        "Processing stopped unexpectedly",
        lambda p: (
            "Runway lost track of the process handling this job: it stopped without reporting, or never started "
            f"({_text(p, 'reason', 'no further details')}). Nothing more will happen for this run; start the job "
            f"again. {_CONTACT}"
        ),
        "the app's reaper gave up on a run whose executor never called init or stopped reporting",
        source="Runway (added)",
    ),
    ErrorCode(
        "input_file_empty",
        ("name",),
        "The uploaded file has no student rows",
        lambda p: (
            f"{_text(p, 'name', 'The uploaded file')} is empty or has only a header line. Export the results "
            "again from the vendor, check that the export includes students, and upload that file."
        ),
        "an input file has no bytes, only whitespace, or no data rows",
        source="Runway (added)",
    ),
    ErrorCode(
        "input_file_not_text",
        ("name", "kind"),
        "The uploaded file is not a text file",
        _not_text,
        "an input file is binary (Excel, PDF, archive...) or damaged Unicode text",
        source="Runway (added)",
    ),
    ErrorCode(
        "no_student_id_column",
        ("name", "columns"),
        "No student ID column found in the file",
        lambda p: (
            f"{_text(p, 'name', 'The uploaded file')} has none of the columns in which this assessment's files "
            f"hold student IDs ({_columns(p)}). Check that you chose the right assessment for this file and that "
            "its header row is the vendor's original."
        ),
        "none of the bundle's POSSIBLE_STUDENT_ID_COLUMNS is in the input's header",
        source="Runway (added)",
    ),
)

#: Every code Runway reports, by code.
CODES: Mapping[str, ErrorCode] = MappingProxyType({spec.code: spec for spec in _CODES})


@dataclass(frozen=True)
class Explanation:
    """What the user sees for one error: a headline and the explanation with what to do."""

    title: str
    detail: str


def _render(spec: ErrorCode, payload: Payload) -> str:
    if isinstance(spec.detail, str):
        return spec.detail
    try:
        return spec.detail(payload).strip()
    except Exception:  # a message must never hide the error behind a second one
        return ""


def explain(code: str, payload: Payload | None) -> Explanation:
    """The headline and detail for ``code``; unknown codes get the ``unknown`` wording plus the code.

    Never raises and never returns blank text, whatever ``payload`` holds (it comes from another
    process unvalidated, runway-app.md §2.3 E).
    """
    safe_payload: Payload = payload if isinstance(payload, Mapping) else {}
    spec = CODES.get(code)
    if spec is None:
        fallback = CODES["unknown"]
        label = str(code).strip() or "no code"
        return Explanation(fallback.title, f"{_render(fallback, safe_payload)} (Error code: {label}.)")
    return Explanation(spec.title, _render(spec, safe_payload) or _render(CODES["unknown"], {}))


def describe(code: str, payload: Payload | None) -> str:
    """One plain-language paragraph for an error: ``"<title>. <detail>"``. Never blank."""
    explanation = explain(code, payload)
    return f"{explanation.title}. {explanation.detail}"


def stacktrace_tail(text: str, limit_bytes: int = STACKTRACE_BYTES) -> str:
    """The last ``limit_bytes`` bytes of ``text`` in UTF-8, never splitting a character (executor.md §1.11)."""
    if limit_bytes <= 0:
        return ""
    data = text.encode("utf-8", errors="replace")
    if len(data) <= limit_bytes:
        return text
    # A cut inside a multi-byte character leaves continuation bytes at the start: drop them.
    return data[-limit_bytes:].decode("utf-8", errors="ignore")


def _json_tail(text: str, budget: int) -> str:
    """The longest end of ``text`` whose JSON-escaped form takes at most ``budget`` bytes."""
    used = 0
    start = len(text)
    while start > 0:
        cost = len(json.dumps(text[start - 1])) - 2
        if used + cost > budget:
            break
        used += cost
        start -= 1
    return text[start:]


class ExecutorError(Exception):
    """A classified executor failure: a code from :data:`CODES` and its payload fields.

    Raises ``ValueError`` at construction for an unknown code or when the payload's fields are not
    exactly the code's :attr:`ErrorCode.fields`, so a report can never miss a field the app shows.
    """

    def __init__(self, code: str, **payload: Any) -> None:
        spec = CODES.get(code)
        if spec is None:
            raise ValueError(f"unknown executor error code {code!r}")
        if set(payload) != set(spec.fields):
            raise ValueError(f"error {code!r} takes payload fields {list(spec.fields)}, got {sorted(payload)}")
        self.code = code
        self.payload: dict[str, Any] = dict(payload)
        super().__init__(describe(code, payload))

    def to_json(self, stacktrace: str = "") -> dict[str, Any]:
        """The body POSTed to the app's error callback: ``{"code", "payload": {"stacktrace", ...fields}}``.

        The stack trace keeps its last 6144 bytes, and is shortened further if needed so that the whole
        body, JSON-encoded, stays within the app's 8 KB limit (executor.md §1.11).
        """
        tail = stacktrace_tail(stacktrace)
        payload: dict[str, Any] = {"stacktrace": tail, **self.payload}
        excess = len(json.dumps({"code": self.code, "payload": payload}).encode("utf-8")) - MAX_BODY_BYTES
        if excess > 0:
            payload["stacktrace"] = _json_tail(tail, len(json.dumps(tail)) - 2 - excess)
        return {"code": self.code, "payload": payload}
