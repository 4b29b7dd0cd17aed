"""Request dependencies: the database session, the settings and the storage of the running app.

``get_session`` opens one session per request and closes it afterwards, rolling back whatever was not
committed: the route owns the transaction and calls ``session.commit()`` itself (DESIGN.md §5), services
only ``flush()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from runway.settings import Settings
from runway.storage.local import LocalStorage


def get_session(request: Request) -> Iterator[Session]:
    """A session from ``app.state.sessionmaker``; uncommitted work is rolled back when the request ends."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with factory() as session:
        try:
            yield session
        finally:
            session.rollback()


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_storage(request: Request) -> LocalStorage:
    """The app's file storage."""
    storage: LocalStorage = request.app.state.storage
    return storage


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[LocalStorage, Depends(get_storage)]
