"""The app factory: startup, healthcheck, JSON errors, the session dependency, ``runway serve``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from runway.app import create_app
from runway.db import get_engine
from runway.errors import Conflict
from runway.partner.models import Partner
from runway.web.deps import SessionDep
from tests.support.app import app, app_settings, client, settings

__all__ = ["app", "client", "settings"]


def test_healthcheck(client: TestClient) -> None:
    response = client.get("/api/healthcheck")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-cache"


def test_unknown_path_is_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_schema_is_created_at_startup_in_development(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    with TestClient(create_app(app_settings(url, tmp_path))) as test_client:
        assert test_client.get("/api/healthcheck").status_code == 200
    assert "run" in inspect(get_engine(url)).get_table_names()


def test_route_owns_the_commit_and_errors_roll_back(app: FastAPI, client: TestClient) -> None:
    @app.post("/api/_test/partner/{partner_id}")
    def add_partner(partner_id: str, session: SessionDep, commit: bool = True, fail: bool = False) -> dict[str, str]:
        session.add(Partner(id=partner_id, name=partner_id))
        session.flush()
        if fail:
            raise Conflict(f"Partner {partner_id} clashes")
        if commit:
            session.commit()
        return {"id": partner_id}

    assert client.post("/api/_test/partner/kept").status_code == 200
    assert client.post("/api/_test/partner/uncommitted?commit=false").status_code == 200
    response = client.post("/api/_test/partner/failed?fail=true")
    assert response.status_code == 409
    assert response.json() == {"detail": "Partner failed clashes"}
    response = client.post("/api/_test/partner/x?commit=maybe")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("query.commit: ")
    with app.state.sessionmaker() as session:
        assert [p.id for p in session.query(Partner).order_by(Partner.id)] == ["kept"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_runway_serve_serves_the_app(tmp_path: Path) -> None:
    port = _free_port()
    env = {"RUNWAY_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    runway = Path(sys.executable).parent / "runway"
    process = subprocess.Popen(
        [str(runway), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/healthcheck", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "runway serve did not start within 30 s"
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        process.wait(timeout=10)
