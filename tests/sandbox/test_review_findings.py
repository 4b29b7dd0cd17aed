"""What a fresh-clone review of the sandbox found, each now answered the way a user expects."""

from __future__ import annotations

from pathlib import Path

import click
import httpx
import pytest

from runway.demo import prepare_workdir
from runway.sandbox.config import SandboxConfig
from runway.sandbox.seed import SeedFileError, read_seed_file
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import (
    METHOD,
    NOT_FOUND,
    PARAMETER,
    assert_one_line_error,
    assert_problem,
    local_education_agency,
    run_cli,
    student,
    unique,
    unique_int,
)
from tests.sandbox.test_persistence_cli import serve_process
from tests.support.sandbox_server import serve_sandbox


def test_unknown_properties_are_dropped_like_ods(client: httpx.Client) -> None:
    payload = {**student(unique()), "extraThing": 1, "_ext": {"tx": {"x": 1}}}
    created = client.post("/ed-fi/students", json=payload)
    assert created.status_code == 201, created.text
    stored = client.get(created.headers["Location"]).json()
    assert "extraThing" not in stored
    assert "_ext" not in stored
    assert stored["firstName"] == payload["firstName"]


def test_unknown_nested_properties_are_dropped(client: httpx.Client) -> None:
    unique_id, lea_id = unique(), unique_int()
    assert client.post("/ed-fi/localEducationAgencies", json=local_education_agency(lea_id)).status_code == 201
    assert client.post("/ed-fi/students", json=student(unique_id)).status_code == 201
    created = client.post(
        "/ed-fi/studentEducationOrganizationAssociations",
        json={
            "educationOrganizationReference": {"educationOrganizationId": lea_id, "bogus": True},
            "studentReference": {"studentUniqueId": unique_id},
        },
    )
    assert created.status_code == 201, created.text
    stored = client.get(created.headers["Location"]).json()
    assert "bogus" not in stored["educationOrganizationReference"]


def test_huge_offset_is_a_parameter_error(client: httpx.Client) -> None:
    response = client.get("/ed-fi/students", params={"offset": "99999999999999999999"})
    assert_problem(response, 400, PARAMETER)


@pytest.mark.parametrize("method", ["TRACE", "CONNECT"])
def test_unusual_methods_get_a_json_405(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/ed-fi/students")
    assert_problem(response, 405, METHOD)


def test_utf8_bom_before_json_is_accepted(client: httpx.Client) -> None:
    body = b"\xef\xbb\xbf" + httpx.Request("POST", "/", json=student(unique())).content
    response = client.post("/ed-fi/students", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def test_discovery_lists_only_urls_it_serves(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(), builtin_catalog) as running:
        urls = httpx.get(running.url + "/").json()["urls"]
        for url in urls.values():
            assert httpx.get(url).status_code != 404 or url.endswith("/data/v3/"), url


def test_context_layout_refuses_years_outside_the_school_year_range(builtin_catalog: Catalog) -> None:
    with serve_sandbox(SandboxConfig(layout="context"), builtin_catalog) as running:
        assert httpx.get(f"{running.host_url}/2026/").status_code == 200
        assert_problem(httpx.get(f"{running.host_url}/0000/"), 404, NOT_FOUND)
        assert_problem(httpx.get(f"{running.host_url}/9999/"), 404, NOT_FOUND)


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ("clients: []\n", "at least one client"),
        ("clients: [{key: a, secret: b}, {key: a, secret: c}]\n", "appear more than once"),
    ],
)
def test_cli_bad_clients_give_one_line_error(tmp_path: Path, config: str, fragment: str) -> None:
    path = tmp_path / "sandbox.yaml"
    path.write_text(config)
    assert_one_line_error(run_cli("sandbox", "serve", "--port", "0", "--config", str(path)), fragment)


def test_cli_config_that_is_not_utf8_gives_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.yaml"
    path.write_bytes("port: 8765 # caf\xe9\n".encode("latin-1"))
    assert_one_line_error(run_cli("sandbox", "serve", "--config", str(path)), "not UTF-8")


