"""The jobs JSON API (runway-app.md §2.2, §4.1, §4.3–4.5, §4.9) on the real app, SQLite and PostgreSQL, with
the bundles checkout of ../shared as the catalog and a recording launcher."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.job.models import Job, Run, RunOutputFile, RunStatus
from runway.launch import RecordingLauncher
from runway.storage.local import LocalStorage
from tests.support.web import BUNDLE, World

YEAR_ODS = "2526"
YEAR_NO_ODS = "2425"
YEAR_DISABLED = "2324"


def job_body(**overrides: Any) -> dict[str, Any]:
    """A valid STAAR_Summative job for the ODS year."""
    body: dict[str, Any] = {
        "template": {"path": BUNDLE, "name": "ignored"},
        "schoolYearId": YEAR_ODS,
        "inputParams": [{"templateKey": "FORMAT", "value": "Standard"}, {"templateKey": "API_YEAR", "value": None}],
        "files": [{"templateKey": "INPUT_FILE", "nameFromUser": "scores.csv", "type": "text/csv"}],
    }
    body.update(overrides)
    return body


def local_path(url: str) -> str:
    """The path and query of an absolute app URL (the test client talks to the app in-process)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/jobs", json=job_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def create_and_upload(client: TestClient) -> int:
    created = create(client)
    [location] = created["uploadLocations"]
    assert location["templateKey"] == "INPUT_FILE"
    put = client.put(local_path(location["url"]), content=b"a,b\n1,2\n", headers={"content-type": "text/csv"})
    assert put.status_code in {200, 201, 204}, put.text
    job_id: int = created["id"]
    return job_id


def finish(session: Session, job_id: int, status: RunStatus, *, outputs: tuple[str, ...] = ()) -> Run:
    """Mark the job's latest run finished (as the executor's callbacks would), with output files."""
    run = session.scalars(select(Run).where(Run.job_id == job_id).order_by(Run.id.desc())).first()
    assert run is not None
    run.status = status
    job = session.get(Job, job_id)
    assert job is not None
    for name in outputs:
        session.add(RunOutputFile(run_id=run.id, name=name, path=f"{job.file_base_path}/output/{run.id}/{name}"))
    session.commit()
    return run


# ---- creation ------------------------------------------------------------------------------------------


def test_create_job_stores_keys_and_returns_signed_upload_urls(
    alice: TestClient, world: World, session: Session
) -> None:
    created = create(alice)
    job = session.get(Job, created["id"])
    assert job is not None
    base = f"{world.partner_id}/{world.tenant}/{YEAR_ODS}/{job.id}"
    assert job.file_base_path == base
    [file] = job.files
    assert file.name_internal == "INPUT_FILE__scores.csv"
    assert file.path == f"{base}/input/INPUT_FILE__scores.csv"
    assert job.ods_id == world.ods_id
    assert job.send_to_ods is True
    assert job.template["path"] == BUNDLE
    assert {p["templateKey"]: p["value"] for p in job.input_params} == {"FORMAT": "Standard"}
    assert created["uploadLocations"][0]["url"].startswith("http://testserver/")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"template": {"path": "assessments/ACT"}}, "Bundle not found or not enabled for partner"),
        ({"template": {"path": "assessments/NOPE"}}, "Bundle not found or not enabled for partner"),
        ({"schoolYearId": YEAR_DISABLED}, "School year is not enabled"),
        ({"schoolYearId": "9999"}, "School year is not enabled"),
        (
            {"schoolYearId": YEAR_NO_ODS},
            "No roster file found and cross-year matching not enabled for partner",
        ),
        ({"inputParams": []}, "missing_required_params: FORMAT"),
        ({"inputParams": [{"templateKey": "FORMAT", "value": "Bogus"}]}, "invalid_param_values: FORMAT"),
        (
            {"inputParams": [{"templateKey": "FORMAT", "value": "Standard"}, {"templateKey": "X", "value": "1"}]},
            "unexpected_params: X",
        ),
        (
            {
                "files": [
                    {"templateKey": "INPUT_FILE", "nameFromUser": "a.csv", "type": "text/csv"},
                    {"templateKey": "EXTRA", "nameFromUser": "b.csv", "type": "text/csv"},
                ]
            },
            "unexpected_files: EXTRA",
        ),
        ({"files": []}, "missing_required_files: INPUT_FILE"),
        (
            {"files": [{"templateKey": "INPUT_FILE", "nameFromUser": "../x.csv", "type": "text/csv"}]},
            "Invalid file name '../x.csv': use a plain file name without slashes",
        ),
    ],
)
def test_create_job_validation_messages(
    alice: TestClient, session: Session, overrides: dict[str, Any], message: str
) -> None:
    response = alice.post("/api/jobs", json=job_body(**overrides))
    assert response.status_code == 400, response.text
    assert response.json() == {"detail": message}
    assert session.scalars(select(Job)).first() is None


