"""The real app on SQLite and PostgreSQL (``tests/support/app.py``)."""

from tests.support.app import app, client, settings, storage

__all__ = ["app", "client", "settings", "storage"]
