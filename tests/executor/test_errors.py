"""Executor error codes: the reference's codes and payload fields, a message for each, the 8 KB body limit."""

from __future__ import annotations

import json
import re

import pytest

from runway.executor.errors import (
    CODES,
    MAX_BODY_BYTES,
    NOT_TEXT_KINDS,
    ExecutorError,
    describe,
    explain,
    stacktrace_tail,
)

#: executor.md §1.11: code → extra payload fields (besides stacktrace).
REFERENCE_CODES = {
    "unknown": (),
    "executor_timeout": ("timeout_seconds",),
    "invalid_job": ("message",),
    "bundle_git_pull": (),
    "earthmover_deps": (),
    "lightbeam_fetch": ("resource",),
    "missing_ods_roster": (),
    "cross_year_roster_fetch": (),
    "input_s3_download": ("name", "path"),
    "earthmover_run": (),
    "insufficient_matches": ("match_rate", "match_threshold", "id_name", "id_type"),
    "lightbeam_send": (),
    "artifact_not_found": ("name", "path"),
    "artifact_empty": ("name", "path"),
    "artifact_s3_upload": ("name", "path"),
}

EXAMPLE_VALUES = {
    "timeout_seconds": 3600,
    "message": "job is missing required value: appUrls",
    "resource": "studentEducationOrganizationAssociations",
    "name": "INPUT_FILE__scores.csv",
    "path": "p/t/1/9/input/INPUT_FILE__scores.csv",
    "match_rate": 0.4,
    "match_threshold": 0.5,
    "id_name": "StudentID",
    "id_type": "District",
    "kind": "xlsx",
    "columns": ["StudentID", "Student_StateID"],
    "reason": "the executor sent no progress for 3900 s",
}


def full_payload(code: str) -> dict[str, object]:
    return {field: EXAMPLE_VALUES[field] for field in CODES[code].fields}


def test_every_reference_code_with_its_payload_fields() -> None:
    for code, fields in REFERENCE_CODES.items():
        assert code in CODES, code
        assert CODES[code].fields == fields, code
        assert CODES[code].source == "executor.md §1.11"


@pytest.mark.parametrize("code", sorted(CODES))
@pytest.mark.parametrize("payload_kind", ["full", "empty", "none", "garbage"], ids=["full", "empty", "none", "garbage"])
def test_every_code_has_a_plain_message(code: str, payload_kind: str) -> None:
    payload = {
        "full": full_payload(code),
        "empty": {},
        "none": None,
        "garbage": {field: {"nested": [1]} for field in CODES[code].fields} | {"stacktrace": 5},
    }[payload_kind]
    explanation = explain(code, payload)
    message = describe(code, payload)
    assert explanation.title.strip()
    assert explanation.detail.strip()
    assert len(explanation.detail) > 40, "a message says what happened and what to do"
    assert message.startswith(explanation.title)
    for leftover in ("{", "}", "nan", "  "):
        assert leftover not in message, (leftover, message)
    assert not re.search(r"\bNone\b(?! of the)", message), message


def test_messages_use_the_payload() -> None:
    assert "studentEducationOrganizationAssociations" in describe("lightbeam_fetch", full_payload("lightbeam_fetch"))
    download = describe("input_s3_download", full_payload("input_s3_download"))
    assert "INPUT_FILE__scores.csv" in download
    assert "p/t/1/9/input/INPUT_FILE__scores.csv" in download
    assert "1 hour" in describe("executor_timeout", {"timeout_seconds": 3600})
    assert "90 minutes" in describe("executor_timeout", {"timeout_seconds": 5400})
    assert "job is missing required value: appUrls" in describe("invalid_job", full_payload("invalid_job"))
    assert '"StudentID", "Student_StateID"' in describe("no_student_id_column", full_payload("no_student_id_column"))
    # runway-app.md §4.6: a roster is required, ask the district admin; upload an unmodified vendor file
    assert "A roster is required: ask your district's Ed-Fi administrator" in describe("missing_ods_roster", {})
    assert "exactly as the vendor exported it" in describe("earthmover_run", {})


def test_insufficient_matches_as_percentages_to_one_decimal() -> None:
    """runway-app.md §4.6: "matched X% … below required threshold Y%", one decimal."""
    message = describe("insufficient_matches", full_payload("insufficient_matches"))
    assert 'Only 40.0% of the student IDs in column "StudentID" matched District IDs' in message
    assert "below the required threshold of 50.0%" in message
    unique = describe("insufficient_matches", {**full_payload("insufficient_matches"), "id_type": "studentUniqueId"})
    assert "studentUniqueId" in unique
    assert "33.3%" in describe("insufficient_matches", {**full_payload("insufficient_matches"), "match_rate": 1 / 3})
    assert "33.3%" in describe("insufficient_matches", {**full_payload("insufficient_matches"), "match_rate": "0.333"})


def test_insufficient_matches_with_no_match_at_all() -> None:
    payload = {"match_rate": 0.0, "match_threshold": 0.5, "id_name": "N/A", "id_type": "N/A"}
    message = describe("insufficient_matches", payload)
    assert "None of the student IDs in the file matched" in message
    assert "N/A" not in message


@pytest.mark.parametrize("kind", sorted(NOT_TEXT_KINDS))
def test_every_not_text_kind_reads_well(kind: str) -> None:
    message = describe("input_file_not_text", {"name": "scores.xlsx", "kind": kind})
    assert f"scores.xlsx {NOT_TEXT_KINDS[kind]}." in message


def test_unknown_code_falls_back_to_the_generic_message() -> None:
    for code in ("lightbeam_validate_students", "", "job_file"):
        message = describe(code, {"stacktrace": "x"})
        assert message.startswith(CODES["unknown"].title)
        assert (code or "no code") in message


def test_executor_error_checks_its_payload() -> None:
    error = ExecutorError("lightbeam_fetch", resource="studentEducationOrganizationAssociations")
    assert error.code == "lightbeam_fetch"
    assert str(error) == describe("lightbeam_fetch", error.payload)
    with pytest.raises(ValueError, match="unknown executor error code"):
        ExecutorError("no_such_code")
    with pytest.raises(ValueError, match="payload fields"):
        ExecutorError("input_s3_download", name="x")
    with pytest.raises(ValueError, match="payload fields"):
        ExecutorError("unknown", extra=1)


def test_error_body_keeps_the_stacktrace_tail() -> None:
    """executor.md §1.11: payload.stacktrace is the last 6144 bytes, cut on a character boundary."""
    trace = "Traceback (most recent call last):\n" + "é" * 5000 + "\nValueError: the end"
    body = ExecutorError("earthmover_run").to_json(trace)
    assert body["code"] == "earthmover_run"
    kept = body["payload"]["stacktrace"]
    assert kept.endswith("ValueError: the end")
    assert len(kept.encode("utf-8")) <= 6144
    assert trace.endswith(kept)
    assert stacktrace_tail("short") == "short"
    assert stacktrace_tail("aé", 1) == ""  # half of "é" is dropped, not mangled
    assert stacktrace_tail("abc", 0) == ""


def test_error_body_fits_the_app_limit() -> None:
    """The app rejects error bodies over 8 KB; non-ASCII text grows when JSON-escaped."""
    error = ExecutorError("invalid_job", message="x" * 1500)
    body = error.to_json("ü" * 20000)
    assert len(json.dumps(body).encode("utf-8")) <= MAX_BODY_BYTES
    assert body["payload"]["message"] == "x" * 1500
    assert body["payload"]["stacktrace"]