def test_validation_order_bundle_before_year_before_params(alice: TestClient) -> None:
    everything_wrong = job_body(template={"path": "assessments/ACT"}, schoolYearId=YEAR_DISABLED, files=[])
    assert alice.post("/api/jobs", json=everything_wrong).json()["detail"].startswith("Bundle not found")
    year_and_params = job_body(schoolYearId=YEAR_DISABLED, files=[], inputParams=[])
    assert alice.post("/api/jobs", json=year_and_params).json()["detail"] == "School year is not enabled"
    params_and_files = job_body(files=[], inputParams=[{"templateKey": "FORMAT", "value": "Bogus"}])
    assert alice.post("/api/jobs", json=params_and_files).json()["detail"] == "invalid_param_values: FORMAT"


def test_no_ods_for_the_year(alice: TestClient, session: Session, world: World) -> None:
    # Alice's tenant loses its ODS config: the ODS year has no ODS any more.
    from runway.ods.models import OdsConfig

    config = session.get(OdsConfig, world.ods_id)
    assert config is not None
    config.retired = True
    session.commit()
    response = alice.post("/api/jobs", json=job_body())
    assert response.status_code == 400
    assert response.json() == {"detail": "No ODS found for school year"}


def test_no_ods_year_with_a_roster_or_cross_year_matching(
    alice: TestClient, world: World, session: Session, web_app: Any
) -> None:
    storage: LocalStorage = web_app.state.storage
    storage.put(f"__rosters/{world.partner_id}/{world.tenant}/2025/studentEducationOrganizationAssociations.jsonl", b"")
    assert alice.post("/api/jobs", json=job_body(schoolYearId=YEAR_NO_ODS)).status_code == 400  # empty roster
    storage.put(
        f"__rosters/{world.partner_id}/{world.tenant}/2025/studentEducationOrganizationAssociations.jsonl", b"{}\n"
    )
    created = create(alice, schoolYearId=YEAR_NO_ODS)
    job = session.get(Job, created["id"])
    assert job is not None
    assert job.ods_id is None
    assert job.send_to_ods is False


def test_bad_body_is_400(alice: TestClient) -> None:
    response = alice.post("/api/jobs", json={"schoolYearId": YEAR_ODS})
    assert response.status_code == 400
    assert "template" in response.json()["detail"]


# ---- start, status, re-run -----------------------------------------------------------------------------


def test_upload_then_start_launches_and_reports_status(alice: TestClient, launcher: RecordingLauncher) -> None:
    job_id = create_and_upload(alice)
    assert alice.get("/api/jobs").json() == []  # not started yet: the list shows started jobs only
    response = alice.put(f"/api/jobs/{job_id}/start", json={"inputParams": []})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "new"
    assert body["files"][0]["status"] == "upload_complete"
    [launch] = launcher.launches
    assert launch.run_id == body["runs"][0]["id"]
    assert launch.init_url.endswith(f"/api/earthbeam/auth/{launch.run_id}/init")
    [listed] = alice.get("/api/jobs").json()
    assert listed["id"] == job_id
    assert listed["status"] == "new"
    again = alice.put(f"/api/jobs/{job_id}/start")
    assert again.status_code == 400
    assert again.json() == {"detail": "Job already in progress"}


def test_start_without_upload_is_refused(alice: TestClient, launcher: RecordingLauncher) -> None:
    job_id = create(alice)["id"]
    response = alice.put(f"/api/jobs/{job_id}/start")
    assert response.status_code == 400
    assert "upload not complete for INPUT_FILE" in response.json()["detail"]
    assert launcher.launches == []


