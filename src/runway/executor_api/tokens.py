"""Executor tokens: HS256 JWTs ``{runId, type, iat, exp}`` (runway-app.md §2.3 "Tokens").

The init token lives 5 minutes and is single-use through the run's ``new`` → ``running`` transition (the
init route enforces that); the access token lives 24 hours. Both are bound to one run.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Literal

import jwt

from runway.errors import Unauthorized
from runway.keys import derive_key
from runway.settings import Settings

TokenType = Literal["init", "access"]
LIFETIMES: dict[TokenType, timedelta] = {"init": timedelta(minutes=5), "access": timedelta(hours=24)}
ALGORITHM = "HS256"


class InvalidToken(Unauthorized):
    """A token with a bad signature, expired, malformed, or of the wrong type (401 ``Invalid token``)."""

    def __init__(self) -> None:
        super().__init__("Invalid token")


class ExecutorTokens:
    """Mints and verifies executor tokens with one key (``runway.keys.derive_key(..., "executor-jwt")``)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> ExecutorTokens:
        """The token service of ``settings``."""
        return cls(derive_key(settings, "executor-jwt"))

    def mint(self, run_id: int, token_type: TokenType, *, now: float | None = None) -> str:
        """A signed token for ``run_id`` of ``token_type``, expiring after ``LIFETIMES[token_type]``."""
        issued = int(time.time() if now is None else now)
        expires = issued + int(LIFETIMES[token_type].total_seconds())
        return jwt.encode(
            {"runId": run_id, "type": token_type, "iat": issued, "exp": expires}, self._key, algorithm=ALGORITHM
        )

    def verify(self, token: str, token_type: TokenType) -> int:
        """The run id of a valid, unexpired token of ``token_type``.

        Raises:
            InvalidToken: bad signature, expired, malformed, or another type.
        """
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM], options={"require": ["exp", "runId", "type"]})
        except jwt.PyJWTError:
            raise InvalidToken() from None
        run_id = claims.get("runId")
        if claims.get("type") != token_type or not isinstance(run_id, int) or isinstance(run_id, bool):
            raise InvalidToken()
        return run_id
