"""Every error answers JSON ``{"detail": <message>}`` (runway-app.md §2.0 keeps a single error shape).

* ``runway.errors.AppError``: its ``status`` and ``message``.
* Request validation: 400 with one message per problem, ``"<field>: <reason>"`` joined by ``"; "``.
* Starlette/FastAPI ``HTTPException``: its status and detail (e.g. 404 for an unknown path, 405).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from runway.errors import AppError


def describe_validation(exc: RequestValidationError) -> str:
    """One line naming each invalid field and why, e.g. ``"body.action: String should have at least 1 character"``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "Invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers on ``app``."""

    async def app_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": describe_validation(exc)}, status_code=400)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