def test_launch_failure_is_500_and_recorded(alice: TestClient, launcher: RecordingLauncher) -> None:
    job_id = create_and_upload(alice)
    launcher.fail_with = RuntimeError("no docker")
    response = alice.put(f"/api/jobs/{job_id}/start")
    assert response.status_code == 500
    job = alice.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "error"
    assert job["runs"][0]["errors"][0]["code"] == "failed_to_start_executor"


def test_rerun_of_a_finished_job(alice: TestClient, launcher: RecordingLauncher, session: Session) -> None:
    job_id = create_and_upload(alice)
    assert alice.put(f"/api/jobs/{job_id}/start").status_code == 200
    finish(session, job_id, RunStatus.error)
    response = alice.put(f"/api/jobs/{job_id}/start")
    assert response.status_code == 200, response.text
    assert [run["status"] for run in response.json()["runs"]] == ["error", "new"]
    assert len(launcher.launches) == 2


def test_resolve_rules(alice: TestClient, session: Session) -> None:
    job_id = create_and_upload(alice)
    alice.put(f"/api/jobs/{job_id}/start")
    refused = alice.put(f"/api/jobs/{job_id}/resolve", json={"isResolved": True})
    assert refused.status_code == 400
    assert "not changeable" in refused.json()["detail"]
    assert alice.put(f"/api/jobs/{job_id}/resolve", json={}).status_code == 400
    finish(session, job_id, RunStatus.success, outputs=("input_no_student_id_match.csv",))
    assert alice.get(f"/api/jobs/{job_id}").json()["status"] == "complete with errors"
    ok = alice.put(f"/api/jobs/{job_id}/resolve", json={"isResolved": True})
    assert ok.status_code == 200
    assert ok.content == b""
    assert alice.get(f"/api/jobs/{job_id}").json()["status"] == "resolved"
    alice.put(f"/api/jobs/{job_id}/resolve", json={"isResolved": False})
    assert alice.get(f"/api/jobs/{job_id}").json()["status"] == "complete with errors"


def test_plain_error_jobs_cannot_be_resolved(alice: TestClient, session: Session) -> None:
    job_id = create_and_upload(alice)
    alice.put(f"/api/jobs/{job_id}/start")
    finish(session, job_id, RunStatus.error)
    assert alice.put(f"/api/jobs/{job_id}/resolve", json={"isResolved": True}).status_code == 400


# ---- downloads -----------------------------------------------------------------------------------------


def test_downloads_give_signed_urls_or_404(alice: TestClient, session: Session, web_app: Any) -> None:
    job_id = create(alice)["id"]
    assert alice.get(f"/api/jobs/{job_id}/files/INPUT_FILE").status_code == 404  # not uploaded yet
    assert alice.get(f"/api/jobs/{job_id}/files/NOPE").status_code == 404
    job_id = create_and_upload(alice)
    url = alice.get(f"/api/jobs/{job_id}/files/INPUT_FILE").json()
    assert isinstance(url, str)
    assert alice.get(local_path(url)).content == b"a,b\n1,2\n"

    alice.put(f"/api/jobs/{job_id}/start")
    finish(session, job_id, RunStatus.success, outputs=("input_no_student_id_match.csv",))
    missing = alice.get(f"/api/jobs/{job_id}/output-files/input_no_student_id_match.csv")
    assert missing.status_code == 404
    assert missing.json()["detail"]
    job = session.get(Job, job_id)
    assert job is not None
    storage: LocalStorage = web_app.state.storage
    run_id = max(run.id for run in job.runs)
    storage.put(f"{job.file_base_path}/output/{run_id}/input_no_student_id_match.csv", b"id\n7\n")
    url = alice.get(f"/api/jobs/{job_id}/output-files/input_no_student_id_match.csv").json()
    assert alice.get(local_path(url)).content == b"id\n7\n"
    assert alice.get(f"/api/jobs/{job_id}/output-files/other.csv").status_code == 404


# ---- notes ---------------------------------------------------------------------------------------------


