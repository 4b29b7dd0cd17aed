"""The ``partner`` table (runway-app.md §1.3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column

from runway.db import AuditMixin, Base, UtcDateTime, str_enum


class SyncManager(StrEnum):
    """The outside system that owns a partner's record (only ``user_management_sync`` is implemented)."""

    user_management_sync = "user_management_sync"
    tx_sync = "tx_sync"


class Partner(AuditMixin, Base):
    """A customer organization (a state, a service provider) with a readable code as its id, e.g. ``ea``.

    ``descriptor_namespace`` replaces the Ed-Fi default descriptor namespace in this partner's runs.
    ``idp_id`` names its identity provider; the ``identity_provider`` table and the foreign key come with
    login (another issue). ``deleted_on`` is a soft delete written by the partner sync only.
    """

    __tablename__ = "partner"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    descriptor_namespace: Mapped[str | None] = mapped_column(String(255))
    idp_id: Mapped[str | None] = mapped_column(String(64))
    cross_year_matching_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    deleted_on: Mapped[datetime | None] = mapped_column(UtcDateTime)
    managed_by: Mapped[SyncManager | None] = mapped_column(str_enum(SyncManager, "sync_manager"))
