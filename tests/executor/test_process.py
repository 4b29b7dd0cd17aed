"""The executor process's HTTP side without a real app: retried posts, ``done`` held back, the time limit."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from runway.executor.errors import ExecutorError
from runway.executor.process import HttpReporter, Timeout, build_spec, download_inputs
from runway.executor.send import OutputSet

URLS = {
    name: f"http://app/{name}" for name in ("status", "error", "summary", "unmatchedIds", "outputFiles", "uploadUrl")
}


def reporter_with(answers: list[int], seen: list[tuple[str, object]]) -> HttpReporter:
    def handle(request: httpx.Request) -> httpx.Response:
        body: object = json.loads(request.content) if request.method == "POST" else request.content
        seen.append((f"{request.method} {request.url.path}", body))
        if request.url.path == "/uploadUrl":
            assert isinstance(body, dict)
            return httpx.Response(201, json={"url": f"http://store/{body['path']}"})
        if request.method == "PUT":
            return httpx.Response(200, json={})
        return httpx.Response(answers.pop(0) if answers else 201)

    client = httpx.Client(transport=httpx.MockTransport(handle))
    return HttpReporter(client, URLS, "ea/1/2526/7/output/3/", retry_delays=(0.0, 0.0))


def test_a_failed_post_is_retried_up_to_three_times() -> None:
    seen: list[tuple[str, object]] = []
    reporter = reporter_with([500, 502], seen)
    reporter.begin("earthmover_run")
    assert [path for path, _ in seen] == ["POST /status"] * 3
    seen.clear()
    reporter = reporter_with([500, 500, 500, 500], seen)
    assert reporter.post("status", {"action": "x", "status": "begin"}) is False
    assert len(seen) == 3


def test_done_is_held_back_until_sent_once() -> None:
    seen: list[tuple[str, object]] = []
    reporter = reporter_with([], seen)
    reporter.success("done")
    assert seen == []
    reporter.done()
    reporter.done("failure")
    assert seen == [("POST /status", {"action": "done", "status": "success"})]


def test_output_set_is_uploaded_then_registered(tmp_path: Path) -> None:
    seen: list[tuple[str, object]] = []
    reporter = reporter_with([], seen)
    file = tmp_path / "studentAssessments.jsonl"
    file.write_text('{"a": 1}\n')
    reporter.output_set(OutputSet("ods", tmp_path, (file,), True))
    assert seen == [
        ("POST /uploadUrl", {"path": "ods/studentAssessments.jsonl"}),
        ("PUT /ods/studentAssessments.jsonl", b'{"a": 1}\n'),
        ("POST /outputFiles", {"path": "ea/1/2526/7/output/3/ods", "sentToOds": True}),
    ]


def test_inputs_and_spec_from_the_payload(tmp_path: Path) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"a,b\n") if request.url.path == "/in" else httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(handle))
    payload = {
        "appDataBasePath": "ea/1",
        "inputFiles": {"INPUT_FILE": "INPUT_FILE__my scores.csv"},
        "inputFileUrls": {"INPUT_FILE": "http://app/in"},
        "inputParams": {"API_YEAR": "2026"},
        "bundle": {"path": "assessments/ACT", "branch": "main"},
        "sendToOds": True,
        "assessmentDatastore": {"apiYear": "2026", "url": "http://ods", "clientId": "k", "clientSecret": "s"},
    }
    inputs = download_inputs(client, payload, tmp_path)
    assert inputs["INPUT_FILE"].name == "my scores.csv"
    assert inputs["INPUT_FILE"].read_bytes() == b"a,b\n"
    spec = build_spec(payload, inputs, tmp_path)
    assert (spec.bundle_path, spec.ods.base_url, spec.ods.api_year, dict(spec.input_params)) == (
        "assessments/ACT",
        "http://ods",
        2026,
        {"API_YEAR": "2026"},
    )
    with pytest.raises(ExecutorError) as missing:
        download_inputs(client, {**payload, "inputFileUrls": {"INPUT_FILE": "http://app/gone"}}, tmp_path)
    assert missing.value.code == "input_s3_download"
    with pytest.raises(ExecutorError) as no_ods:
        build_spec({**payload, "assessmentDatastore": {}}, inputs, tmp_path)
    assert no_ods.value.code == "invalid_job"


def test_the_time_limit_raises_executor_timeout() -> None:
    timeout = Timeout(1)
    timeout.arm()
    try:
        with pytest.raises(ExecutorError) as expired:
            time.sleep(3)
    finally:
        timeout.disarm()
    assert expired.value.code == "executor_timeout"
    assert expired.value.payload == {"timeout_seconds": 1}
