"""A real sandbox served over HTTP on 127.0.0.1 (uvicorn in a background thread) for tests and benches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from runway.sandbox.app import SandboxApp
from runway.sandbox.config import DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, SandboxConfig
from runway.sandbox.factory import build_app
from runway.sandbox.spec import Catalog


@dataclass
class RunningSandbox:
    """A sandbox listening on ``url`` (the API root, including prefix and context segment)."""

    app: SandboxApp
    host_url: str  # scheme://host:port
    url: str  # API root
    key: str = DEFAULT_CLIENT_KEY
    secret: str = DEFAULT_CLIENT_SECRET

    def token(self) -> str:
        """A fresh access token for the default client."""
        response = httpx.post(
            f"{self.url}/oauth/token", data={"grant_type": "client_credentials"}, auth=(self.key, self.secret)
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def client(self) -> httpx.Client:
        """An httpx client with a bearer token, based at the data API (``…/data/v3``)."""
        data = f"{self.url}/data/v3"
        if self.app.config.layout == "year":
            data += f"/{self.app.config.school_years[0] if self.app.config.school_years else 2026}"
        return httpx.Client(base_url=data, headers={"Authorization": f"Bearer {self.token()}"}, timeout=30)


@contextmanager
def serve_sandbox(config: SandboxConfig, catalog: Catalog | None = None, context: str = "") -> Iterator[RunningSandbox]:
    """Serve a sandbox built from ``config`` until the block ends. ``context`` is appended to the root URL."""
    app = build_app(config, catalog)
    server = uvicorn.Server(
        uvicorn.Config(app.asgi, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="sandbox-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("The sandbox server did not start.")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    host_url = f"http://127.0.0.1:{port}"
    try:
        yield RunningSandbox(app, host_url, f"{host_url}{config.prefix}{context}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.sandbox.store.close()
