"""The ``school_year`` and ``school_year_config`` tables (runway-app.md §1.3, §5.3)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from runway.db import AuditMixin, Base


class SchoolYear(Base):
    """A school year, e.g. id ``2526`` for 2025–2026. ``end_year`` is the Ed-Fi ``API_YEAR``.

    Rows come from seeding only (``runway admin seed-school-years``); no API creates them.
    """

    __tablename__ = "school_year"
    __table_args__ = (CheckConstraint("end_year = start_year + 1", name="consecutive_years"),)

    id: Mapped[str] = mapped_column(String(4), primary_key=True)
    start_year: Mapped[int] = mapped_column(unique=True)
    end_year: Mapped[int] = mapped_column(unique=True)


class SchoolYearConfig(AuditMixin, Base):
    """One partner's choice for one year: selectable for jobs (``is_enabled``) and whether its jobs load
    into an ODS (``send_to_ods``; a job copies it when created). A missing row means "not enabled".
    """

    __tablename__ = "school_year_config"

    partner_id: Mapped[str] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True)
    school_year_id: Mapped[str] = mapped_column(ForeignKey("school_year.id", ondelete="RESTRICT"), primary_key=True)
    is_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    send_to_ods: Mapped[bool] = mapped_column(default=True, server_default=true())
