"""The Runway web app (FastAPI): ``create_app(settings)`` builds one ASGI app (DESIGN.md §2).

``app.state`` holds ``settings``, ``engine``, ``sessionmaker``, ``storage``, ``keyring``,
``executor_tokens`` and ``launcher`` (runs' executors; the lifespan runs the lost-run reaper,
``runway.job.reaper``). At startup the schema is
ensured (``runway.migrations.ensure_schema``: created or upgraded in development, checked in production).
Every response is JSON on error (``runway.web.errors``) and carries ``Cache-Control: no-cache``
(runway-app.md §2.0).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from runway.auth.routes import router as auth_router
from runway.crypto import keyring_from_settings
from runway.db import get_engine, make_sessionmaker
from runway.executor_api.routes import router as executor_router
from runway.executor_api.tokens import ExecutorTokens
from runway.job.reaper import start_reaper
from runway.job.routes import router as job_router
from runway.launch.base import Launcher
from runway.launch.local import LocalLauncher
from runway.ods.routes import router as ods_router
from runway.settings import Settings, get_settings
from runway.storage.factory import storage_from_settings
from runway.storage.routes import router as storage_router
from runway.web.errors import install_error_handlers


def create_app(settings: Settings | None = None, *, launcher: Launcher | None = None) -> FastAPI:
    """A new app for ``settings`` (default: ``get_settings()``); ``launcher`` defaults to a ``LocalLauncher``.

    Raises:
        runway.crypto.KeyConfigurationError: the signing key cannot be derived (bad development key file).
    """
    settings = settings or get_settings()
    engine = get_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from runway.migrations import ensure_schema

        ensure_schema(settings)
        reaper = asyncio.create_task(start_reaper(_app))
        try:
            yield
        finally:
            reaper.cancel()

    app = FastAPI(
        title="Runway",
        lifespan=lifespan,
        docs_url="/api/docs" if settings.is_development else None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if settings.is_development else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.storage = storage_from_settings(settings)
    app.state.keyring = keyring_from_settings(settings)
    app.state.executor_tokens = tokens = ExecutorTokens.from_settings(settings)
    app.state.launcher = launcher or LocalLauncher.from_settings(settings, lambda run_id: tokens.mint(run_id, "init"))
    install_error_handlers(app)

    @app.middleware("http")
    async def no_cache(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("cache-control", "no-cache")
        return response

    @app.get("/api/healthcheck")
    def healthcheck() -> dict[str, str]:
        """``{"status": "ok"}`` while the app serves requests (runway-app.md §2.1)."""
        return {"status": "ok"}

    app.include_router(storage_router)
    app.include_router(executor_router)
    app.include_router(auth_router)
    app.include_router(job_router)
    app.include_router(ods_router)
    return app