@pytest.mark.parametrize("where", ["/proc/runway-missing/x.sqlite3", "text-file"])
def test_cli_unusable_db_gives_one_line_error(tmp_path: Path, where: str) -> None:
    db = Path(where)
    if where == "text-file":
        db = tmp_path / "notes.txt"
        db.write_text("these are my notes, not a database\n" * 20)
    result = run_cli("sandbox", "serve", "--port", "0", "--db", str(db))
    assert_one_line_error(result, "Cannot use", "--db")
    if where == "text-file":
        assert db.read_text().startswith("these are my notes")


def test_cli_data_standard_needs_spec_dir() -> None:
    result = run_cli("sandbox", "serve", "--port", "0", "--data-standard", "4.0")
    assert result.returncode == 2
    assert "--spec-dir" in result.stderr


def test_cli_port_out_of_range_is_one_line() -> None:
    assert_one_line_error(run_cli("sandbox", "serve", "--port", "70000"), "port")


def test_reused_database_with_other_descriptors_warns(tmp_path: Path) -> None:
    descriptors = tmp_path / "descriptors"
    descriptors.mkdir()
    (descriptors / "SexDescriptor.xml").write_text(
        '<?xml version="1.0"?><InterchangeDescriptors xmlns="http://ed-fi.org/5.2.0"><SexDescriptor>'
        "<CodeValue>Female</CodeValue><ShortDescription>Female</ShortDescription>"
        "<Namespace>uri://ed-fi.org/SexDescriptor</Namespace></SexDescriptor></InterchangeDescriptors>"
    )
    db = tmp_path / "sandbox.sqlite3"
    with serve_process("--port", "0", "--db", str(db)) as first:
        assert not any("warning" in line for line in first.lines)
    with serve_process("--port", "0", "--db", str(db), "--descriptors-dir", str(descriptors)) as second:
        assert any("warning:" in line and "descriptors" in line for line in second.lines), second.lines


def test_db_file_is_complete_after_the_sandbox_stops(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with serve_process("--port", "0", "--db", str(db)) as served:
        token = httpx.post(
            f"{served.url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(served.key, served.secret)
        ).json()["access_token"]
        response = httpx.post(
            f"{served.url}/data/v3/ed-fi/students", json=student("WAL1"), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(db.read_bytes())  # the main file alone holds the data
    with serve_sandbox(SandboxConfig(db=copy)) as running, running.client() as api:
        assert api.get("/ed-fi/students", params={"studentUniqueId": "WAL1"}).json()[0]["studentUniqueId"] == "WAL1"


def test_seed_keeps_ids_as_written(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(
        "roster:\n  educationOrganizationId: 255901\n  students:\n"
        "    - {studentUniqueId: 0604721, ids: {District: 0012345, State: 00099}}\n"
    )
    notes: list[str] = []
    payloads = read_seed_file(path, notes)
    assert payloads["students"][0]["studentUniqueId"] == "0604721"
    codes = [
        c["identificationCode"]
        for c in payloads["studentEducationOrganizationAssociations"][0]["studentIdentificationCodes"]
    ]
    assert codes == ["0012345", "00099"]
    assert notes == [
        "1 student(s) had no firstName, lastSurname or birthDate: placeholders were used "
        "(Student, the student's ID, 2010-01-01)."
    ]


def test_seed_refuses_an_empty_id_code(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(
        "roster:\n  educationOrganizationId: 1\n  students:\n    - {studentUniqueId: '1', ids: {State: }}\n"
    )
    with pytest.raises(SeedFileError, match=r"ids\.State has no code"):
        read_seed_file(path)


def test_seed_file_that_is_not_utf8_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_bytes("roster: caf\xe9\n".encode("latin-1"))
    result = run_cli("sandbox", "seed", str(path), "--url", "http://127.0.0.1:9")
    assert_one_line_error(result, "not UTF-8")


def test_demo_refuses_to_empty_a_directory_it_did_not_create(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    with pytest.raises(click.ClickException, match="did not create"):
        prepare_workdir(precious)
    assert (precious / "thesis.docx").read_text() == "years of work"
    fresh = tmp_path / "demo"
    prepare_workdir(fresh)
    (fresh / "sandbox.sqlite3").write_text("old run")
    prepare_workdir(fresh)  # its own directory: emptied again
    assert not (fresh / "sandbox.sqlite3").exists()
