"""One-line explanations of the failures an admin command can meet: what was wrong and what to do."""

from __future__ import annotations


def explain(exc: Exception) -> str | None:
    """The message to show for ``exc``; None for a bug, which should keep its traceback.

    Covers: service errors (``runway.errors.AppError``), invalid settings, an outdated schema, secrets
    that cannot be decrypted, an unreachable or locked database, and constraint violations from a
    concurrent change. Messages never include secrets or database passwords.
    """
    # Imported here: the modules are loaded anyway by the time one of their errors exists.
    from pydantic import ValidationError
    from sqlalchemy.exc import IntegrityError, OperationalError

    from runway.crypto import DecryptionError, KeyConfigurationError
    from runway.errors import AppError
    from runway.migrations import SchemaError

    if isinstance(exc, AppError | SchemaError | KeyConfigurationError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "Invalid configuration: " + "; ".join(_setting_problem(error) for error in exc.errors())
    if isinstance(exc, DecryptionError):
        return f"Cannot decrypt a stored secret: {exc}"
    if isinstance(exc, IntegrityError):
        constraint = _constraint_name(exc)
        return f"The change conflicts with data saved meanwhile ({constraint}); nothing was saved, run it again"
    if isinstance(exc, OperationalError):
        return f"Cannot use the database: {_first_line(exc.orig)}; check RUNWAY_DATABASE_URL and that it is running"
    return None


def _setting_problem(error: object) -> str:
    location = error.get("loc", ()) if isinstance(error, dict) else ()
    message = error.get("msg", "") if isinstance(error, dict) else str(error)
    message = message.removeprefix("Value error, ")
    if location:
        return f"RUNWAY_{str(location[0]).upper()} {message}"
    return message


def _constraint_name(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return str(name) if name else _first_line(orig)


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0] if lines else type(value).__name__
