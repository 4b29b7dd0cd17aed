"""The ``tenant`` table (runway-app.md §1.3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from runway.db import AuditMixin, Base, UtcDateTime


class Tenant(AuditMixin, Base):
    """A district of a partner, keyed by (``partner_id``, ``code``); other tables refer to it with the pair
    (``partner_id``, ``tenant_code``). Deleting a partner that still has tenants is refused (RESTRICT).
    """

    __tablename__ = "tenant"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partner.id", ondelete="RESTRICT"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    is_global: Mapped[bool] = mapped_column(default=False, server_default=false())
    deleted_on: Mapped[datetime | None] = mapped_column(UtcDateTime)
