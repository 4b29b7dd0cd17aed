"""Data kept in a SQLite file across sandbox instances, and ``runway sandbox serve`` run as a real process."""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from runway.sandbox.config import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, SandboxConfig
from runway.sandbox.spec import Catalog
from tests.sandbox.helpers import (
    DEPENDENT,
    assert_one_line_error,
    assert_problem,
    create,
    ensure_descriptors,
    get_token,
    local_education_agency,
    request_token,
    run_cli,
    runway_command,
    seoa,
    student,
    unique,
    unique_int,
)
from tests.support.sandbox_server import serve_sandbox

# --- persistence (in-process) ------------------------------------------------------------------------


def test_db_file_keeps_data_across_instances(builtin_catalog: Catalog, tmp_path: Path) -> None:
    db = tmp_path / "nested" / "sandbox.db"
    config = SandboxConfig(db=db)
    unique_id, lea_id = unique(), unique_int()
    with serve_sandbox(config, builtin_catalog) as first, first.client() as client:
        ensure_descriptors(client)
        student_id = create(client, "/ed-fi/students", student(unique_id, firstName="Kept"))
        create(client, "/ed-fi/localEducationAgencies", local_education_agency(lea_id))
        create(client, "/ed-fi/studentEducationOrganizationAssociations", seoa(unique_id, lea_id))
        original = client.get(f"/ed-fi/students/{student_id}").json()
        grades = client.get("/ed-fi/gradeLevelDescriptors", params={"limit": 500}).json()
    assert db.exists()

    with serve_sandbox(config, builtin_catalog) as second, second.client() as client:
        assert client.get(f"/ed-fi/students/{student_id}").json() == original
        assert [r["id"] for r in client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json()] == [
            student_id
        ]
        # default descriptors are not seeded a second time
        assert client.get("/ed-fi/gradeLevelDescriptors", params={"limit": 500}).json() == grades
        # references are kept too: the delete guard still holds, and upserts still find the item
        assert_problem(client.delete(f"/ed-fi/students/{student_id}"), 409, DEPENDENT)
        assert client.post("/ed-fi/students", json=student(unique_id)).status_code == 200


def test_db_file_keeps_year_scopes_apart(builtin_catalog: Catalog, tmp_path: Path) -> None:
    config = SandboxConfig(db=tmp_path / "years.db", layout="year")
    unique_id = unique()
    with serve_sandbox(config, builtin_catalog) as first:
        bearer = {"Authorization": f"Bearer {first.token()}"}
        created = httpx.post(f"{first.url}/data/v3/2025/ed-fi/students", json=student(unique_id), headers=bearer)
        assert created.status_code == 201
    with serve_sandbox(config, builtin_catalog) as second:
        bearer = {"Authorization": f"Bearer {second.token()}"}
        params = {"studentUniqueId": unique_id}
        assert len(httpx.get(f"{second.url}/data/v3/2025/ed-fi/students", params=params, headers=bearer).json()) == 1
        assert httpx.get(f"{second.url}/data/v3/2026/ed-fi/students", params=params, headers=bearer).json() == []


def test_in_memory_data_is_not_kept(builtin_catalog: Catalog) -> None:
    unique_id = unique()
    with serve_sandbox(SandboxConfig(), builtin_catalog) as first, first.client() as client:
        create(client, "/ed-fi/students", student(unique_id))
    with serve_sandbox(SandboxConfig(), builtin_catalog) as second, second.client() as client:
        assert client.get("/ed-fi/students", params={"studentUniqueId": unique_id}).json() == []
        assert client.get("/ed-fi/students", params={"totalCount": "true"}).headers["total-count"] == "0"


