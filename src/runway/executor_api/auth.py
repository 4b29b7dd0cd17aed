"""The guard on every executor route (runway-app.md §2.3 "Tokens"; §10.4).

``Authorization: Bearer <token>`` must be present (401 ``No token``), valid for the route's token type
(401 ``Invalid token``) and bound to the path's run (403 ``Token is not for run <id>``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from runway.errors import Forbidden, Unauthorized
from runway.executor_api.tokens import ExecutorTokens, TokenType


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("No token")
    return token.strip()


def _checked_run_id(request: Request, run_id: int, token_type: TokenType) -> int:
    tokens: ExecutorTokens = request.app.state.executor_tokens
    token_run_id = tokens.verify(_bearer(request), token_type)
    if token_run_id != run_id:
        raise Forbidden(f"Token is not for run {run_id}")
    return run_id


def init_run_id(request: Request, run_id: Annotated[int, Path(alias="runId")]) -> int:
    """The path's run id, once the request's init token is checked against it."""
    return _checked_run_id(request, run_id, "init")


def access_run_id(request: Request, run_id: Annotated[int, Path(alias="runId")]) -> int:
    """The path's run id, once the request's access token is checked against it."""
    return _checked_run_id(request, run_id, "access")


InitRunId = Annotated[int, Depends(init_run_id)]
AccessRunId = Annotated[int, Depends(access_run_id)]
