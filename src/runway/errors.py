"""Errors a service raises when a request or command cannot proceed; the edge turns them into an HTTP
status or a one-line CLI error. Messages say what was wrong and what to do, and never contain secrets.
"""

from __future__ import annotations

from typing import ClassVar


class AppError(Exception):
    """Base of the errors users may see; ``status`` is the HTTP status a route answers with."""

    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(AppError):
    """The thing named does not exist (or the caller may not know it does)."""

    status = 404


class Conflict(AppError):
    """The request clashes with the current state, e.g. a second active ODS config for a tenant and year."""

    status = 409


class Invalid(AppError):
    """A value is malformed or out of range."""

    status = 422


class BadRequest(AppError):
    """The request cannot be acted on as sent (e.g. a job whose inputs are incomplete, a path outside a run's
    folder); the original answers these with 400 (runway-app.md §2.3, §4.3).
    """

    status = 400


class Unauthorized(AppError):
    """No credentials, or credentials that are invalid, expired or already used."""

    status = 401


class Forbidden(AppError):
    """Valid credentials that do not cover what was asked (e.g. a token bound to another run)."""

    status = 403


class TooLarge(AppError):
    """An upload bigger than its limit."""

    status = 413
