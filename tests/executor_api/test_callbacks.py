"""The executor callback API against the real app on SQLite and PostgreSQL (runway-app.md §2.3)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from runway.bundle.models import BundleDescriptorMapping, CustomDescriptorMapping, EarthmoverBundle
from runway.executor_api.tokens import ExecutorTokens
from runway.job.models import Job, JobFile, Run, RunError, RunOutputFile, RunOutputFileSet, RunStatus, RunUpdate
from runway.keys import derive_key
from runway.settings import Settings
from runway.storage.local import LocalStorage
from tests.support import factories as f

TEMPLATE = {
    "name": "ACT",
    "path": "assessments/ACT",
    "reportResources": ["studentAssessments"],
    "files": [{"name": "Scores", "templateKey": "INPUT_FILE", "isRequired": True, "fileType": ["text/csv"]}],
    "params": [
        {"name": "Format", "templateKey": "FORMAT", "isRequired": False},
        {"name": "Year", "templateKey": "API_YEAR", "isRequired": True},
    ],
}


@dataclass
class World:
    job: Job
    run: Run
    base: str


def _world(session: Session, *, send_to_ods: bool = True, namespace: str | None = "uri://ea.org") -> World:
    partner = f.make_partner(session)
    partner.descriptor_namespace = namespace
    tenant = f.make_tenant(session, partner=partner)
    year = f.make_school_year(session)
    ods = f.make_ods_config(session, tenant=tenant, year=year, secret="s3cret") if send_to_ods else None
    job = f.make_job(session, tenant=tenant, year=year, ods=ods, send_to_ods=send_to_ods)
    job.template = TEMPLATE
    job.input_params = [
        {"templateKey": "FORMAT", "value": "Standard"},
        {"templateKey": "API_YEAR", "value": "1999"},
        {"templateKey": "PATH", "value": "/evil"},  # not declared: never passed on
        {"templateKey": "FORMAT_NULL", "value": None},
    ]
    base = job.file_base_path
    assert base is not None
    session.add(
        JobFile(
            job=job,
            template_key="INPUT_FILE",
            name_from_user="scores.csv",
            name_internal="INPUT_FILE__scores.csv",
            path=f"{base}/input/INPUT_FILE__scores.csv",
            type="text/csv",
        )
    )
    run = f.make_run(session, job=job)
    session.commit()
    return World(job, run, base)


@pytest.fixture
def world(session: Session) -> World:
    return _world(session)


@pytest.fixture
def tokens(settings: Settings) -> ExecutorTokens:
    return ExecutorTokens.from_settings(settings)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _access(tokens: ExecutorTokens, run: Run) -> dict[str, str]:
    return _bearer(tokens.mint(run.id, "access"))


# -- tokens and init ----------------------------------------------------------------------------------


def test_init_hands_out_an_access_token_once(
    client: TestClient, world: World, tokens: ExecutorTokens, session: Session
) -> None:
    init = tokens.mint(world.run.id, "init")
    response = client.get(f"/api/earthbeam/auth/{world.run.id}/init", headers=_bearer(init))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["jobUrl"] == f"http://testserver/api/earthbeam/jobs/{world.run.id}"
    assert tokens.verify(body["token"], "access") == world.run.id
    session.expire_all()
    assert session.get_one(Run, world.run.id).status == RunStatus.running
    again = client.get(f"/api/earthbeam/auth/{world.run.id}/init", headers=_bearer(init))
    assert again.status_code == 401
    assert again.json() == {"detail": "Invalid token"}
    assert client.get(body["jobUrl"], headers=_bearer(body["token"])).status_code == 200


def test_init_of_a_missing_run_is_404(client: TestClient, tokens: ExecutorTokens) -> None:
    response = client.get("/api/earthbeam/auth/999999/init", headers=_bearer(tokens.mint(999999, "init")))
    assert response.status_code == 404
    assert response.json() == {"detail": "Run 999999 not found"}


def test_token_rules(client: TestClient, world: World, tokens: ExecutorTokens, settings: Settings) -> None:
    url = f"/api/earthbeam/jobs/{world.run.id}"
    assert client.get(url).json() == {"detail": "No token"}
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Basic abc"}).status_code == 401
    bad = client.get(url, headers=_bearer("not.a.jwt"))
    assert (bad.status_code, bad.json()) == (401, {"detail": "Invalid token"})
    init_as_access = client.get(url, headers=_bearer(tokens.mint(world.run.id, "init")))
    assert init_as_access.status_code == 401
    expired = tokens.mint(world.run.id, "access", now=time.time() - 25 * 3600)
    assert client.get(url, headers=_bearer(expired)).status_code == 401
    expired_init = tokens.mint(world.run.id, "init", now=time.time() - 6 * 60)
    assert client.get(f"/api/earthbeam/auth/{world.run.id}/init", headers=_bearer(expired_init)).status_code == 401
    forged = jwt.encode({"runId": world.run.id, "type": "access", "exp": time.time() + 60}, "x" * 32, algorithm="HS256")
    assert client.get(url, headers=_bearer(forged)).status_code == 401
    other_key = jwt.encode(
        {"runId": world.run.id, "type": "access", "exp": time.time() + 60},
        derive_key(settings, "storage-url"),
        algorithm="HS256",
    )
    assert client.get(url, headers=_bearer(other_key)).status_code == 401
    wrong_run = client.get(url, headers=_bearer(tokens.mint(world.run.id + 1, "access")))
    assert wrong_run.status_code == 403
    assert wrong_run.json() == {"detail": f"Token is not for run {world.run.id}"}
    wrong_init = tokens.mint(world.run.id + 1, "init")
    assert client.get(f"/api/earthbeam/auth/{world.run.id}/init", headers=_bearer(wrong_init)).status_code == 403
    for path in ("status", "error", "summary", "unmatched-ids", "output-files", "upload-url"):
        assert client.post(f"{url}/{path}", json={}).status_code == 401, path
        assert client.post(f"{url}/{path}", json={}, headers=_access(tokens, world.run) | {}).status_code != 401
    assert client.get(f"{url}/roster").status_code == 401


def test_missing_run_is_404_everywhere(client: TestClient, tokens: ExecutorTokens) -> None:
    headers = _bearer(tokens.mint(424242, "access"))
    assert client.get("/api/earthbeam/jobs/424242", headers=headers).status_code == 404
    assert client.get("/api/earthbeam/jobs/424242/roster", headers=headers).status_code == 404
    bodies = {
        "status": {"action": "a", "status": "begin"},
        "error": {"code": "unknown", "payload": {}},
        "summary": {"x": 1},
        "unmatched-ids": {"name": "id", "type": "Local"},
        "output-files": {"path": "x/y", "sentToOds": True},
        "upload-url": {"path": "x.json"},
    }
    for path, body in bodies.items():
        response = client.post(f"/api/earthbeam/jobs/424242/{path}", json=body, headers=headers)
        assert response.status_code == 404, path


# -- job payload ------------------------------------------------------------------------------------------


def test_job_payload(client: TestClient, world: World, tokens: ExecutorTokens, storage: LocalStorage) -> None:
    storage.put(f"{world.base}/input/INPUT_FILE__scores.csv", b"id\n1\n")
    response = client.get(f"/api/earthbeam/jobs/{world.run.id}", headers=_access(tokens, world.run))
    assert response.status_code == 200, response.text
    payload = response.json()
    job_url = f"http://testserver/api/earthbeam/jobs/{world.run.id}"
    assert payload["appDataBasePath"] == world.base
    assert payload["outputBasePath"] == f"{world.base}/output/{world.run.id}"
    assert payload["inputFiles"] == {"INPUT_FILE": "INPUT_FILE__scores.csv"}
    assert payload["inputParams"] == {"FORMAT": "Standard", "API_YEAR": "2026", "DESCRIPTOR_NAMESPACE": "uri://ea.org"}
    assert payload["customDescriptorMappings"] is None
    assert payload["bundle"] == {"path": "assessments/ACT", "branch": "main"}
    assert payload["appUrls"] == {
        "status": f"{job_url}/status",
        "error": f"{job_url}/error",
        "summary": f"{job_url}/summary",
        "unmatchedIds": f"{job_url}/unmatched-ids",
        "outputFiles": f"{job_url}/output-files",
        "uploadUrl": f"{job_url}/upload-url",
    }
    assert payload["sendToOds"] is True
    assert payload["crossYearMatchAvailable"] is False
    assert "rosterFilePath" not in payload
    assert payload["assessmentDatastore"] == {
        "apiYear": "2026",
        "url": "http://127.0.0.1:8765",
        "clientId": "runway-sandbox",
        "clientSecret": "s3cret",
    }
    download = client.get(payload["inputFileUrls"]["INPUT_FILE"])
    assert download.status_code == 200
    assert download.content == b"id\n1\n"
    assert 'filename="scores.csv"' in download.headers["content-disposition"]


def test_payload_without_ods(client: TestClient, session: Session, tokens: ExecutorTokens) -> None:
    world = _world(session, send_to_ods=False, namespace=None)
    payload = client.get(f"/api/earthbeam/jobs/{world.run.id}", headers=_access(tokens, world.run)).json()
    assert "assessmentDatastore" not in payload
    assert "DESCRIPTOR_NAMESPACE" not in payload["inputParams"]
    roster = "__rosters/ea/255901/2026/studentEducationOrganizationAssociations.jsonl"
    assert payload["rosterFilePath"] == roster
    assert client.get(payload["rosterFileUrl"]).status_code == 404  # no roster uploaded yet: never an empty 200


def test_payload_no_ods_configured_is_500(
    client: TestClient, world: World, tokens: ExecutorTokens, session: Session
) -> None:
    job = session.get_one(Job, world.job.id)
    assert job.ods_id is not None
    from runway.ods.models import OdsConfig

    session.get_one(OdsConfig, job.ods_id).retired = True
    session.commit()
    response = client.get(f"/api/earthbeam/jobs/{world.run.id}", headers=_access(tokens, world.run))
    assert (response.status_code, response.json()) == (500, {"detail": "No ODS configured"})


def test_payload_custom_descriptor_mappings(
    client: TestClient, world: World, tokens: ExecutorTokens, session: Session
) -> None:
    session.add(EarthmoverBundle(key="assessments/ACT"))
    session.flush()
    grade = BundleDescriptorMapping(
        bundle_key="assessments/ACT",
        descriptor_type="gradeLevelDescriptors",
        left_hand_side_columns={"originalGrade": "8"},
        edfi_default_descriptor="uri://ed-fi.org/GradeLevelDescriptor#Eighth grade",
    )
    untouched = BundleDescriptorMapping(
        bundle_key="assessments/ACT",
        descriptor_type="gradeLevelDescriptors",
        left_hand_side_columns={"originalGrade": "9"},
        edfi_default_descriptor="uri://ed-fi.org/GradeLevelDescriptor#Ninth grade",
    )
    session.add_all([grade, untouched])
    session.flush()
    session.add(CustomDescriptorMapping(partner_id="ea", bundle_descriptor_mapping_id=grade.id, custom_descriptor=None))
    session.commit()
    payload = client.get(f"/api/earthbeam/jobs/{world.run.id}", headers=_access(tokens, world.run)).json()
    assert payload["customDescriptorMappings"] == {
        "gradeLevelDescriptors": [
            {
                "v_other_columns": {"originalGrade": "8"},
                "edfi_descriptor": "uri://ed-fi.org/GradeLevelDescriptor#Eighth grade",
                "local_descriptor": None,
            }
        ]
    }


def test_roster_is_409_without_cross_year_matching(client: TestClient, world: World, tokens: ExecutorTokens) -> None:
    response = client.get(f"/api/earthbeam/jobs/{world.run.id}/roster", headers=_access(tokens, world.run))
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "Cross-year matching is not enabled for this partner"},
    )


# -- status, error, summary, unmatched ---------------------------------------------------------------------


def test_status_updates_are_idempotent(
    client: TestClient, world: World, tokens: ExecutorTokens, session: Session
) -> None:
    url = f"/api/earthbeam/jobs/{world.run.id}/status"
    headers = _access(tokens, world.run)
    for _ in range(2):
        response = client.post(url, json={"action": "earthmover_run", "status": "begin"}, headers=headers)
        assert response.status_code == 201
        assert response.content == b""
    assert client.post(url, json={"action": "earthmover_run", "status": "success"}, headers=headers).status_code == 201
    rows = session.scalars(select(RunUpdate).where(RunUpdate.run_id == world.run.id)).all()
    assert sorted((row.action, row.status) for row in rows) == [
        ("earthmover_run", "begin"),
        ("earthmover_run", "success"),
    ]
    for body in ({"action": "", "status": "begin"}, {"action": "x"}, {"action": 1, "status": "begin"}):
        bad = client.post(url, json=body, headers=headers)
        assert bad.status_code == 400, body
        assert bad.json()["detail"].startswith("body.")


def _upload_outputs(client: TestClient, tokens: ExecutorTokens, world: World, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        response = client.post(
            f"/api/earthbeam/jobs/{world.run.id}/upload-url", json={"path": path}, headers=_access(tokens, world.run)
        )
        assert response.status_code == 201, response.text
        assert response.json()["key"] == f"{world.base}/output/{world.run.id}/{path}"
        assert client.put(response.json()["url"], content=data).status_code == 200


@pytest.mark.parametrize("final", ["success", "failure"])
def test_done_completes_the_run_once(
    client: TestClient, world: World, tokens: ExecutorTokens, session: Session, final: str
) -> None:
    _upload_outputs(
        client,
        tokens,
        world,
        {"ods/studentAssessments.jsonl": b"{}\n", "em-results.json": b"{}", "input_no_student_id_match.csv": b"x"},
    )
    url = f"/api/earthbeam/jobs/{world.run.id}/status"
    headers = _access(tokens, world.run)
    assert client.post(url, json={"action": "done", "status": final}, headers=headers).status_code == 201
    assert client.post(url, json={"action": "done", "status": final}, headers=headers).status_code == 201
    session.expire_all()
    run = session.get_one(Run, world.run.id)
    assert run.status == (RunStatus.success if final == "success" else RunStatus.error)
    names = session.scalars(
        select(RunOutputFile.name).where(RunOutputFile.run_id == run.id).order_by(RunOutputFile.name)
    )
    assert list(names) == ["em-results.json", "input_no_student_id_match.csv", "ods/studentAssessments.jsonl"]
    path = session.scalar(select(RunOutputFile.path).where(RunOutputFile.name == "em-results.json"))
    assert path == f"{world.base}/output/{world.run.id}/em-results.json"


def test_error_summary_unmatched(client: TestClient, world: World, tokens: ExecutorTokens, session: Session) -> None:
    base = f"/api/earthbeam/jobs/{world.run.id}"
    headers = _access(tokens, world.run)
    payload = {"stacktrace": "Traceback…", "name": "INPUT_FILE", "path": "x"}
    assert (
        client.post(
            f"{base}/error", json={"code": "input_s3_download", "payload": payload}, headers=headers
        ).status_code
        == 201
    )
    assert client.post(f"{base}/error", json={"payload": {}}, headers=headers).status_code == 400
    summary = {"studentAssessments": {"records_processed": 10, "records_skipped": 1, "records_failed": 2}}
    assert client.post(f"{base}/summary", json=summary, headers=headers).status_code == 201
    assert client.post(f"{base}/summary", json={}, headers=headers).status_code == 201  # falsy: kept the previous
    unmatched = {"name": "student_id", "type": "District", "count": 3}
    assert client.post(f"{base}/unmatched-ids", json=unmatched, headers=headers).status_code == 201
    assert client.post(f"{base}/unmatched-ids", json={"name": "", "type": "x"}, headers=headers).status_code == 400
    session.expire_all()
    run = session.get_one(Run, world.run.id)
    assert [(e.code, e.payload) for e in session.scalars(select(RunError).where(RunError.run_id == run.id))] == [
        ("input_s3_download", payload)
    ]
    assert run.summary == summary
    assert run.unmatched_students_info == unmatched


# -- output files ---------------------------------------------------------------------------------------------


def test_output_files_confinement(client: TestClient, world: World, tokens: ExecutorTokens, session: Session) -> None:
    _upload_outputs(client, tokens, world, {"ods/a.jsonl": b"{}\n", "ods/sub/b.jsonl": b"{}\n"})
    url = f"/api/earthbeam/jobs/{world.run.id}/output-files"
    headers = _access(tokens, world.run)
    base = world.base
    rejected = [
        base,
        f"{base}/",
        f"{base}0/output/ods",  # a sibling that shares the prefix
        "other/255901/2526/1/output/ods",
        f"{base}/../{base.rsplit('/', 1)[-1]}0/output",
        f"{base}/output/{world.run.id}/empty",
    ]
    for path in rejected:
        response = client.post(url, json={"path": path, "sentToOds": True}, headers=headers)
        assert response.status_code == 400, path
        assert response.json()["detail"]
    assert client.post(url, json={"path": f"{base}/output/{world.run.id}/ods"}, headers=headers).status_code == 400
    assert (
        client.post(
            url, json={"path": f"{base}/output/{world.run.id}/ods", "sentToOds": "yes"}, headers=headers
        ).status_code
        == 400
    )
    response = client.post(url, json={"path": f"{base}/output/{world.run.id}/ods/", "sentToOds": True}, headers=headers)
    assert response.status_code == 201, response.text
    uid = response.json()["uid"]
    duplicate = client.post(url, json={"path": f"{base}/output/{world.run.id}/ods", "sentToOds": True}, headers=headers)
    assert duplicate.status_code == 409
    file_set = session.scalars(select(RunOutputFileSet).where(RunOutputFileSet.run_id == world.run.id)).one()
    assert str(file_set.uid) == uid
    assert (file_set.path, file_set.files, file_set.sent_to_ods) == (
        f"{base}/output/{world.run.id}/ods",
        ["a.jsonl", "sub/b.jsonl"],
        True,
    )


@pytest.mark.parametrize("path", ["../input/INPUT_FILE__scores.csv", "/abs.json", "a//b", "", "ods/../../x"])
def test_upload_url_is_confined_to_the_output_folder(
    client: TestClient, world: World, tokens: ExecutorTokens, path: str
) -> None:
    response = client.post(
        f"/api/earthbeam/jobs/{world.run.id}/upload-url", json={"path": path}, headers=_access(tokens, world.run)
    )
    assert response.status_code == 400


def test_upload_url_binds_content_type(client: TestClient, world: World, tokens: ExecutorTokens, app: FastAPI) -> None:
    response = client.post(
        f"/api/earthbeam/jobs/{world.run.id}/upload-url",
        json={"path": "em-results.json", "contentType": "application/json"},
        headers=_access(tokens, world.run),
    )
    url = response.json()["url"]
    assert client.put(url, content=b"{}", headers={"content-type": "text/plain"}).status_code == 400
    assert client.put(url, content=b"{}", headers={"content-type": "application/json"}).status_code == 200
    assert app.state.storage.exists(f"{world.base}/output/{world.run.id}/em-results.json")