def test_tokens_do_not_survive_a_restart(builtin_catalog: Catalog, tmp_path: Path) -> None:
    config = SandboxConfig(db=tmp_path / "tokens.db")
    with serve_sandbox(config, builtin_catalog) as first:
        token = first.token()
    with serve_sandbox(config, builtin_catalog) as second:
        response = httpx.get(f"{second.url}/data/v3/ed-fi/students", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


# --- the CLI as a process ----------------------------------------------------------------------------


@dataclass
class Served:
    """A ``runway sandbox serve`` process and what it printed."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str = ""
    key: str = ""
    secret: str = ""
    stderr: str = ""


READY = re.compile(r"Ed-Fi sandbox ready: (http://\S+?)/?$")
CREDENTIALS = re.compile(r"client key: (\S+)\s+client secret: (\S+)")


@contextmanager
def serve_process(*args: str, timeout: float = 60) -> Iterator[Served]:
    """Start ``runway sandbox serve ARGS``; yield once it printed its URL and client; stop it afterwards."""
    process = subprocess.Popen(
        [*runway_command(), "sandbox", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    served = Served(process)
    try:
        while not (served.url and served.key):
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no ready message within {timeout}s; got {served.lines}") from None
            if line is None:
                stderr = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"serve exited early ({process.wait()}): {served.lines} {stderr}")
            served.lines.append(line)
            if match := READY.search(line):
                served.url = match.group(1)
            if match := CREDENTIALS.search(line):
                served.key, served.secret = match.groups()
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr:
            served.stderr = process.stderr.read()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def test_cli_serve_prints_url_and_client_and_keeps_data_with_db(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    unique_id = unique()
    with serve_process("--port", "0", "--db", str(db)) as served:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served.url), served.lines
        assert not served.url.endswith(":0")
        assert (served.key, served.secret) == (DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET)
        assert any(str(db) in line for line in served.lines), served.lines
        discovery = httpx.get(served.url + "/")
        assert discovery.status_code == 200
        assert discovery.json()["urls"]["oauth"] == f"{served.url}/oauth/token"
        bearer = {"Authorization": f"Bearer {get_token(served.url, served.key, served.secret)}"}
        created = httpx.post(f"{served.url}/data/v3/ed-fi/students", json=student(unique_id), headers=bearer)
        assert created.status_code == 201
        student_id = created.headers["location"].rsplit("/", 1)[1]
    assert served.process.returncode is not None  # stopped by Ctrl-C (SIGINT)
    assert "Traceback" not in served.stderr, served.stderr

    with serve_process("--port", "0", "--db", str(db)) as again:
        bearer = {"Authorization": f"Bearer {get_token(again.url, again.key, again.secret)}"}
        response = httpx.get(f"{again.url}/data/v3/ed-fi/students/{student_id}", headers=bearer)
        assert response.status_code == 200
        assert response.json()["studentUniqueId"] == unique_id


def test_cli_serve_without_db_keeps_nothing() -> None:
    unique_id = unique()
    with serve_process("--port", "0") as served:
        bearer = {"Authorization": f"Bearer {get_token(served.url, served.key, served.secret)}"}
        assert (
            httpx.post(f"{served.url}/data/v3/ed-fi/students", json=student(unique_id), headers=bearer).status_code
            == 201
        )
    with serve_process("--port", "0") as again:
        bearer = {"Authorization": f"Bearer {get_token(again.url, again.key, again.secret)}"}
        rows = httpx.get(f"{again.url}/data/v3/ed-fi/students", params={"studentUniqueId": unique_id}, headers=bearer)
        assert rows.json() == []


def test_cli_serve_config_file_with_two_clients(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.yml"
    config.write_text(
        "port: 0\n"
        "prefix: /api\n"
        "token_lifetime: 600\n"
        "clients:\n"
        "  - {key: district-one, secret: first-secret}\n"
        "  - {key: district-two, secret: second-secret}\n",
        encoding="utf-8",
    )
    with serve_process("--config", str(config)) as served:
        assert served.url.endswith("/api"), served.lines
        assert (served.key, served.secret) == ("district-one", "first-secret")
        for key, secret in (("district-one", "first-secret"), ("district-two", "second-secret")):
            response = request_token(served.url, key, secret)
            assert response.status_code == 200
            assert response.json()["expires_in"] == 600
            bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
            assert httpx.get(f"{served.url}/data/v3/ed-fi/students", headers=bearer).status_code == 200
        refused = request_token(served.url)
        assert refused.status_code == 401


def test_cli_options_override_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.yml"
    config.write_text("port: 0\nprefix: /api\nprofile: ods5\n", encoding="utf-8")
    with serve_process("--config", str(config), "--prefix", "/edfi", "--key", "k1", "--secret", "s1") as served:
        assert served.url.endswith("/edfi"), served.lines
        assert (served.key, served.secret) == ("k1", "s1")
        assert httpx.get(served.url + "/").json()["apiMode"] == "Sandbox"
        get_token(served.url, "k1", "s1")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("port: 0\ncolour: blue\n", ["colour"]),
        ("port: not-a-number\n", ["port"]),
        ("clients:\n  - {key: a, secret: ''}\n", ["clients"]),
        ("layout: sideways\n", ["layout"]),
        ("- just\n- a list\n", ["mapping"]),
        ("port: [1, 2\nhost: x\n", ["not valid YAML"]),
    ],
    ids=["unknown-key", "bad-port", "empty-secret", "bad-layout", "not-a-mapping", "yaml-syntax"],
)
def test_cli_bad_config_file_gives_one_line_error(tmp_path: Path, text: str, fragments: list[str]) -> None:
    config = tmp_path / "bad.yml"
    config.write_text(text, encoding="utf-8")
    result = run_cli("sandbox", "serve", "--config", str(config))
    assert_one_line_error(result, str(config), *fragments)


def test_cli_missing_config_file_gives_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yml"
    assert_one_line_error(run_cli("sandbox", "serve", "--config", str(missing)), str(missing))


def test_cli_key_without_secret_is_refused() -> None:
    result = run_cli("sandbox", "serve", "--port", "0", "--key", "only-key")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "--key and --secret go together" in result.stderr


def test_cli_missing_spec_dir_is_refused(tmp_path: Path) -> None:
    result = run_cli("sandbox", "serve", "--port", "0", "--spec-dir", str(tmp_path / "nowhere"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "--spec-dir" in errors[0]


def test_cli_empty_spec_dir_gives_one_line_error(tmp_path: Path) -> None:
    result = run_cli("sandbox", "serve", "--port", "0", "--spec-dir", str(tmp_path))
    assert_one_line_error(result, str(tmp_path), "resources-ds-")


@pytest.mark.parametrize(
    "resources",
    ["openapi: [3.0\npaths: {}\n", "just: a mapping\n", "openapi: 3.0.0\npaths: {}\n"],
    ids=["yaml-syntax", "not-openapi", "no-resources"],
)
def test_cli_broken_spec_dir_gives_one_line_error(tmp_path: Path, resources: str) -> None:
    (tmp_path / "resources-ds-5.0.yml").write_text(resources, encoding="utf-8")
    (tmp_path / "descriptors-ds-5.0.yml").write_text("openapi: 3.0.0\npaths: {}\n", encoding="utf-8")
    result = run_cli("sandbox", "serve", "--port", "0", "--spec-dir", str(tmp_path))
    assert_one_line_error(result)


def test_cli_port_in_use_fails_cleanly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("sandbox", "serve", "--port", str(port))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "ready" not in result.stdout