def test_notes_crud_and_limits(alice: TestClient, world: World) -> None:
    job_id = create(alice)["id"]
    created = alice.post(f"/api/jobs/{job_id}/notes", json={"noteText": "x" * 5000})
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["createdById"] == world.user_id
    assert note["createdBy"]["givenName"] == "Alice"
    too_long = alice.post(f"/api/jobs/{job_id}/notes", json={"noteText": "x" * 5001})
    assert too_long.status_code == 400
    assert "5000" in too_long.json()["detail"]
    assert alice.post(f"/api/jobs/{job_id}/notes", json={"noteText": "  "}).status_code == 400
    assert alice.post(f"/api/jobs/{job_id}/notes", json={}).status_code == 400
    edited = alice.put(f"/api/jobs/{job_id}/notes/{note['id']}", json={"noteText": "checked"})
    assert edited.status_code == 200
    assert edited.json()["modifiedById"] == world.user_id
    assert [n["noteText"] for n in alice.get(f"/api/jobs/{job_id}/notes").json()] == ["checked"]
    other_job = create(alice)["id"]
    assert alice.put(f"/api/jobs/{other_job}/notes/{note['id']}", json={"noteText": "x"}).status_code == 404
    assert alice.delete(f"/api/jobs/{other_job}/notes/{note['id']}").status_code == 404
    assert alice.delete(f"/api/jobs/{job_id}/notes/{note['id']}").status_code == 200
    assert alice.get(f"/api/jobs/{job_id}/notes").json() == []
    assert alice.delete(f"/api/jobs/{job_id}/notes/{note['id']}").status_code == 404


# ---- templates and years -------------------------------------------------------------------------------


def test_templates_and_school_years(alice: TestClient) -> None:
    templates = alice.get("/api/job-templates/assessments").json()
    assert [t["path"] for t in templates] == [BUNDLE]
    assert {p["templateKey"] for p in templates[0]["params"]} == {"API_YEAR", "FORMAT"}
    assert alice.get("/api/job-templates/other").status_code == 400
    years = alice.get("/api/school-years").json()
    assert [y["id"] for y in years] == ["2526", "2425", "2324"]


# ---- tenant isolation ----------------------------------------------------------------------------------


def job_routes(job_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", f"/api/jobs/{job_id}", None),
        ("PUT", f"/api/jobs/{job_id}/start", None),
        ("PUT", f"/api/jobs/{job_id}/resolve", {"isResolved": True}),
        ("GET", f"/api/jobs/{job_id}/files/INPUT_FILE", None),
        ("GET", f"/api/jobs/{job_id}/output-files/input_no_student_id_match.csv", None),
        ("GET", f"/api/jobs/{job_id}/status-updates", None),
        ("GET", f"/api/jobs/{job_id}/errors", None),
        ("GET", f"/api/jobs/{job_id}/notes", None),
        ("POST", f"/api/jobs/{job_id}/notes", {"noteText": "hi"}),
        ("PUT", f"/api/jobs/{job_id}/notes/1", {"noteText": "hi"}),
        ("DELETE", f"/api/jobs/{job_id}/notes/1", None),
    ]


def test_another_tenant_gets_404_and_no_data(
    alice: TestClient, bob: TestClient, launcher: RecordingLauncher, session: Session
) -> None:
    job_id = create_and_upload(alice)
    alice.put(f"/api/jobs/{job_id}/start")
    finish(session, job_id, RunStatus.success, outputs=("input_no_student_id_match.csv",))
    note_id = alice.post(f"/api/jobs/{job_id}/notes", json={"noteText": "mine"}).json()["id"]
    for method, path, body in job_routes(job_id):
        path = path.replace("/notes/1", f"/notes/{note_id}")
        response = bob.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert "scores.csv" not in response.text
        assert "mine" not in response.text
    assert bob.get("/api/jobs").json() == []
    assert len(launcher.launches) == 1
    job = alice.get(f"/api/jobs/{job_id}").json()
    assert job["isResolved"] is False
    assert len(job["runs"]) == 1
    assert [n["noteText"] for n in alice.get(f"/api/jobs/{job_id}/notes").json()] == ["mine"]


def test_anonymous_gets_401_everywhere(anonymous: TestClient) -> None:
    routes = [
        *job_routes(1),
        ("GET", "/api/jobs", None),
        ("POST", "/api/jobs", job_body()),
        ("GET", "/api/job-templates/assessments", None),
        ("GET", "/api/school-years", None),
    ]
    for method, path, body in routes:
        response = anonymous.request(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)


def test_non_integer_job_id_is_400(alice: TestClient) -> None:
    assert alice.get("/api/jobs/abc").status_code == 400
